"""The unit API through functions-framework: keys, scoping, bodies, Idempotency-Key."""
from datetime import datetime, timezone

import pytest

from shared.domain.api_keys import issue_key, key_digest
from tests.functions.conftest import ADMIN
from tests.functions.test_route_function import stored_case
from tests.functions.conftest import pubsub_push

NOW = datetime(2026, 11, 23, tzinfo=timezone.utc)


def unit_key(app, unit_id, scopes=("unit",)):
    key, plaintext = issue_key(owner=unit_id, scopes=scopes, now=NOW, key_id=f"k-{unit_id}", secret="s" * 24,
                               unit_id=unit_id)
    app.api_keys.add(key_digest(plaintext), key)
    return {"X-Api-Key": plaintext}


@pytest.fixture
def routed(app, client):
    case_id = stored_case(app)
    client("route", "cloudevent").post("/", json=pubsub_push({"case_id": case_id}))
    assert app.repo.get(case_id).unit_id == "dlh"
    return case_id


def test_a_unit_lists_and_reads_only_its_cases(app, client, routed):
    dlh, pupr = unit_key(app, "dlh"), unit_key(app, "dinas-pupr")
    units = client("units")
    assert [c["id"] for c in units.get("/cases", headers=dlh).get_json()["cases"]] == [routed]
    assert units.get("/cases", headers=pupr).get_json()["cases"] == []
    assert units.get(f"/cases/{routed}", headers=dlh).get_json()["id"] == routed
    hidden = units.get(f"/cases/{routed}", headers=pupr)
    assert hidden.status_code == 404 and hidden.get_json()["error"]["code"] == "case_not_found"
    assert units.post(f"/cases/{routed}/acknowledge", headers=pupr, json={}).status_code == 404


@pytest.mark.parametrize("headers", [{}, {"X-Api-Key": "sgp_nope_nope"}, {"Authorization": "Bearer wrong"}])
def test_no_valid_key_is_401(app, client, routed, headers):
    assert client("units").get("/cases", headers=headers).status_code == 401


def test_an_open311_key_is_not_a_unit_key(app, client, routed):
    headers = unit_key(app, "dlh", scopes=("open311",))
    assert client("units").get("/cases", headers=headers).status_code == 401


def test_acknowledge_then_409_with_the_current_status(app, client, routed):
    dlh = unit_key(app, "dlh")
    first = client("units").post(f"/cases/{routed}/acknowledge", headers=dlh, json={})
    assert first.status_code == 200 and first.get_json()["status"] == "acknowledged"
    again = client("units").post(f"/cases/{routed}/acknowledge", headers=dlh, json={})
    assert again.status_code == 409 and again.get_json()["error"]["current_status"] == "acknowledged"
    timeline = client("units").get(f"/cases/{routed}", headers=dlh).get_json()["timeline"]
    assert timeline[-1]["action"] == "acknowledged" and timeline[-1]["actor"] == "unit:dlh:k-dlh"


@pytest.mark.parametrize("action, body, field", [
    ("follow_up", {"text": "ok"}, "text"),
    ("follow_up", {"text": "Sudah ditangani", "visibility": "rahasia"}, "visibility"),
    ("follow_up", {"text": "Sudah ditangani", "attachments": ["ftp://x"]}, "attachments.0"),
    ("resolve", {}, "resolution"),
    ("request_reroute", {"reason": "Bukan kewenangan", "suggested_unit": "dinas-hantu"}, "suggested_unit"),
    ("follow_up", {"text": "Sudah ditangani", "extra": 1}, "extra"),
])
def test_bad_bodies_are_named_and_change_nothing(app, client, routed, action, body, field):
    response = client("units").post(f"/cases/{routed}/{action}", headers=unit_key(app, "dlh"), json=body)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field
    assert len(app.repo.timeline(routed)) == 2


def test_unknown_action_and_malformed_json(app, client, routed):
    dlh = unit_key(app, "dlh")
    assert client("units").post(f"/cases/{routed}/explode", headers=dlh, json={}).status_code == 404
    bad = client("units").post(f"/cases/{routed}/follow_up", headers={**dlh, "Content-Type": "application/json"},
                               data="{oops")
    assert bad.status_code == 400


def test_idempotency_key_over_http(app, client, routed):
    headers = {**unit_key(app, "dlh"), "Idempotency-Key": "abc-1"}
    body = {"text": "Tim sudah ke lokasi pagi ini."}
    first = client("units").post(f"/cases/{routed}/follow_up", headers=headers, json=body)
    second = client("units").post(f"/cases/{routed}/follow_up", headers=headers, json=body)
    assert first.get_json() == second.get_json() and first.status_code == second.status_code == 200
    other = client("units").post(f"/cases/{routed}/follow_up", headers=headers, json={"text": "Lain lagi isinya."})
    assert other.status_code == 422 and other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert [e.action for e in app.repo.timeline(routed)].count("follow_up") == 1


def test_the_coordinator_reassigns_and_the_new_unit_sees_it(app, client, routed):
    admin = {"Authorization": f"Bearer {ADMIN}"}
    assert client("units").post(f"/cases/{routed}/reassign", headers=unit_key(app, "dlh"),
                                json={"unit_id": "dinas-pupr"}).status_code == 403
    moved = client("units").post(f"/cases/{routed}/reassign", headers=admin, json={"unit_id": "dinas-pupr"})
    assert moved.status_code == 200 and moved.get_json()["unit_id"] == "dinas-pupr"
    pupr = unit_key(app, "dinas-pupr")
    assert [c["id"] for c in client("units").get("/cases", headers=pupr).get_json()["cases"]] == [routed]
    assert "complaint.assigned" in app.publisher.types()[-2:]


@pytest.mark.parametrize("query, field", [("status=nope", "status"), ("category=x", "category"),
                                          ("due_before=tomorrow", "due_before"), ("page_size=0", "page_size")])
def test_bad_list_filters(app, client, routed, query, field):
    response = client("units").get(f"/cases?{query}", headers=unit_key(app, "dlh"))
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field


def test_a_case_shows_its_running_deadline(app, client, routed):
    body = client("units").get(f"/cases/{routed}", headers=unit_key(app, "dlh")).get_json()
    assert body["deadline"]["stage"] == "first_response" and body["deadline"]["deadline_at"].endswith("Z")
    assert body["deadline"]["escalation_level"] == 0
