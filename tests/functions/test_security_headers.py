"""Security headers on every HTML page (issue 14, item 5): every route that documents an
HTML answer is requested, with and without credentials, and each HTML answer must carry
the CSP (no inline script unless its hash is in the policy), no framing, nosniff and the
referrer policy of shared/web/responses.py::html_response."""
import re

import pytest

from shared.web.responses import content_security_policy, html_response, script_hash
from tests.functions.conftest import ADMIN
from tests.functions.test_fuzz_http import ROUTERS, _router

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)


def assert_secure_html(response, where):
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp, where
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0], where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("Referrer-Policy") == "no-referrer", where
    for attributes, body in _SCRIPT.findall(response.get_data(as_text=True)):
        if "src=" not in attributes:  # an inline script runs only if the policy names its hash
            assert script_hash(body) in csp, f"{where}: an inline script without its hash in the CSP"


def html_routes():
    for function in ROUTERS:
        for route in _router(function).routes:
            if route.operation and any(r.media == "text/html" for r in route.operation.replies.values()):
                yield function, route


HTML_ROUTES = list(html_routes())


def test_the_html_pages_are_found():
    assert {("reports", "/dashboard"), ("reports", "/login")} <= {(f, r.path) for f, r in HTML_ROUTES}


@pytest.mark.parametrize("function, route", HTML_ROUTES, ids=[f"{f}:{r.method} {r.path}" for f, r in HTML_ROUTES])
@pytest.mark.parametrize("credentials", [{}, {"Authorization": f"Bearer {ADMIN}"}], ids=["anonymous", "admin"])
def test_every_html_answer_carries_the_security_headers(app, client, function, route, credentials):
    from tests.fakes import FakeReportSource
    app.report_source = FakeReportSource(app.repo)
    path = re.sub(r"\{[a-z_]+\}", "x", route.path)
    response = client(function).open(path, method=route.method, headers=credentials, data={"token": "wrong"})
    assert response.status_code < 500
    if response.mimetype == "text/html":
        assert_secure_html(response, f"{function} {route.method} {path} -> {response.status_code}")


def test_the_dashboard_and_the_login_form_are_secure_html(app, client):
    from tests.fakes import FakeReportSource
    app.report_source = FakeReportSource(app.repo)
    dashboard = client("reports").get("/dashboard", headers={"Authorization": f"Bearer {ADMIN}"})
    form = client("reports").get("/dashboard")
    wrong = client("reports").post("/login", data={"token": "wrong"})
    for response, status in ((dashboard, 200), (form, 401), (wrong, 401)):
        assert response.status_code == status and response.mimetype == "text/html"
        assert_secure_html(response, response.request.path)


def test_a_locked_out_login_is_secure_html_with_retry_after(app, client):
    app.settings = app.settings.model_copy(update={"lockout_free_failures": 2})
    answers = [client("reports").post("/login", data={"token": "wrong"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [401, 401, 429]
    assert int(answers[2].headers["Retry-After"]) >= 1
    assert_secure_html(answers[2], "locked login")


def test_an_inline_script_is_allowed_only_by_its_hash():
    script = "document.body.dataset.ready = '1';"
    page = html_response(f"<html><body><script>{script}</script></body></html>", scripts=[script])
    assert script_hash(script) in page.headers["Content-Security-Policy"]
    assert_secure_html(page, "hashed")
    unhashed = html_response(f"<html><body><script>{script}</script></body></html>")
    with pytest.raises(AssertionError, match="inline script"):
        assert_secure_html(unhashed, "unhashed")
    assert "'self'" in content_security_policy().split("script-src", 1)[1].split(";")[0]
