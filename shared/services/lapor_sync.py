"""sync_from_lapor: pull what the national platform disposed to the city, incrementally.

One run holds the pull lease, reads pages of reports changed since the stored cursor,
and stores each page in one commit that also moves the cursor: a new report becomes
case ``lapor-<tracking id>`` with its ``complaint.received`` event (routing follows),
a changed report updates its case and adds a timeline entry, a repeated or older
version changes nothing. The run stops before its time budget and leaves the rest to
the next tick. A page that still fails after the client's retries is reported (ERROR
log and an ``integration.alert`` event) and the cursor stays before it: never skipped.
"""
from __future__ import annotations

import contextvars
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from shared import logs
from shared.domain.catalog import Catalog
from shared.domain.clock.deadlines import ClockRules
from shared.domain.events import COMPLAINT_RECEIVED, INTEGRATION_ALERT, DomainEvent
from shared.domain.integrations.lapor import Report, case_from_report, case_id_for_report, is_newer
from shared.domain.integrations.lapor_changes import apply_report, arrival_entries, state_of
from shared.ports import Clock, Conflict, EventPublisher, LaporClient, LaporError, LaporStore, Lease, Outbox, PageChange
from shared.services.outbox import announce
from shared.unit_of_work import UnitOfWork

PULL = "pull"
ACTOR = "lapor"


@dataclass(frozen=True)
class SyncLimits:
    page_size: int = 100          # <= 100: a page and its cursor fit one Firestore commit (500 writes)
    budget_seconds: float = 240.0  # stop starting pages after this (the function times out at 300 s)
    lease_seconds: float = 330.0  # > the function's timeout: a crashed run's lease expires after it
    page_attempts: int = 3        # store attempts of one page (a case changed under us: re-read)


@dataclass
class SyncRun:
    outcome: str = "done"     # done, busy, budget, failed, lease-lost
    pages: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cursor: str | None = None


def sync_from_lapor(*, client: LaporClient, store: LaporStore, uow: UnitOfWork, publisher: EventPublisher,
                    clock: Clock, catalog: Catalog, rules: ClockRules | None = None,
                    limits: SyncLimits = SyncLimits(), owner: str | None = None) -> SyncRun:
    """``store`` holds the lease, ``uow`` stores each page with its cursor; ``catalog`` maps
    LAPOR! accounts to units (dispositions); ``rules`` moves the clocks of cases answered
    or resolved on LAPOR! (None: escalation not configured)."""
    run, started = SyncRun(), time.monotonic()
    lease: Lease | None = store.claim(PULL, owner or uuid.uuid4().hex, clock.now(), limits.lease_seconds)
    if lease is None:
        logs.info("lapor sync: another run holds the lease; nothing to do")
        return SyncRun(outcome="busy")
    run.cursor = lease.cursor
    try:
        while True:
            if time.monotonic() - started > limits.budget_seconds:
                run.outcome = "budget"
                logs.info("lapor sync: time budget used; the next tick continues", cursor=run.cursor)
                break
            try:
                page = client.changed_reports(run.cursor, min(limits.page_size, 100))
            except LaporError as exc:
                run.outcome = "failed"
                alert(publisher, clock, "lapor sync: a page failed after retries; the cursor stays before it",
                      "Sinkronisasi LAPOR! gagal membaca satu halaman laporan setelah beberapa percobaan; "
                      "akan dicoba lagi pada jadwal berikutnya",
                      cursor=run.cursor, status=exc.status, error=str(exc)[:200], kind=type(exc).__name__)
                break
            if page.reports:
                lease = _store(page.reports, page.next_cursor, lease, uow=uow, publisher=publisher, clock=clock,
                               run=run, attempts=limits.page_attempts, catalog=catalog, rules=rules)
                if lease is None:
                    run.outcome = "lease-lost"
                    break
                run.pages += 1
                run.cursor = page.next_cursor
            if not page.has_more:
                break
            if not page.reports:  # an empty page that claims more: do not loop on it
                run.outcome = "failed"
                alert(publisher, clock, "lapor sync: an empty page said has_more; stopped",
                      "Sinkronisasi LAPOR! menerima halaman kosong yang tidak wajar; dihentikan", cursor=run.cursor)
                break
    finally:
        if lease is not None:
            store.release(lease)
    logs.info("lapor sync finished", outcome=run.outcome, pages=run.pages, created=run.created,
              updated=run.updated, unchanged=run.unchanged, cursor=run.cursor)
    return run


