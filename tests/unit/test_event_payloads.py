"""No event message (the BigQuery events table) nor facts row (the case_facts table) carries
a secret report's text or an anonymous reporter's identity (issue 15): a secret, anonymous
complaint through intake, routing, every unit action, the escalation ticks and the
reports_ingest consumer; every message published on the way is checked."""
from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from shared.domain.events import TOPICS
from shared.domain.unit_actions import Actor
from shared.services.escalation import escalate_due
from shared.services.intake import receive_complaint
from shared.services.reports_ingest import FACTS_TOPIC, ingest_case
from shared.services.routing import route_case
from shared.services.unit_actions import act_on_case
from shared.web.schemas import ComplaintIn
from tests.escalation_support import CATALOG, ESCALATION, RULES
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, FakeUnitOfWork
from tests.report_fakes import FakeAggregateStore, StoreFacts

TITLE, TEXT = "Rahasia pungli camat Yosodadi", "Camat meminta uang pelicin lima juta untuk izin."
NAME, PHONE, EMAIL = "Siti Aminah Rahasia", "081299887766", "siti.rahasia@example.org"
DLH, COORDINATOR = Actor("unit:dlh:k1", "dlh"), Actor("admin", None, True)
STEPS: list[tuple[str, dict[str, Any], Actor]] = [
         ("acknowledge", {}, DLH), ("follow_up", {"text": "Sedang kami periksa.", "visibility": "public"}, DLH),
         ("wait_reporter", {"reason": "Menunggu bukti"}, DLH), ("resume", {}, DLH),
         ("change_category", {"category": "sampah-kebersihan"}, COORDINATOR),
         ("request_reroute", {"reason": "Bukan kewenangan", "suggested_unit": "dinas-pupr"}, DLH),
         ("reassign", {"unit_id": "dlh"}, COORDINATOR),
         ("resolve", {"resolution": "Sudah ditangani.", "evidence": []}, DLH), ("accept", {}, COORDINATOR),
         ("reopen", {"reason": "Terulang lagi"}, COORDINATOR)]


def test_no_message_carries_a_secret_text_or_an_anonymous_identity():
    store, publisher, clock = FakeCaseStore(), FakePublisher(), FakeClock()
    uow = FakeUnitOfWork(store)
    complaint = ComplaintIn.model_validate({
        "external_id": "rahasia-1", "title": TITLE, "description": TEXT, "secret": True,
        "category": "pungli-aparatur", "location": {"kelurahan": "Yosodadi"},
        "reporter": {"name": NAME, "phone": PHONE, "email": EMAIL, "anonymous": True}})
    case_id = receive_complaint(complaint, source="demo", delivery_id="m-1", uow=uow, publisher=publisher,
                                clock=clock).case_id
    route_case(case_id, uow=uow, publisher=publisher, catalog=CATALOG, rules=RULES, clock=clock,
               escalation=ESCALATION)
    if store.get(case_id).unit_id != "dlh":  # the steps act as DLH: give it the case
        act_on_case(case_id, "reassign", {"unit_id": "dlh"}, actor=COORDINATOR, idempotency_key="k-0",
                    fingerprint="f-0", uow=uow, publisher=publisher, clock=clock, catalog=CATALOG,
                    rules=ESCALATION.rules)
    for _ in range(13):  # ticks every 3 days: reminders, escalations
        clock.current = clock.current + timedelta(days=3)
        escalate_due(queue=store, uow=uow, publisher=publisher, catalog=CATALOG, escalation=ESCALATION,
                     as_of=clock.current)
    for i, (action, params, actor) in enumerate(STEPS, start=1):
        clock.current = clock.current + timedelta(hours=5)
        act_on_case(case_id, action, params, actor=actor, idempotency_key=f"k-{i}", fingerprint=f"f-{i}",
                    uow=uow, publisher=publisher, clock=clock, catalog=CATALOG, rules=ESCALATION.rules)
        ingest_case(case_id, cases=StoreFacts(store), store=FakeAggregateStore(), policy=ESCALATION.rules.policy,
                    calendar=ESCALATION.rules.calendar, publisher=publisher, clock=clock)
    actions = {e.data.get("action") for e in publisher.published}
    assert {"acknowledged", "follow_up", "waiting_reporter", "resumed", "recategorised", "reroute_requested",
            "reassigned", "resolved", "resolution_accepted", "reopened"} <= actions
    assert {e.type for e in publisher.published} >= {"complaint.received", "complaint.escalated", "complaint.reminder",
                                                     "complaint.resolved", "complaint.updated"}
    assert any(t == FACTS_TOPIC for t, _ in publisher.signals)
    messages = [e.to_message() for e in publisher.published] + [p for t, p in publisher.signals if t == FACTS_TOPIC]
    assert len(messages) > 15 and all(e.topic in TOPICS.values() for e in publisher.published)
    text = json.dumps(messages, default=str).lower()
    for secret in (TITLE, TEXT, NAME, PHONE, EMAIL, "rahasia", "pelicin", "siti"):
        assert secret.lower() not in text, secret
