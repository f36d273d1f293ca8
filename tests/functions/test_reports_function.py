"""The reports function through create_app().test_client(): JSON, CSV, dashboard, admin token."""
import csv
import io

import pytest

from shared.services.intake import receive_complaint
from shared.web.schemas import ComplaintIn, LocationIn
from tests.fakes import FakeReportSource
from tests.functions.conftest import ADMIN
from tests.reports_support import SeededSource, figures_in_html, mismatches
from tests.unit.test_reports import NOW, seeded_facts

AUTH = {"Authorization": f"Bearer {ADMIN}"}
SEEDED_PERIOD = "?from=2026-02-02&to=2026-02-08"


@pytest.fixture
def seeded(app):
    app.report_source = SeededSource(list(seeded_facts()))
    app.clock.current = NOW
    return app


@pytest.mark.parametrize("path", ["/figures.json", "/figures.csv", "/dashboard"])
def test_401_without_the_admin_token(seeded, client, path):
    response = client("reports").get(path, headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401


def test_figures_json_over_the_chosen_period(seeded, client):
    body = client("reports").get("/figures.json" + SEEDED_PERIOD, headers=AUTH).get_json()
    assert body["period"] == {"from": "2026-02-02T00:00:00+07:00", "to": "2026-02-09T00:00:00+07:00"}
    assert body["total"]["received"] == 5 and body["total"]["first_response_on_time_pct"] == 50.0
    assert [c["case_ids"] for c in body["clusters"]] == [["A", "B", "C"]]
    assert [r["id"] for r in body["overdue"]] == ["E", "C"]
    narrower = client("reports").get("/figures.json?from=2026-02-04&to=2026-02-08", headers=AUTH).get_json()
    assert narrower["total"]["received"] == 2  # D and F


def test_csv_matches_the_json(seeded, client):
    response = client("reports").get("/figures.csv" + SEEDED_PERIOD, headers=AUTH)
    assert response.mimetype == "text/csv"
    rows = {(r["group"], r["id"]): r for r in csv.DictReader(io.StringIO(response.get_data(as_text=True)))}
    assert rows[("total", "all")]["received"] == "5" and rows[("unit", "dlh")]["resolved_on_time_pct"] == "33.3"


def test_dashboard_numbers_match_the_json(seeded, client):
    report = client("reports").get("/figures.json" + SEEDED_PERIOD, headers=AUTH).get_json()
    response = client("reports").get("/dashboard" + SEEDED_PERIOD, headers=AUTH)
    html = response.get_data(as_text=True)
    assert response.mimetype == "text/html" and "Kepatuhan per unit" in html and "Tren per minggu" in html
    assert "id='chart-compliance'" in html and "id='chart-trend'" in html and "http" not in html.lower()
    assert len(figures_in_html(html)) > 50 and mismatches(html, report) == []
    assert figures_in_html(html)["total.received"] == "5"


@pytest.mark.parametrize("query", ["?from=2026-13-01", "?from=2026-02-09&to=2026-02-01",
                                   "?from=2020-01-01&to=2026-01-01", "?to=9999-12-31", "?to=0001-01-02"])
def test_bad_period_is_422(seeded, client, query):
    assert client("reports").get("/figures.json" + query, headers=AUTH).status_code == 422


def test_unknown_path_is_404(seeded, client):
    assert client("reports").get("/nothing", headers=AUTH).status_code == 404


def test_a_secret_report_never_shows_its_text(app, client):
    app.report_source = FakeReportSource(app.repo)
    for i in range(3):
        complaint = ComplaintIn(external_id=f"s-{i}", secret=i < 2, title="Rahasia pungli di kantor" if i < 2 else
                                "Pungutan liar di kantor", description="Ada pungutan liar di kantor kelurahan, tolong.",
                                location=LocationIn(kelurahan="Iringmulyo"))
        receive_complaint(complaint, source="demo", delivery_id=f"m-{i}", uow=app.uow,
                          publisher=app.publisher, clock=app.clock)
    for path in ("/figures.json", "/figures.csv", "/dashboard"):
        text = client("reports").get(path, headers=AUTH).get_data(as_text=True)
        assert "Rahasia" not in text and "pungli" not in text and "tolong" not in text
    body = client("reports").get("/figures.json", headers=AUTH).get_json()
    assert body["total"]["received"] == 3 and body["clusters"] == []


def test_a_browser_logs_in_with_a_form_and_gets_a_session_cookie(seeded, client):
    reports = client("reports")
    form = reports.get("/dashboard")
    assert form.status_code == 401 and b'name="token"' in form.data and b"Masuk" in form.data
    assert b'href="./masuk"' in form.data  # personal sign-in first
    wrong = reports.post("/login", data={"token": "salah"})
    assert wrong.status_code == 401 and b"tidak cocok" in wrong.data
    assert not wrong.headers.get("Set-Cookie")
    ok = reports.post("/login", data={"token": ADMIN})
    cookie = ok.headers["Set-Cookie"]
    assert ok.status_code == 303 and "HttpOnly" in cookie and "SameSite=Strict" in cookie and ADMIN not in cookie
    page = reports.get("/dashboard")  # the test client keeps the cookie
    assert page.status_code == 200 and b"data-figure" in page.data
    assert reports.get("/figures.json").status_code == 200  # and its downloads (issue 11)
    assert reports.get("/figures.csv").status_code == 200


def test_an_expired_or_forged_session_is_refused(seeded, client):
    from datetime import timedelta

    from shared.web.dashboard_session import session_valid, session_value
    value = session_value(ADMIN, NOW)
    assert session_valid(value, ADMIN, NOW) and not session_valid(value, ADMIN, NOW + timedelta(hours=9))
    assert not session_valid(value, "another-admin-token-000", NOW)
    assert not session_valid(value.split(".")[0] + ".00", ADMIN, NOW) and not session_valid("junk", ADMIN, NOW)
