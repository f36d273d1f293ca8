"""The aggregates on the real Firestore emulator (issue 15): the consumer's batch with its
ledger precondition, a lost race, the backfill (resumable, idempotent) and the figures
from the aggregates equal to the rescan's, through the gateway."""
from __future__ import annotations

import io
import time
from datetime import UTC, datetime

import requests

from infra.tools.backfill_aggregates import backfill
from shared.adapters.firestore_aggregates import LEDGER, FirestoreAggregateStore
from shared.adapters.firestore_mapping import case_to_document, entry_to_document
from shared.adapters.firestore_reports import FirestoreReportSource
from shared.domain.case import Case, CaseStatus, TimelineEntry
from shared.domain.reports.aggregates import changes, contribution
from shared.services.reports_ingest import ingest_case
from tests.escalation_support import ESCALATION
from tests.unit.test_report_aggregates import normalised

RULES = ESCALATION.rules
PERIOD = {"from": "2025-03-03", "to": "2025-03-16"}


def at(day, hour):
    return datetime(2025, 3, day, hour, tzinfo=UTC)


def store(db, case_id, created, status, *, unit="dlh", category="sampah-kebersihan", entries=(), responded=None,
          kelurahan="Iringmulyo"):
    clock = RULES.start(anchor_at=created, now=created, sla_days=5, at_triage=False, top_level=3)
    if responded:
        clock = RULES.responded(clock, responded)
    if status is CaseStatus.CLOSED:
        clock = RULES.stopped(clock, entries[-1].at)
    case = Case(id=case_id, source="test", external_id=case_id, title="Sampah menumpuk di pasar",
                description="Isi laporan.", created_at=created, status=status, category=category, unit_id=unit,
                location={"kelurahan": kelurahan}, clock=clock, updated_at=created,
                timeline_length=len(entries) + 1)
    ref = db.collection("cases").document(case_id)
    ref.set(case_to_document(case))
    for entry in entries:
        ref.collection("timeline").document(entry.id).set(entry_to_document(entry))


def seed(db):
    store(db, "g-1", at(3, 2), CaseStatus.CLOSED, responded=at(4, 3),
          entries=[TimelineEntry(3, at(5, 10), "unit:dlh:k1", "resolved")])
    store(db, "g-2", at(3, 3), CaseStatus.ASSIGNED, entries=[
        TimelineEntry(2, at(4, 3), "unit:dlh:k1", "reroute_requested"),
        TimelineEntry(3, at(5, 9), "escalation", "escalated", {"level": 1})])
    for i in range(7):
        store(db, f"g-{3 + i}", at(4 + i, 2), CaseStatus.ASSIGNED, unit="dinas-pupr", category="drainase",
              kelurahan="Yosodadi")


def test_ingest_backfill_and_the_figures_from_the_aggregates(stack, db, api):
    seed(db)
    policy, cal = RULES.policy, RULES.calendar
    source, aggregates = FirestoreReportSource(db), FirestoreAggregateStore(db)
    assert ingest_case("g-1", cases=source, store=aggregates, policy=policy, calendar=cal) == "applied"
    assert ingest_case("g-1", cases=source, store=aggregates, policy=policy, calendar=cal) == "unchanged"
    # a writer that read the ledger before another one wrote it loses its precondition, as a whole batch
    old, token = aggregates.applied("g-2")
    assert ingest_case("g-2", cases=source, store=aggregates, policy=policy, calendar=cal) == "applied"
    found = source.case_facts("g-2")
    assert found is not None
    new = contribution(found[0], policy, cal)
    assert aggregates.apply("g-2", token, new, *changes(old, new)) is False
    assert not aggregates.ready()
    first = backfill(db, policy, cal, page=4, max_pages=1, out=io.StringIO())  # stopped after one page
    assert first == {"cursor": "g-4", "cases": 4, "complete": False}  # g-1 .. g-4
    final = backfill(db, policy, cal, page=4, out=io.StringIO())  # resumes
    assert final["complete"] and final["cases"] == 9 and aggregates.ready()
    again = backfill(db, policy, cal, page=4, restart=True, out=io.StringIO())  # nothing counted twice
    assert again["cases"] == 9 and len(list(db.collection(LEDGER).stream())) == 9
    fast = requests.get(f"{api.base}/reports/figures.json", params=PERIOD, headers=api.admin, timeout=30).json()
    exact = requests.get(f"{api.base}/reports/figures.json", params={**PERIOD, "exact": "1"}, headers=api.admin,
                         timeout=30).json()
    assert fast["total"]["received"] == 9 and fast["units"]["dlh"]["reroutes"] == 1
    fast.pop("as_of"), exact.pop("as_of")  # the stack's clock runs between the two requests
    assert normalised(fast) == normalised(exact)
    page = requests.get(f"{api.base}/reports/dashboard/berulang", params=PERIOD, headers=api.admin, timeout=30)
    assert page.status_code == 200 and "Yosodadi" in page.text
    # one kelurahan's view: its own documents, by the query firestore.indexes.json declares
    docs = aggregates.kelurahan_documents("yosodadi", "2025-W09", "2025-W12")
    assert {d["kelurahan"] for d in docs} == {"yosodadi"} and aggregates.reads == len(docs) > 0
    view = requests.get(f"{api.base}/reports/dashboard/berulang", params={**PERIOD, "kelurahan": "yosodadi"},
                        headers=api.admin, timeout=30)
    assert view.status_code == 200 and "data-figure='received'>7<" in view.text and "Drainase" in view.text


def test_facts_rows_of_a_case_reach_the_topic_together(stack):
    """The consumer sends a case's facts rows (its row, escalations, reroutes) in one
    ``publish_signals``: every row arrives once, unchanged, and the call returns each id."""
    import json
    import secrets

    from google.cloud import pubsub_v1

    from shared.adapters.pubsub_events import PubSubEventPublisher
    publisher_client, subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
    topic = publisher_client.topic_path(stack.project, f"facts-{secrets.token_hex(3)}")
    publisher_client.create_topic(name=topic)
    subscription = subscriber.subscription_path(stack.project, f"facts-check-{secrets.token_hex(3)}")
    subscriber.create_subscription(name=subscription, topic=topic)
    rows: list[dict] = [{"case_id": "c-1", "kind": "case"}, {"case_id": "c-1", "kind": "escalation", "level": 1},
            {"case_id": "c-1", "kind": "reroute"}]
    try:
        ids = PubSubEventPublisher(publisher_client, stack.project).publish_signals(topic.rsplit("/", 1)[1], rows)
        received: list[dict] = []
        deadline = time.monotonic() + 20
        while len(received) < len(rows) and time.monotonic() < deadline:
            answer = subscriber.pull(subscription=subscription, max_messages=10, timeout=5)
            received += [json.loads(m.message.data) for m in answer.received_messages]
            if answer.received_messages:
                subscriber.acknowledge(subscription=subscription, ack_ids=[m.ack_id for m in answer.received_messages])
        assert len(set(ids)) == len(rows)
        assert sorted(received, key=json.dumps) == sorted(rows, key=json.dumps)
    finally:
        subscriber.delete_subscription(subscription=subscription)
        publisher_client.delete_topic(topic=topic)
