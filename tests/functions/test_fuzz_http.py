"""No request of any shape to any HTTP function answers 500 (issue 14, item 1).

A property-based fuzz over every HTTP function of infra/topology.yaml, through
functions-framework's test client with the in-memory fakes: method, path (each route's
template with hostile path values, or a random path), query (the route's own parameters
at the ends of their ranges, and random ones), headers (valid and wrong credentials, a
dashboard cookie with non-ASCII bytes, odd media types), and bodies (random bytes,
invalid UTF-8, JSON nested 10,000 deep, the route's own body with hostile values, forms),
intake bodies signed so they reach parsing. Besides "never 5xx": every XML answer is
well-formed XML 1.0, every HTML answer carries the security headers, every JSON answer
parses. ``EXAMPLES`` per function, so the whole run stays well under 60 s; the count is
printed with ``-s`` (the closing note of issue 14 cites it)."""
from __future__ import annotations

import importlib
import json
import re
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlencode
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.topology import load_topology
from shared.domain.api_keys import issue_key, key_digest
from tests.fakes import FakeReportSource
from tests.functions.conftest import ADMIN, SECRET

EXAMPLES = 250
HTTP_FUNCTIONS = [f.name for f in load_topology()["functions"] if f.trigger == "http"]
ROUTERS = {"intake": "shared.web.intake", "cases": "shared.web.cases", "open311": "shared.web.open311",
           "units": "shared.web.units", "reports": "shared.web.reports", "webhooks": "shared.web.webhooks_admin"}
UNIT_KEY = "sgp_kfuzz_" + "f" * 24
CASE_ID = "case-fuzz-1"
COUNT = {"requests": 0}

NASTY_TEXT = ["", " ", "\x00", "\x01title\x1f", "\x7f\x80\x9f", "\ud800", "\ufffe", "\uffff", "é" * 300, "<x>&",
              "]]>", "%00", "..", "../..", "__x__", "a" * 5000, "null", "[]", "{}", "1e309", "-0", "NaN"]
NASTY_DATES = ["9999-12-31", "0001-01-01", "10000-01-01", "0000-00-00", "2026-02-30", "9999-12-31T23:59:59Z",
               "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59-23:59",
               "2026-11-23T08:00:00+07:00", "2026-11-23", "-1", "99999999999999999999", "1e10", "T", "Z"]
NASTY_NUMBERS = ["0", "-1", "1", "1000", "1001", "99999999999999999999999", "1e400", "-1e400", "0x10", "١٢"]
text = st.one_of(st.sampled_from(NASTY_TEXT), st.text(max_size=40))
values = st.one_of(text, st.sampled_from(NASTY_DATES), st.sampled_from(NASTY_NUMBERS))
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), text),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)), max_leaves=12)


def _router(function: str) -> Any:
    return importlib.import_module(ROUTERS[function]).ROUTER if function in ROUTERS else None


def _fields(model: Any) -> list[str]:
    return [info.alias or name for name, info in model.model_fields.items()] if model is not None else []


def _example(model: Any) -> dict[str, Any]:
    examples = (model.model_config.get("json_schema_extra") or {}).get("examples") if model else None
    return dict(examples[0]) if examples else {}


