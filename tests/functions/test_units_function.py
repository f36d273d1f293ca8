"""The unit API through functions-framework: keys, scoping, bodies, the required Idempotency-Key."""
import itertools
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shared.domain.api_keys import issue_key, key_digest
from tests.functions.conftest import ADMIN, pubsub_push
from tests.functions.test_route_function import stored_case

NOW = datetime(2026, 11, 23, tzinfo=UTC)
_KEYS = itertools.count(1)


def unit_key(app, unit_id, scopes=("unit",)):
    key, plaintext = issue_key(owner=unit_id, scopes=scopes, now=NOW, key_id=f"k-{unit_id}", secret="s" * 24,
                               unit_id=unit_id)
    app.api_keys.add(key_digest(plaintext), key)
    return {"X-Api-Key": plaintext}


def act(client, case_id, action, headers, body=None, key=None):
    """POSTs one action with its own Idempotency-Key (or ``key``)."""
    headers = {**headers, "Idempotency-Key": key or f"key-{next(_KEYS)}"}
    return client("units").post(f"/cases/{case_id}/{action}", headers=headers, json=body if body is not None else {})


def told(app):
    """The ids of what the unit actions told LAPOR! (after "received" and "routed"), in delivery order."""
    return sorted(item_id for item_id, item in app.lapor_store.items_by_id.items() if item.seq > 2)


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
    assert act(client, routed, "acknowledge", pupr).status_code == 404


@pytest.mark.parametrize("headers", [{}, {"X-Api-Key": "sgp_nope_nope"}, {"Authorization": "Bearer wrong"}])
def test_no_valid_key_is_401(app, client, routed, headers):
    assert client("units").get("/cases", headers=headers).status_code == 401


def test_an_open311_key_is_not_a_unit_key(app, client, routed):
    headers = unit_key(app, "dlh", scopes=("open311",))
    assert client("units").get("/cases", headers=headers).status_code == 401


def test_acknowledge_then_409_with_the_current_status(app, client, routed):
    dlh = unit_key(app, "dlh")
    first = act(client, routed, "acknowledge", dlh, {"note": "Diterima, tim segera dijadwalkan."})
    assert first.status_code == 200 and first.get_json()["status"] == "acknowledged"
    again = act(client, routed, "acknowledge", dlh)
    assert again.status_code == 409 and again.get_json()["error"]["current_status"] == "acknowledged"
    timeline = client("units").get(f"/cases/{routed}", headers=dlh).get_json()["timeline"]
    assert timeline[-1]["action"] == "acknowledged" and timeline[-1]["actor"] == "unit:dlh:k-dlh"
    assert timeline[-1]["detail"]["note"] == "Diterima, tim segera dijadwalkan."


@pytest.mark.parametrize("action, body, field", [
    ("follow_up", {"text": "ok", "visibility": "public"}, "text"),
    ("follow_up", {"text": "Sudah ditangani"}, "visibility"),
    ("follow_up", {"text": "Sudah ditangani", "visibility": "rahasia"}, "visibility"),
    ("follow_up", {"text": "Sudah ditangani", "visibility": "public", "attachments": ["ftp://x"]}, "attachments.0"),
    ("resolve", {}, "resolution"),
    ("request_reroute", {"reason": "Bukan kewenangan", "suggested_unit": "dinas-hantu"}, "suggested_unit"),
    ("follow_up", {"text": "Sudah ditangani", "visibility": "public", "extra": 1}, "extra"),
])
def test_bad_bodies_are_named_and_change_nothing(app, client, routed, action, body, field):
    response = act(client, routed, action, unit_key(app, "dlh"), body)
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["field"] == field and error["code"] in ("invalid_field",
                                                                                        "unknown_unit")
    assert len(app.repo.timeline(routed)) == 2 and told(app) == []


def test_a_missing_visibility_says_what_to_choose(app, client, routed):
    response = act(client, routed, "follow_up", unit_key(app, "dlh"), {"text": "Sudah ditangani"})
    error = response.get_json()["error"]
    assert error == {"code": "invalid_field", "field": "visibility", "message": error["message"]}
    assert "required" in error["message"] and "public" in error["message"] and "internal" in error["message"]


