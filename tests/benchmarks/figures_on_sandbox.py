"""The dashboard's figures on the LAPOR! sandbox's 300 seeded reports, as a new city
would first see them: every report pulled and routed on Tuesday 1 December 2026,
10:00 WIB; a unit then acknowledges five of the oldest, and the escalation tick runs
every 5 minutes for two hours.

    .venv/bin/python -m tests.benchmarks.figures_on_sandbox

Prints JSON: the totals of the reports function (first response and resolution on time,
open and overdue now), the escalations in those two hours by level, and the fastest
climb of one case (minutes between its first and last escalation). Runs on the
in-memory fakes, so it also runs on older versions of Sigap (for a before/after).
"""
from __future__ import annotations

import hashlib
import inspect
import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from infra.lapor_sandbox.portal import Portal
from shared import logs
from shared.adapters.lapor_client import report_from_wire
from shared.domain.reports.figures import Period, compute_figures
from shared.domain.unit_actions import Actor
from shared.services.escalation import escalate_due
from shared.services.lapor_sync import sync_from_lapor
from shared.services.routing import route_case
from shared.services.unit_actions import act_on_case
from tests.escalation_support import CATALOG, ESCALATION, RULES
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, FakeReportSource, FakeUnitOfWork
from tests.lapor_fakes import FakeLaporClient, FakeLaporStore

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # Tuesday 1 December 2026, 10:00 WIB


def _accepts(function, name: str) -> bool:
    return name in inspect.signature(function).parameters


def run() -> dict:
    portal = Portal("sandbox-token", 300, 2026)
    client = FakeLaporClient([report_from_wire(portal.public(r)) for r in portal.reports.values()])
    cases, publisher, clock = FakeCaseStore(), FakePublisher(), FakeClock(NOW)
    store, uow = FakeLaporStore(cases), FakeUnitOfWork(cases)
    extra: dict[str, Any] = {}
    if _accepts(sync_from_lapor, "catalog"):
        extra = {"catalog": CATALOG, "rules": ESCALATION.rules}
    sync_from_lapor(client=client, store=store, uow=uow, publisher=publisher, clock=clock, **extra)
    for event in list(publisher.published):
        if event.type == "complaint.received":
            route_case(event.case_id, uow=uow, publisher=publisher, catalog=CATALOG, rules=RULES,
                       clock=clock, escalation=ESCALATION)
    oldest = sorted((c for c in cases.cases.values() if c.status.value == "assigned"),
                    key=lambda c: c.counting_from)[:5]
    clock.advance(minutes=30)
    for case in oldest:
        params = {"note": "Kami tangani."}
        act_on_case(case.id, "acknowledge", params, actor=Actor(f"unit:{case.unit_id}:k", case.unit_id, False),
                    idempotency_key=f"ack-{case.id}", fingerprint=hashlib.sha256(case.id.encode()).hexdigest(),
                    uow=uow, publisher=publisher, clock=clock, catalog=CATALOG,
                    rules=ESCALATION.rules)
    start = len(publisher.published)
    for _ in range(24):  # every 5 minutes for two hours
        clock.advance(minutes=5)
        escalate_due(queue=cases, uow=uow, publisher=publisher, catalog=CATALOG,
                     escalation=ESCALATION, as_of=clock.now())
    escalated = [e for e in publisher.published[start:] if e.type == "complaint.escalated"]
    per_case: dict[str, list[datetime]] = {}
    for e in escalated:
        per_case.setdefault(e.case_id, []).append(e.occurred_at)
    climb = max((len(v), (v[-1] - v[0]).total_seconds() / 60) for v in per_case.values()) if per_case else (0, 0)
    period = Period(datetime(2026, 9, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    figures = compute_figures(FakeReportSource(cases).facts(period, clock.now()), period, clock.now(),
                              ESCALATION.policy, ESCALATION.rules.calendar)
    total = figures["total"]
    statuses = Counter(c.status.value for c in cases.cases.values())
    return {"cases": len(cases.cases), "statuses": dict(sorted(statuses.items())),
            "first_response_on_time_pct": total["first_response_on_time_pct"],
            "resolved_on_time_pct": total["resolved_on_time_pct"], "open_now": total["open_now"],
            "overdue_now": total["overdue_now"],
            "late_on_arrival": sum(bool(getattr(c.clock, "late_on_arrival_days", None) is not None)
                                   for c in cases.cases.values() if c.clock),
            "escalations_in_two_hours_by_level": dict(sorted(Counter(e.data["level"] for e in escalated).items())),
            "most_levels_one_case_climbed_in_two_hours": climb[0],
            "minutes_between_its_first_and_last_level": round(climb[1])}


if __name__ == "__main__":
    with logs.muted():
        print(json.dumps(run(), indent=2))
