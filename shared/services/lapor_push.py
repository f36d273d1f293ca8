"""What the national platform must know, written with the change and delivered in order.

- ``record_follow_up`` / ``record_status_change``: a unit's tindak lanjut or status
  change, its timeline entry and its ``lapor_outbox`` item in one commit.
- ``queue_submission``: a consumer of ``complaint.received`` that queues a city-originated
  complaint for submission (idempotent: the item's id is fixed by the case).
- ``push_to_lapor``: delivers items in order per case (an item waits for the ones before
  it), retries with backoff and jitter, parks an item as dead after the last attempt
  (ERROR log + ``integration.alert``); ``redrive`` puts dead items back in line.
"""
from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, replace

from shared import logs
from shared.domain.case import Case, CaseStatus, TimelineEntry
from shared.domain.lapor import (SOURCE, Backoff, ItemKind, ItemState, OutboxItem, after_failure, follow_up_item,
                                 redriven, status_item)
from shared.ports import CaseRepository, Clock, Conflict, EventPublisher, LaporClient, LaporError, LaporStore
from shared.services.lapor_sync import alert

PUSH, PUSH_TOPIC = "push", "lapor-push"


def record_follow_up(case_id: str, text: str, *, actor: str, unit_id: str | None, repo: CaseRepository,
                     store: LaporStore, clock: Clock) -> TimelineEntry:
    """A unit's follow-up (tindak lanjut): timeline entry + outbox item, atomically."""
    def change(case: Case):
        entry = case.next_entry(clock.now(), actor, "follow_up", unit_id=unit_id, text=text)
        return replace(case, updated_at=entry.at, timeline_length=entry.seq), entry, \
            [follow_up_item(case, entry.seq, text, unit_id, entry.at)]
    return _commit(case_id, change, repo, store)


def record_status_change(case_id: str, status: CaseStatus, *, actor: str, note: str | None, repo: CaseRepository,
                         store: LaporStore, clock: Clock) -> TimelineEntry:
    """A status change; when the platform's status changes with it, an outbox item in the same commit."""
    def change(case: Case):
        entry = case.next_entry(clock.now(), actor, "status_changed", status=status.value, note=note)
        item = status_item(case, entry.seq, status, entry.at, note)
        return case.moved_to(status, entry.at, entry), entry, [item] if item else []
    return _commit(case_id, change, repo, store)


def _commit(case_id, change, repo: CaseRepository, store: LaporStore, attempts: int = 5) -> TimelineEntry:
    for _ in range(attempts):
        case = repo.get(case_id)
        if case is None:
            raise LookupError(f"no case {case_id}")
        updated, entry, items = change(case)
        try:
            store.commit_change(updated, entry, [], items)
        except Conflict:
            continue  # someone else changed the case: decide again on the fresh copy
        logs.info("case change recorded for LAPOR!", case_id=case_id, action=entry.action, items=len(items))
        return entry
    raise Conflict(f"case {case_id} kept changing")


def queue_submission(case_id: str, *, repo: CaseRepository, store: LaporStore, publisher: EventPublisher,
                     clock: Clock, sources: tuple[str, ...] = ("*",)) -> str:
    """Queues a city-originated complaint (from one of ``sources``; ``*``: every city source) for LAPOR!."""
    case = repo.get(case_id)
    if case is None:
        return "missing"
    if case.source == SOURCE or case.lapor_tracking_id or ("*" not in sources and case.source not in sources):
        return "not-needed"
    # seq 1 is the case's "received" entry: the submission goes before anything else of the case.
    if not store.add_item(OutboxItem(case.id, 1, ItemKind.SUBMIT, {}, clock.now())):
        return "already-queued"
    logs.info("case queued for submission to LAPOR!", case_id=case_id)
    try:
        publisher.publish_signal(PUSH_TOPIC, {"case_id": case_id})
    except Exception as exc:
        logs.warning("push wake-up not sent; the schedule will push", error=type(exc).__name__)
    return "queued"


@dataclass
class PushRun:
    outcome: str = "done"
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    waiting: int = 0