def _store(reports: Sequence[Report], cursor: str | None, lease: Lease, *, uow: UnitOfWork,
           publisher: EventPublisher, clock: Clock, run: SyncRun, attempts: int, catalog: Catalog,
           rules: ClockRules | None) -> Lease | None:
    """Stores the page and moves the cursor in one commit; None when it could not (lease lost)."""
    latest: dict[str, Report] = {}
    for report in reports:  # the same report twice on a page, or out of order: keep the newest
        if report.tracking_id not in latest or report.version > latest[report.tracking_id].version:
            latest[report.tracking_id] = report
    # A page of first versions of reports not sent by Sigap is almost surely all new: write it
    # blind (create() fails the whole commit if any case exists) and read only if that fails.
    blind = all(r.version == 1 and not r.client_ref for r in latest.values())
    for attempt in range(1, attempts + 1 + blind):
        now = clock.now()
        with uow:
            existing = {} if blind else uow.cases.get_many([case_id_for_report(latest[t]) for t in sorted(latest)])
            new: list[PageChange] = []
            changed: list[PageChange] = []
            unchanged = 0
            for tracking_id in sorted(latest):
                report = latest[tracking_id]
                case = existing.get(case_id_for_report(report))
                if case is None:
                    new.append(_created(report, now))
                elif is_newer(report, case):
                    changed.append(apply_report(case, report, catalog, rules, now))
                else:
                    unchanged += 1
            for case, entries, events in new:
                uow.cases.add(case, entries)
                uow.add_events(events)
            for case, entries, events in changed:
                uow.cases.update(case, entries)
                uow.add_events(events)
            uow.move_cursor(lease, cursor)
            try:
                done = uow.commit()
            except Conflict:  # a case exists or changed under us (re-read and retry), or the lease was taken over
                if not blind:
                    logs.warning("lapor sync: page write lost a race; re-reading", attempt=attempt, cursor=cursor)
                blind = False
                continue
        run.created += len(new)
        run.updated += len(changed)
        run.unchanged += unchanged
        _announce(list(done.events), uow.outbox, publisher)
        return done.lease
    logs.error("lapor sync: a page could not be stored (lease lost?); the next tick retries it", cursor=cursor)
    return None


def _created(report: Report, now: datetime) -> PageChange:
    """A report seen for the first time: the case, its ``received`` entry, the follow-ups
    it already has (as follow-ups), and ``complaint.received`` (routing adopts the rest of
    its history: national status, first answer)."""
    case = case_from_report(report, now)
    case = replace(case, lapor_state=state_of(report, case.id))
    case, entry = case.with_entry(now, ACTOR, "received", channel="lapor", tracking_id=report.tracking_id,
                                  lapor_status=report.status, version=report.version)
    case, history = arrival_entries(case, report, now)
    case = replace(case, updated_at=None)
    event = DomainEvent(f"{case.id}.received", COMPLAINT_RECEIVED, case.id, now, {"source": case.source})
    return case, [entry, *history], [event]


def _announce(events: list[DomainEvent], outbox: Outbox, publisher: EventPublisher) -> None:
    """Publishes a page's events in parallel (each publish waits for its ack); what fails
    stays in the outbox for the sweep."""
    if not events:
        return
    def one(event: DomainEvent) -> None:
        announce([event], outbox=outbox, publisher=publisher)
    with ThreadPoolExecutor(min(16, len(events))) as pool:  # each task keeps this request's log context (trace)
        for future in [pool.submit(contextvars.copy_context().run, one, e) for e in events]:
            future.result()


def alert(publisher: EventPublisher, clock: Clock, message: str, staff_message: str, **fields: Any) -> None:
    """ERROR log (English) and an ``integration.alert`` event whose ``message`` city staff read (Indonesian).
    Fields are identifiers and outcomes only."""
    logs.error(message, **fields)
    now = clock.now()
    event = DomainEvent(f"alert.{uuid.uuid4().hex}", INTEGRATION_ALERT, str(fields.get("case_id") or ""), now,
                        {"integration": "lapor", "message": staff_message, "reason": message,
                         **{k: v for k, v in fields.items() if v is not None}})
    try:
        publisher.publish(event)
    except Exception as exc:  # the ERROR log above is the alert of last resort
        logs.warning("alert event not published", error=type(exc).__name__)
