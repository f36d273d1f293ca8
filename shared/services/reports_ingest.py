"""reports_ingest: keeps the report aggregates in step with the cases (docs/reports.md).

Each domain event names a case; the consumer reads the case's facts *now*, computes its
contribution to the aggregates (shared/domain/reports/aggregates.py) and writes the
difference from the contribution it applied last time, with the new contribution, in
one atomic write guarded by a precondition on the case's ledger document. So:

- a redelivered event, or an old event arriving after a newer one, finds nothing to
  change (the state it reads is already applied): exactly once per change of a case;
- re-routing, re-classification, merge, reopening, pause and late arrival move the
  case's counts, whatever order their events come in;
- two consumers on one case: one write wins, the other reads again and retries (no
  transaction holds a lock: EMULATORS.md).

When the contribution changed, the case's facts also go to the ``report-facts`` topic
(BigQuery, infra/terraform/bigquery.tf) before the write: a failed write is retried by
Pub/Sub and publishes the same rows again (deduplicated by ``publication`` in the SQL).
"""
from __future__ import annotations

from shared import logs
from shared.domain.clock.calendar import WorkingCalendar
from shared.domain.clock.policy import EscalationPolicy
from shared.domain.reports.aggregates import EMPTY, changes, contribution, facts_rows
from shared.ports.clock import Clock
from shared.ports.events import EventPublisher
from shared.ports.reports import AggregateStore, CaseFactsReader

FACTS_TOPIC = "report-facts"
ATTEMPTS = 5


class IngestContended(RuntimeError):
    """Every attempt lost its precondition: let Pub/Sub redeliver."""


def ingest_case(case_id: str, *, cases: CaseFactsReader, store: AggregateStore, policy: EscalationPolicy,
                calendar: WorkingCalendar, publisher: EventPublisher | None = None, clock: Clock | None = None,
                attempts: int = ATTEMPTS) -> str:
    """``unchanged`` / ``applied``; raises IngestContended after ``attempts`` lost races."""
    for _ in range(attempts):
        old, token = store.applied(case_id)
        found = cases.case_facts(case_id)
        new = EMPTY if found is None else contribution(found[0], policy, calendar)
        counts, entries = changes(old, new)
        if not counts and not entries:
            return "unchanged"
        if found is not None and publisher is not None and clock is not None:
            publisher.publish_signals(FACTS_TOPIC, facts_rows(found[0], found[1], policy, calendar, clock.now()))
        if store.apply(case_id, token, new, counts, entries):
            logs.info("report aggregates updated", case_id=case_id, increments=len(counts), entries=len(entries))
            return "applied"
    raise IngestContended(f"case {case_id}: {attempts} attempts lost to concurrent writers")
