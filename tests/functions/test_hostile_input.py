"""The hostile inputs issue 14 found, each answered 4xx and nothing stored (item 1)."""
import json

import pytest

from shared.domain.integrations.signature import signed_headers
from tests.functions.conftest import ADMIN, SECRET
from tests.functions.test_fuzz_http import _signed
from tests.functions.test_intake_function import VALID
from tests.functions.test_open311_function import FORM, api_key  # noqa: F401 (fixture)
from tests.functions.test_route_function import stored_case

ADMIN_AUTH = {"Authorization": f"Bearer {ADMIN}"}


@pytest.mark.parametrize("field, value", [("title", "Jalan\x00 berlubang parah"), ("title", "Jalan berlubang\x1f!"),
                                          ("external_id", "id\x07"), ("title", "Jalan \x85 berlubang"),
                                          ("description", "Lubang besar\x0b di tengah jalan raya"),
                                          ("title", "Jalan \ufffe berlubang")])
def test_control_characters_are_refused_at_the_intake(app, client, field, value):
    raw = json.dumps({**VALID, field: value})
    response = client("intake").post("/sources/demo/complaints", data=raw, headers=signed_headers(SECRET, raw))
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field
    assert not app.repo.cases


def test_line_breaks_stay_allowed_in_a_description(app, client):
    raw = json.dumps({**VALID, "description": "Lubang besar.\r\n\tSudah ada motor yang jatuh."})
    assert client("intake").post("/sources/demo/complaints", data=raw,
                                 headers=signed_headers(SECRET, raw)).status_code == 201


def test_a_signed_body_that_is_not_utf8_is_400_not_401(app, client):
    raw = b'{"external_id": "x", "title": "Jalan \xff berlubang", "description": "Lubang besar di tengah jalan"}'
    response = client("intake").post("/sources/demo/complaints", data=raw,
                                     headers={**_signed(raw), "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "malformed_json"
    unsigned = client("intake").post("/sources/demo/complaints", data=raw, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 401


@pytest.mark.parametrize("body", ["[" * 10_000 + "]" * 10_000, '{"a":' * 40 + "1" + "}" * 40])
def test_deep_json_is_400_everywhere(app, client, body):
    json_body = {**ADMIN_AUTH, "Content-Type": "application/json"}
    hook = client("webhooks").post("/subscriptions", data=body, headers=json_body)
    assert hook.status_code == 400 and hook.get_json()["error"]["code"] == "malformed_json"
    intake = client("intake").post("/sources/demo/complaints", data=body, headers=signed_headers(SECRET, body))
    assert intake.status_code == 400


def test_control_characters_are_refused_in_open311_posts_unit_bodies_and_subscriptions(app, client, api_key):  # noqa: F811
    form = {**FORM, "api_key": api_key, "description": "Sampah\x00 di TPS Pasar tidak diangkut."}
    posted = client("open311").post("/v2/requests.json", data=form)
    assert posted.status_code == 400 and not app.repo.cases
    case_id = stored_case(app)
    note = client("units").post(f"/cases/{case_id}/acknowledge", json={"note": "Diterima\x00"},
                                headers={**ADMIN_AUTH, "Idempotency-Key": "k-1"})
    assert note.status_code == 422
    hook = client("webhooks").post("/subscriptions", headers=ADMIN_AUTH, json={
        "url": "https://hooks.example.org/\x00", "event_types": ["complaint.assigned"]})
    assert hook.status_code == 422


@pytest.mark.parametrize("function, path", [
    ("reports", "/figures.json?from=9999-12-31&to=9999-12-31"), ("reports", "/figures.json?from=0001-01-01"),
    ("units", "/cases?unit=dlh&due_before=9999-12-31T23:59:59-14:00"),
    ("units", "/cases?unit=dlh&due_before=0001-01-01T00:00:00%2B14:00"),
    ("open311", "/v2/requests.json?start_date=0001-01-01T00:00:00%2B14:00"),
    ("open311", "/v2/requests.json?end_date=9999-12-31T23:59:59-14:00"),
])
def test_dates_at_the_ends_of_the_calendar_are_refused_before_any_arithmetic(app, client, function, path):
    from tests.fakes import FakeReportSource
    app.report_source = FakeReportSource(app.repo)
    response = client(function).get(path, headers=ADMIN_AUTH)
    assert response.status_code in (400, 422), response.data


def test_a_dashboard_cookie_with_non_ascii_bytes_is_no_session(app, client):
    response = client("reports").get("/dashboard", headers={"Cookie": "sigap_dasbor=1.\xe9\xff"})
    assert response.status_code == 401 and response.mimetype == "text/html"


def test_an_xml_feed_stays_well_formed_with_control_characters_stored_before_the_rule(app, client):
    from dataclasses import replace
    from xml.etree import ElementTree
    case_id = stored_case(app)
    app.repo.cases[case_id] = replace(app.repo.cases[case_id], title="Judul\x00\x1f lama", description="x\x0b")
    for path in ("/v2/requests.xml", f"/v2/requests/{case_id}.xml"):
        response = client("open311").get(path)
        assert response.status_code == 200
        ElementTree.fromstring(response.data)