@st.composite
def bodies(draw: Any, operation: Any) -> tuple[bytes, str | None]:
    model = getattr(operation, "body", None)
    kind = draw(st.sampled_from(["none", "bytes", "bad-utf8", "deep", "json", "model", "form"]))
    if kind == "none":
        return b"", None
    if kind == "bytes":
        return draw(st.binary(max_size=200)), draw(st.sampled_from(["application/json", "text/plain", None]))
    if kind == "bad-utf8":
        return b'{"title": "\xff\xfe\xc3(", "x": "\xed\xa0\x80"}', "application/json"
    if kind == "deep":
        depth = draw(st.sampled_from([65, 200, 10_000]))
        opener = draw(st.sampled_from(["[", '{"a":']))
        closer = "]" if opener == "[" else "}"
        return (opener * depth + "1" + closer * depth).encode(), "application/json"
    if kind == "json":
        return json.dumps(draw(json_values)).encode(), "application/json"
    fields = _fields(model) or ["title", "description", "token", "url"]
    body = _example(model)
    for name in draw(st.lists(st.sampled_from(fields), max_size=3)):
        body[name] = draw(st.one_of(values, json_values))
    if kind == "form":
        flat = {k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
        return urlencode(flat, errors="surrogatepass").encode("ascii", "replace"), \
            "application/x-www-form-urlencoded"
    return json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass"), "application/json"


def _path(route: Any, draw: Any) -> str:
    def fill(found: re.Match[str]) -> str:
        value = draw(st.one_of(st.sampled_from([CASE_ID, "demo", "nope", "k-dlh", "jalan-jembatan"]), text))
        return quote(value.encode("utf-8", "surrogatepass"), safe="")
    return re.sub(r"\{([a-z_]+)\}", fill, route.path)


@st.composite
def requests(draw: Any, function: str) -> dict[str, Any]:
    router = _router(function)
    routes = list(router.routes) if router is not None else []
    route = draw(st.sampled_from(routes)) if routes and draw(st.integers(0, 9)) else None
    operation = route.operation if route is not None else None
    path = _path(route, draw) if route is not None else "/" + "/".join(
        quote(p.encode("utf-8", "surrogatepass"), safe="") for p in draw(st.lists(text, max_size=3))).lstrip("/")
    method = route.method if route is not None and draw(st.integers(0, 4)) else draw(
        st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]))
    query = {name: draw(values) for name in draw(st.lists(st.sampled_from(
        [*_fields(getattr(operation, "query", None)), "api_key", "page_size", "page_token", "fmt", "x"]), max_size=4))}
    body, media = draw(bodies(operation))
    headers: dict[str, str] = {}
    if media:
        headers["Content-Type"] = media
    credential = draw(st.sampled_from(["none", "admin", "wrong", "unit", "bad-key", "cookie"]))
    headers.update({"admin": {"Authorization": f"Bearer {ADMIN}"}, "wrong": {"Authorization": "Bearer \xe9\x00"},
                    "unit": {"X-Api-Key": UNIT_KEY}, "bad-key": {"X-Api-Key": "sgp_\xff"},
                    "cookie": {"Cookie": "sigap_dasbor=" + draw(st.sampled_from(
                        ["\xff\xfe.\xe9", "1.\xe9", "9" * 40 + ".x", "abc", "1.2.3"]))}}.get(credential, {}))
    if draw(st.booleans()):
        headers["Idempotency-Key"] = draw(st.sampled_from(["k1", "\x00", "é", "a" * 300]))
    if function == "intake" and draw(st.integers(0, 3)):
        headers.update(_signed(body))
        headers["Content-Type"] = "application/json"
    query_string = urlencode(query, errors="surrogatepass").encode("ascii", "replace").decode()
    return {"method": method, "path": path, "query_string": query_string, "data": body, "headers": headers}


def _signed(body: bytes) -> dict[str, str]:
    """Standard Webhooks headers over the raw bytes (the signature covers bytes, not text)."""
    import base64
    import hashlib
    import hmac
    import time
    stamp, delivery = str(int(time.time())), "fuzz-delivery"
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    mac = hmac.new(key, f"{delivery}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return {"webhook-id": delivery, "webhook-timestamp": stamp,
            "webhook-signature": "v1," + base64.b64encode(mac).decode()}


def _prepared(app: SimpleNamespace) -> SimpleNamespace:
    update: dict[str, Any] = {"lockout_free_failures": 10**9}
    if "telegram_webhook_secret" in type(app.settings).model_fields:  # configured, so it is fuzzed past its 503
        update["telegram_webhook_secret"] = "fuzz-telegram-secret"
    app.settings = app.settings.model_copy(update=update)
    key, plaintext = issue_key(owner="dlh", scopes=("unit", "open311"), now=app.clock.now(), key_id="kfuzz",
                               secret="f" * 24, unit_id="dlh")
    app.api_keys.add(key_digest(plaintext), key)
    app.report_source = FakeReportSource(app.repo)
    return app


def _check(function: str, call: dict[str, Any], response: Any) -> None:
    shown = {**call, "data": call["data"][:200]}
    assert response.status_code < 500, f"{function} answered {response.status_code} to {shown}"
    mimetype = response.mimetype or ""
    if mimetype.endswith("/xml") and response.data:
        ElementTree.fromstring(response.data)  # well-formed, whatever was stored
    if mimetype == "text/html" and not 300 <= response.status_code < 400:  # (the framework's own redirects)
        assert "frame-ancestors 'none'" in response.headers.get("Content-Security-Policy", ""), shown
        assert response.headers.get("X-Content-Type-Options") == "nosniff", shown
    if mimetype == "application/json" and response.data and call["method"] != "HEAD":
        json.loads(response.data)


@pytest.mark.parametrize("function", HTTP_FUNCTIONS)
def test_no_request_answers_500(app, client, function):
    http = client(function)
    _prepared(app)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                     HealthCheck.data_too_large])
    @given(call=requests(function))
    def never_500(call: dict[str, Any]) -> None:
        COUNT["requests"] += 1
        response = http.open(call["path"], method=call["method"], query_string=call["query_string"],
                             data=call["data"], headers=call["headers"])
        _check(function, call, response)

    never_500()


def test_every_http_function_is_fuzzed():
    """A new HTTP function joins the fuzz by being in the topology; its router, if it has one here."""
    assert {"intake", "cases", "open311", "units", "reports", "webhooks"} <= set(HTTP_FUNCTIONS)
    print(f"\nfuzzed {COUNT['requests']} requests over {len(HTTP_FUNCTIONS)} HTTP functions")
