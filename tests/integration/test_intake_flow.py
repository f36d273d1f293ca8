"""Signed intake -> Firestore -> Pub/Sub push -> route -> readable, on the real emulators."""
from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from google.cloud import pubsub_v1

from shared.domain.integrations.signature import signed_headers
from tests.integration.conftest import PROJECT, count


def complaint(**fields):
    return {"external_id": f"ext-{uuid.uuid4().hex[:10]}", "title": "Lampu PJU mati di Jl. Cendrawasih",
            "description": "Lampu penerangan jalan umum mati sejak dua minggu, jalan gelap dan rawan.",
            "location": {"kelurahan": "Iring Mulyo"}, **fields}


@pytest.fixture
def received_messages(stack):
    """Everything published on complaint-received while the test runs, by case id."""
    subscriber = pubsub_v1.SubscriberClient()
    path = subscriber.subscription_path(PROJECT, f"observe-{uuid.uuid4().hex[:8]}")
    subscriber.create_subscription(name=path, topic=f"projects/{PROJECT}/topics/complaint-received")

    def pull(case_id=None):
        seen = []
        for _ in range(3):
            response = subscriber.pull(subscription=path, max_messages=100, timeout=5)
            if response.received_messages:
                subscriber.acknowledge(subscription=path, ack_ids=[m.ack_id for m in response.received_messages])
            seen += [m.message for m in response.received_messages]
        return [m for m in seen if case_id is None or m.attributes.get("case_id") == case_id]
    yield pull
    subscriber.delete_subscription(subscription=path)
    subscriber.close()


def test_signed_complaint_is_stored_routed_and_readable(api, db):
    created = api.submit(complaint())
    assert created.status_code == 201, created.text
    case = api.wait_routed(created.json()["id"])
    assert case["status"] == "assigned" and case["category"] == "penerangan-jalan"
    assert case["unit"] == {"id": "dinas-perkim", "name": "Dinas Perumahan dan Kawasan Permukiman"}
    assert case["routing"]["rule"] and case["routing"]["reason"]
    assert [e["action"] for e in case["timeline"]] == ["received", "routed"]
    assert count(db, "outbox") == 0


def test_location_scoped_category_goes_to_the_kelurahan(api):
    created = api.submit(complaint(category="layanan-kelurahan", location={"kelurahan": "Ganjaragung"},
                                   title="Pelayanan surat pengantar lambat",
                                   description="Mengurus surat pengantar di kantor kelurahan butuh tiga hari."))
    case = api.wait_routed(created.json()["id"])
    assert case["unit"]["id"] == "kel-ganjar-agung" and case["status"] == "assigned"


def test_repeats_create_nothing(api, db, received_messages):
    body = complaint()
    first = api.submit(body, message_id="msg-fixed-1")
    again = api.submit(body)                                   # same external id, new delivery
    redelivered = api.submit(complaint(), message_id="msg-fixed-1")  # same delivery id
    assert first.status_code == 201 and again.status_code == 200 and redelivered.status_code == 200
    assert first.json()["id"] == again.json()["id"] == redelivered.json()["id"]
    api.wait_routed(first.json()["id"])
    assert count(db, "cases") == 1
    assert len(received_messages(first.json()["id"])) == 1


def test_ten_concurrent_copies_make_one_case(api, db, received_messages):
    raw = json.dumps(complaint())
    headers = signed_headers(api.secrets["demo"], raw, message_id="msg-burst")
    with ThreadPoolExecutor(10) as pool:
        responses = list(pool.map(lambda _: api.submit(raw, headers=headers), range(10)))
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    case_id = responses[0].json()["id"]
    assert {r.json()["id"] for r in responses} == {case_id}
    case = api.wait_routed(case_id)
    assert count(db, "cases") == 1 and [e["action"] for e in case["timeline"]] == ["received", "routed"]
    assert len(received_messages(case_id)) == 1


def test_a_burst_answers_with_every_event_already_published(api, db, received_messages):
    """Concurrent complaints answer without waiting for one another's publish (it runs behind
    the answers, shared/services/announcing.py), yet once the last answer is in, no
    ``complaint.received`` event is left in the outbox and each went out once."""
    bodies = [complaint() for _ in range(24)]
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(api.submit, bodies))
    assert [r.status_code for r in responses] == [201] * 24
    left = [d.id for d in db.collection("outbox").stream() if d.id.endswith(".received")]
    assert left == []
    ids = {r.json()["id"] for r in responses}
    seen = [m.attributes["case_id"] for m in received_messages() if m.attributes.get("case_id") in ids]
    assert sorted(seen) == sorted(ids)


def _bad_requests(api):
    raw = json.dumps(complaint())
    old = datetime.now(UTC) - timedelta(minutes=6)
    yield "malformed", "{oops", None, 400
    yield "no signature", raw, {"Content-Type": "application/json"}, 401
    yield "stale", raw, signed_headers(api.secrets["demo"], raw, at=old), 401
    yield "not json", raw, {**signed_headers(api.secrets["demo"], raw), "Content-Type": "text/plain"}, 415
    yield "too large", json.dumps(complaint(description="x" * 70000)), None, 413
    yield "invalid field", json.dumps(complaint(title="abc")), None, 422


def test_every_error_leaves_firestore_and_pubsub_untouched(api, db, received_messages):
    for why, raw, headers, status in _bad_requests(api):
        response = api.submit(raw, headers=headers)
        assert response.status_code == status, why
        assert set(response.json()["error"]) == {"code", "message", "field"}, why
    assert api.submit(complaint(), source="unknown").status_code == 404
    for collection in ("cases", "deliveries", "outbox"):
        assert count(db, collection) == 0, collection
    assert received_messages() == []


def test_admin_list_filters_and_pages(api):
    ids = [api.submit(complaint()).json()["id"] for _ in range(5)]
    for case_id in ids:
        api.wait_routed(case_id)
    seen, token = [], None
    while True:
        page = api.cases(unit="dinas-perkim", status="assigned", page_size=2,
                         **({"page_token": token} if token else {})).json()
        seen += [c["id"] for c in page["cases"]]
        token = page.get("next_page_token")
        if not token:
            break
    assert sorted(seen) == sorted(ids) and len(seen) == 5
    assert api.cases(unit="dlh").json()["cases"] == []
    assert api.cases(status="triage").json() == {"cases": [], "next_page_token": None}


def test_admin_api_needs_the_token(api):
    import requests
    assert requests.get(f"{api.base}/cases", timeout=10).status_code == 401


def test_healthz_reports_every_function(api):
    import requests
    health = requests.get(f"{api.base}/healthz", timeout=10).json()
    assert health["status"] == "ok"
    assert {"firestore", "pubsub", "function:intake", "function:route", "function:cases"} <= set(health["checks"])


def test_a_redelivered_received_event_changes_nothing(api, db):
    case_id = api.submit(complaint()).json()["id"]
    routed = api.wait_routed(case_id)
    publisher = pubsub_v1.PublisherClient()
    event = {"id": f"{case_id}.received", "type": "complaint.received", "case_id": case_id}
    for _ in range(3):
        publisher.publish(publisher.topic_path(PROJECT, "complaint-received"), json.dumps(event).encode(),
                          case_id=case_id).result()
    deadline = datetime.now(UTC) + timedelta(seconds=3)
    while datetime.now(UTC) < deadline:  # give the pushes time to arrive
        again = api.case(case_id).json()
        assert again["timeline"] == routed["timeline"] and again["updated_at"] == routed["updated_at"]
    assert count(db, "outbox") == 0