@pytest.mark.parametrize("key", [None, "", "   "])
def test_an_action_without_an_idempotency_key_is_refused_and_writes_nothing(app, client, routed, key):
    headers = {**unit_key(app, "dlh"), **({} if key is None else {"Idempotency-Key": key})}
    response = client("units").post(f"/cases/{routed}/resolve", headers=headers,
                                    json={"resolution": "Sampah sudah diangkut seluruhnya."})
    error = response.get_json()["error"]
    assert response.status_code == 422
    assert error["code"] == "missing_idempotency_key" and error["field"] == "Idempotency-Key"
    assert "required" in error["message"] and "twice" in error["message"]
    assert len(app.repo.timeline(routed)) == 2 and app.repo.get(routed).status.value == "assigned"
    assert told(app) == [] and app.repo.idempotency == {}


def test_an_overlong_idempotency_key_is_refused(app, client, routed):
    response = act(client, routed, "acknowledge", unit_key(app, "dlh"), key="k" * 256)
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "invalid_header"
    assert len(app.repo.timeline(routed)) == 2


def test_unknown_action_and_malformed_json(app, client, routed):
    dlh = {**unit_key(app, "dlh"), "Idempotency-Key": "k-1"}
    assert client("units").post(f"/cases/{routed}/explode", headers=dlh, json={}).status_code == 404
    bad = client("units").post(f"/cases/{routed}/follow_up", headers={**dlh, "Content-Type": "application/json"},
                               data="{oops")
    assert bad.status_code == 400


def test_idempotency_key_over_http(app, client, routed):
    dlh = unit_key(app, "dlh")
    body = {"text": "Tim sudah ke lokasi pagi ini.", "visibility": "public"}
    first = act(client, routed, "follow_up", dlh, body, key="abc-1")
    second = act(client, routed, "follow_up", dlh, body, key="abc-1")
    assert first.get_json() == second.get_json() and first.status_code == second.status_code == 200
    other = act(client, routed, "follow_up", dlh, {**body, "text": "Lain lagi isinya."}, key="abc-1")
    assert other.status_code == 422 and other.get_json()["error"]["code"] == "idempotency_key_reused"
    assert [e.action for e in app.repo.timeline(routed)].count("follow_up") == 1


def test_a_duplicate_resolve_applies_once_and_tells_lapor_once(app, client, routed):
    dlh, body = unit_key(app, "dlh"), {"resolution": "Sampah sudah diangkut seluruhnya."}
    first = act(client, routed, "resolve", dlh, body, key="resolve-1")
    items = told(app)
    second = act(client, routed, "resolve", dlh, body, key="resolve-1")
    assert first.status_code == second.status_code == 200 and first.get_json() == second.get_json()
    assert [e.action for e in app.repo.timeline(routed)].count("resolved") == 1
    assert told(app) == items
    assert items == [f"{routed}~00003-follow_up", f"{routed}~00003-status"]  # delivered in this order
    assert app.lapor_store.items_by_id[items[0]].payload["text"] == body["resolution"]


def test_the_coordinator_reassigns_and_the_new_unit_sees_it(app, client, routed):
    app.catalog = replace(app.catalog, units={u.id: replace(u, lapor_account=f"lapor-{u.id}")
                                              for u in app.catalog.units.values()})
    admin = {"Authorization": f"Bearer {ADMIN}"}
    assert act(client, routed, "reassign", unit_key(app, "dlh"), {"unit_id": "dinas-pupr"}).status_code == 403
    moved = act(client, routed, "reassign", admin, {"unit_id": "dinas-pupr", "reason": "Saluran, bukan sampah"})
    assert moved.status_code == 200 and moved.get_json()["unit_id"] == "dinas-pupr"
    pupr = unit_key(app, "dinas-pupr")
    assert [c["id"] for c in client("units").get("/cases", headers=pupr).get_json()["cases"]] == [routed]
    assert "complaint.assigned" in app.publisher.types()[-2:]
    [disposed] = [app.lapor_store.items_by_id[item_id] for item_id in told(app)]
    assert disposed.kind.value == "dispose"
    assert disposed.payload == {"unit_id": "dinas-pupr", "account": "lapor-dinas-pupr", "note": "Saluran, bukan sampah"}


@pytest.mark.parametrize("query, field", [("status=nope", "status"), ("category=x", "category"),
                                          ("due_before=tomorrow", "due_before"), ("page_size=0", "page_size")])
def test_bad_list_filters(app, client, routed, query, field):
    response = client("units").get(f"/cases?{query}", headers=unit_key(app, "dlh"))
    assert response.status_code == 422 and response.get_json()["error"]["field"] == field


def test_a_case_shows_its_running_deadline(app, client, routed):
    body = client("units").get(f"/cases/{routed}", headers=unit_key(app, "dlh")).get_json()
    assert body["deadline"]["stage"] == "first_response" and body["deadline"]["deadline_at"].endswith("Z")
    assert body["deadline"]["escalation_level"] == 0