def push_to_lapor(*, client: LaporClient, store: LaporStore, repo: CaseRepository, publisher: EventPublisher,
                  clock: Clock, backoff: Backoff = Backoff(), budget_seconds: float = 50.0,
                  lease_seconds: float = 90.0, batch: int = 500, rng: random.Random | None = None) -> PushRun:
    run, started = PushRun(), time.monotonic()
    lease = store.claim(PUSH, uuid.uuid4().hex, clock.now(), lease_seconds)
    if lease is None:
        return PushRun(outcome="busy")
    try:
        blocked: set[str] = set()
        for item in store.items(batch):
            if item.case_id in blocked:
                run.waiting += 1
                continue
            if item.state is ItemState.DEAD or (item.next_attempt_at and item.next_attempt_at > clock.now()):
                blocked.add(item.case_id)  # later items of this case wait: order per case
                run.waiting += 1
                continue
            if time.monotonic() - started > budget_seconds:
                run.outcome = "budget"
                break
            if not _deliver(item, client, store, repo, publisher, clock, backoff, rng, run):
                blocked.add(item.case_id)
    finally:
        store.release(lease)
    if run.delivered or run.failed:
        logs.info("lapor push finished", outcome=run.outcome, delivered=run.delivered, failed=run.failed,
                  dead=run.dead, waiting=run.waiting)
    return run


def _deliver(item: OutboxItem, client: LaporClient, store: LaporStore, repo: CaseRepository,
             publisher: EventPublisher, clock: Clock, backoff: Backoff, rng, run: PushRun) -> bool:
    case = repo.get(item.case_id)
    if case is None:
        logs.error("lapor push: the case of an outbox item is gone; item kept", case_id=item.case_id, item=item.id)
        return False
    tracking_id = case.lapor_tracking_id
    if item.kind is not ItemKind.SUBMIT and not tracking_id:
        run.waiting += 1
        return False  # the submission must land first (its item sorts first)
    try:
        if item.kind is ItemKind.SUBMIT:
            if not tracking_id:
                tracking_id = client.submit(_complaint(case), client_ref=item.id)
                _record_tracking_id(case, tracking_id, repo, clock)
        elif item.kind is ItemKind.FOLLOW_UP:
            client.post_follow_up(tracking_id, str(item.payload["text"]), client_ref=item.id)
        else:
            client.change_status(tracking_id, str(item.payload["status"]), item.payload.get("note"),
                                 client_ref=item.id)
    except LaporError as exc:
        failed = after_failure(item, str(exc), clock.now(), backoff, exc.retry_after, rng)
        if not exc.transient:
            failed = replace(failed, state=ItemState.DEAD, next_attempt_at=None)
        store.save_item(failed)
        run.failed += 1
        if failed.state is ItemState.DEAD:
            run.dead += 1
            alert(publisher, clock, "lapor push: an item is parked as dead; re-drive it after fixing the cause",
                  f"Pengiriman ke LAPOR! untuk laporan {item.case_id} gagal {failed.attempts} kali dan dihentikan; "
                  "kirim ulang setelah penyebabnya diperbaiki",
                   case_id=item.case_id, item=item.id, attempts=failed.attempts, status=exc.status)
        else:
            logs.warning("lapor push: delivery failed; will retry", case_id=item.case_id, item=item.id,
                         attempt=failed.attempts, status=exc.status, next_attempt_at=failed.next_attempt_at)
        return False
    store.remove_item(item)
    run.delivered += 1
    logs.info("lapor push: delivered", case_id=item.case_id, item=item.id, kind=item.kind.value)
    return True


def _complaint(case: Case) -> dict:
    reporter = case.reporter
    return {"title": case.title, "description": case.description, "category": case.category or case.category_hint,
            "location": dict(case.location or {}), "anonymous": case.anonymous, "secret": case.secret,
            # An anonymous reporter's identity stays in Sigap (private/reporter): never sent, never logged.
            "reporter": None if reporter is None or reporter.anonymous else
            {"name": reporter.name, "phone": reporter.phone, "email": reporter.email}}


def _record_tracking_id(case: Case, tracking_id: str, repo: CaseRepository, clock: Clock) -> None:
    for _ in range(5):
        if case.lapor_tracking_id:
            return
        entry = case.next_entry(clock.now(), "sigap:lapor", "lapor_submitted", tracking_id=tracking_id)
        try:
            repo.update(replace(case, lapor_tracking_id=tracking_id, updated_at=entry.at,
                                timeline_length=entry.seq), entry, [])
            logs.info("lapor push: tracking id recorded", case_id=case.id, tracking_id=tracking_id)
            return
        except Conflict:
            case = repo.get(case.id) or case
    raise Conflict(f"case {case.id}: tracking id not recorded")


def redrive(*, store: LaporStore, clock: Clock, case_id: str | None = None) -> int:
    """Dead items (of one case, or all) back in line; returns how many."""
    count = 0
    for item in store.items(10_000, case_id):
        if item.state is ItemState.DEAD:
            store.save_item(redriven(item, clock.now()))
            count += 1
    logs.info("lapor outbox re-driven", case_id=case_id, count=count)
    return count
