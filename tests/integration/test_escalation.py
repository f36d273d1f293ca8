"""Escalation on the real emulators: the routed case carries its clock, a tick (with a
controlled as_of) climbs exactly one level per missed deadline, an acknowledged case
stops, concurrent and redelivered ticks escalate once."""
from __future__ import annotations

import base64
import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests

from shared.adapters.firestore_cases import FirestoreCaseRepository
from shared.adapters.firestore_escalation import FirestoreDueCases
from shared.adapters.firestore_uow import FirestoreUnitOfWork
from shared.domain.case import CaseStatus
from shared.services.escalation import escalate_due
from tests.escalation_support import CATALOG, ESCALATION, routed
from tests.fakes import FakePublisher

MONDAY = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
TUE_CLOSE = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
WED_CLOSE = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
FRI_CLOSE = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def tick(stack, as_of: datetime, message_id: str | None = None) -> int:
    """POSTs the push body Pub/Sub would deliver for a scheduler tick to /escalate."""
    data = base64.b64encode(json.dumps({"schedule": "escalate", "as_of": as_of.isoformat()}).encode()).decode()
    mid = message_id or uuid.uuid4().hex
    body = {"message": {"data": data, "attributes": {}, "messageId": mid, "message_id": mid},
            "subscription": "projects/sigap-it/subscriptions/escalate-push"}
    return requests.post(f"{stack.gateway_url}/escalate", json=body, timeout=60).status_code


def steps(repo, case_id):
    return [(e.action, e.detail["level"]) for e in repo.timeline(case_id) if e.action in ("reminded", "escalated")]


def test_a_routed_case_climbs_one_level_per_missed_deadline_through_the_function(stack, api, db):
    repo = FirestoreCaseRepository(db)
    created = api.submit({"external_id": f"esc-{uuid.uuid4().hex[:8]}", "title": "Sampah menumpuk di TPS pasar",
                          "description": "Sampah di TPS pasar tidak diangkut sudah seminggu, bau sekali.",
                          "category": "sampah-kebersihan"}).json()
    api.wait_routed(created["id"])
    case = repo.get(created["id"])
    clock = case.clock
    assert clock is not None, "a routed case runs a clock"
    assert clock.stage.value == "first_response" and clock.next_due_at is not None
    assert db.collection("cases").document(case.id).get().get("next_due_at") == clock.next_due_at
    deadline = clock.deadline_at
    assert deadline is not None, "the first-response stage has a deadline"
    assert tick(stack, deadline - timedelta(seconds=1)) == 200       # the reminder only
    assert tick(stack, deadline) == 200                              # level 1
    assert tick(stack, deadline, message_id="same") == 200           # a redelivered tick ...
    assert tick(stack, deadline, message_id="same") == 200           # ... changes nothing
    assert steps(repo, case.id) == [("reminded", 0), ("escalated", 1)]
    level_2 = ESCALATION.rules.calendar.add_working_days(deadline, ESCALATION.policy.step_days)
    with ThreadPoolExecutor(4) as pool:                              # four ticks at once
        assert list(pool.map(lambda _: tick(stack, level_2), range(4))) == [200] * 4
    assert steps(repo, case.id) == [("reminded", 0), ("escalated", 1), ("escalated", 2)]
    assert repo.get(case.id).clock.level == 2
    assert not list(db.collection("outbox").stream())                # every event went out


def test_an_acknowledged_case_stops_climbing(stack, db):
    repo, uow = FirestoreCaseRepository(db), FirestoreUnitOfWork(db)
    case = routed(repo, f"ack-{uuid.uuid4().hex[:8]}", MONDAY, uow=uow)
    assert case.clock is not None, "a routed case runs a clock"
    at = MONDAY + timedelta(hours=2)
    entry = case.next_entry(at, "unit:dlh", "acknowledged")
    with uow:
        uow.cases.update(case.moved_to(CaseStatus.ACKNOWLEDGED, at, entry,
                                       clock=ESCALATION.rules.acknowledged(case.clock, at)), entry)
        uow.commit()
    for as_of in (TUE_CLOSE, WED_CLOSE, FRI_CLOSE - timedelta(days=1, seconds=1)):
        assert tick(stack, as_of) == 200
    assert steps(repo, case.id) == []
    assert tick(stack, FRI_CLOSE) == 200                            # the completion deadline still runs
    assert steps(repo, case.id) == [("escalated", 1)]


def test_concurrent_ticks_escalate_each_due_case_once(stack, db):
    repo, uow = FirestoreCaseRepository(db), FirestoreUnitOfWork(db)  # one unit of work, four threads
    ids = [routed(repo, f"con-{i}-{uuid.uuid4().hex[:6]}", MONDAY, uow=uow).id for i in range(8)]
    publisher, results = FakePublisher(), []
    lock, start = threading.Lock(), threading.Barrier(4)

    def run():
        start.wait()
        outcome = escalate_due(queue=FirestoreDueCases(db), uow=uow, publisher=publisher, catalog=CATALOG,
                               escalation=ESCALATION, as_of=WED_CLOSE)
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(r.get("escalation", 0) for r in results) == 8
    assert sorted(e.case_id for e in publisher.published) == sorted(ids)
    assert all(steps(repo, case_id) == [("escalated", 1)] for case_id in ids)
    assert escalate_due(queue=FirestoreDueCases(db), uow=uow, publisher=publisher, catalog=CATALOG,
                        escalation=ESCALATION, as_of=WED_CLOSE) == {}


def test_the_due_query_reads_only_due_cases(stack, db):
    repo, uow = FirestoreCaseRepository(db), FirestoreUnitOfWork(db)
    for i in range(6):  # three due on Wednesday, three received a week later
        routed(repo, f"q-{i}", MONDAY + timedelta(days=7 * (i % 2)), uow=uow)
    queue = FirestoreDueCases(db)
    assert len(queue.due(WED_CLOSE, 100)) == 3 and queue.documents_read == 3
