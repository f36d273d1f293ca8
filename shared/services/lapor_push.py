"""What the national platform must know, written with the change and delivered in order.

- ``record_follow_up`` / ``record_status_change``: a unit's tindak lanjut or status
  change, its timeline entry and its ``lapor_outbox`` item in one commit.
- ``queue_submission``: a consumer of ``complaint.received`` that queues a city-originated
  complaint for submission (idempotent: the item's id is fixed by the case).
- ``push_to_lapor``: delivers items in order per case (an item waits for the ones before
  it), retries on the one RetryPolicy (shared/delivery/), parks an item as dead after the last attempt
  (ERROR log + ``integration.alert``); ``redrive`` puts dead items back in line.
"""
from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from shared import logs
from shared.delivery.policy import RetryPolicy
from shared.delivery.state import Outcome
from shared.domain.case import Case, CaseStatus, TimelineEntry
from shared.domain.catalog import Catalog
from shared.domain.integrations.lapor import (
    BELUM_TERVERIFIKASI,
    PUSH_RETRY,
    SOURCE,
    TO_LAPOR,
    ItemKind,
    ItemState,
    OutboxItem,
    after_failure,
    follow_up_item,
    redriven,
    status_item,
)
from shared.domain.integrations.lapor_changes import rank, shown_rank
from shared.ports import Clock, Conflict, EventPublisher, LaporClient, LaporError, LaporStore
from shared.services.lapor_sync import alert
from shared.unit_of_work import UnitOfWork

PUSH, PUSH_TOPIC = "push", "lapor-push"


def record_follow_up(case_id: str, text: str, *, actor: str, unit_id: str | None, uow: UnitOfWork,
                     clock: Clock) -> TimelineEntry:
    """A unit's follow-up (tindak lanjut): timeline entry + outbox item, in one commit."""
    def change(case: Case) -> _Change:
        entry = case.next_entry(clock.now(), actor, "follow_up", unit_id=unit_id, text=text)
        return replace(case, updated_at=entry.at, timeline_length=entry.seq), entry, \
            [follow_up_item(case, entry.seq, text, unit_id, entry.at)]
    return _commit(case_id, change, uow)


def record_status_change(case_id: str, status: CaseStatus, *, actor: str, note: str | None, uow: UnitOfWork,
                         clock: Clock) -> TimelineEntry:
    """A status change; when the platform's status changes with it, an outbox item in the same commit."""
    def change(case: Case) -> _Change:
        entry = case.next_entry(clock.now(), actor, "status_changed", status=status.value, note=note)
        item = status_item(case, entry.seq, status, entry.at, note)
        return case.moved_to(status, entry.at, entry), entry, [item] if item else []
    return _commit(case_id, change, uow)


_Change = tuple[Case, TimelineEntry, list[OutboxItem]]  # the case changed, its entry, its items


def _commit(case_id: str, change: Callable[[Case], _Change], uow: UnitOfWork, attempts: int = 5) -> TimelineEntry:
    for _ in range(attempts):
        with uow:
            case = uow.cases.get(case_id)
            if case is None:
                raise LookupError(f"no case {case_id}")
            updated, entry, items = change(case)
            uow.cases.update(updated, entry)
            uow.add_lapor_items(items)
            try:
                uow.commit()
            except Conflict:
                continue  # someone else changed the case: decide again on the fresh copy
        logs.info("case change recorded for LAPOR!", case_id=case_id, action=entry.action, items=len(items))
        return entry
    raise Conflict(f"case {case_id} kept changing")


def queue_submission(case_id: str, *, uow: UnitOfWork, publisher: EventPublisher, clock: Clock,
                     sources: tuple[str, ...] = ("*",)) -> str:
    """Queues a city-originated complaint (from one of ``sources``; ``*``: every city source) for LAPOR!."""
    case = uow.cases.get(case_id)
    if case is None:
        return "missing"
    if case.source == SOURCE or case.lapor_tracking_id or ("*" not in sources and case.source not in sources):
        return "not-needed"
    # seq 1 is the case's "received" entry: the submission goes before anything else of the case.
    with uow:
        uow.add_lapor_items([OutboxItem(case.id, 1, ItemKind.SUBMIT, {}, clock.now())])
        try:
            uow.commit()
        except Conflict:  # the item exists: queued before
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
    skipped: int = 0      # items LAPOR! already showed (a status not ahead of it, the same disposition)
    failed: int = 0
    dead: int = 0
    waiting: int = 0


def push_to_lapor(*, client: LaporClient, store: LaporStore, uow: UnitOfWork, publisher: EventPublisher,
                  clock: Clock, policy: RetryPolicy = PUSH_RETRY, budget_seconds: float = 50.0,
                  lease_seconds: float = 90.0, batch: int = 500, rng: random.Random | None = None,
                  catalog: Catalog | None = None) -> PushRun:
    """Delivers the due items, in order per case. An item LAPOR! already shows (a status not
    ahead of what it shows, the same disposition) is dropped unsent: never a status
    backwards, never one LAPOR! shows. ``catalog``: a submitted city complaint is disposed
    to its unit's LAPOR! account right after its submission."""
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
            if not _deliver(item, client, store, uow, publisher, clock, policy, rng, run, catalog):
                blocked.add(item.case_id)
    finally:
        store.release(lease)
    if run.delivered or run.failed:
        logs.info("lapor push finished", outcome=run.outcome, delivered=run.delivered, failed=run.failed,
                  dead=run.dead, waiting=run.waiting)
    return run


def _deliver(item: OutboxItem, client: LaporClient, store: LaporStore, uow: UnitOfWork,
             publisher: EventPublisher, clock: Clock, policy: RetryPolicy, rng: random.Random | None, run: PushRun,
             catalog: Catalog | None) -> bool:
    case = uow.cases.get(item.case_id)
    if case is None:
        logs.error("lapor push: the case of an outbox item is gone; item kept", case_id=item.case_id, item=item.id)
        return False
    tracking_id = case.lapor_tracking_id
    if item.kind is not ItemKind.SUBMIT and not tracking_id:
        if case.source != SOURCE and not _submission_queued(store, case.id) and \
                item.created_at < clock.now() - NOT_ON_LAPOR_AFTER:
            store.remove_item(item)  # a city complaint that is not submitted: LAPOR! has no report to tell
            logs.info("lapor push: the case is not on LAPOR!; item dropped", case_id=case.id, item=item.id)
            return True
        run.waiting += 1
        return False  # the submission must land first (its item sorts first)
    skip = _already_shown(case, item)
    if skip:
        store.remove_item(item)
        run.skipped += 1
        logs.info("lapor push: LAPOR! already shows it; nothing sent", case_id=case.id, item=item.id, reason=skip)
        return True
    try:
        remembered = _send(item, case, client, uow, clock, catalog)
    except LaporError as exc:
        outcome = Outcome(exc.status, str(exc), exc.retry_after, transient=exc.transient)
        failed = after_failure(item, outcome, clock.now(), policy, rng)
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
    if remembered:
        _remember(case.id, remembered, uow)
    store.remove_item(item)
    run.delivered += 1
    logs.info("lapor push: delivered", case_id=item.case_id, item=item.id, kind=item.kind.value)
    return True


NOT_ON_LAPOR_AFTER = timedelta(minutes=10)  # a city complaint's submission is queued within seconds of intake


def _submission_queued(store: LaporStore, case_id: str) -> bool:
    return any(i.kind is ItemKind.SUBMIT for i in store.items(1, case_id))


def _already_shown(case: Case, item: OutboxItem) -> str | None:
    """Why the item need not go: LAPOR! shows that status or a later one, or that disposition."""
    state = case.lapor_state or {}
    if item.kind is ItemKind.STATUS and rank(str(item.payload["status"])) <= shown_rank(state):
        return "status already shown or later"
    if item.kind is ItemKind.DISPOSE and item.payload.get("account") == state.get("disposition"):
        return "disposition already shown"
    return None


def _send(item: OutboxItem, case: Case, client: LaporClient, uow: UnitOfWork, clock: Clock,
          catalog: Catalog | None) -> dict[str, Any] | None:
    """Delivers one item; returns what LAPOR! now shows, for the case's ``lapor_state``."""
    tracking_id = case.lapor_tracking_id
    if item.kind is ItemKind.SUBMIT:
        if tracking_id:
            return None
        tracking_id = client.submit(_complaint(case), client_ref=item.id)
        case = _record_tracking_id(case, tracking_id, uow, clock)
        account = _account_of(case, catalog)
        if account:  # the city complaint goes straight to its unit's LAPOR! inbox
            client.dispose(tracking_id, account, None, client_ref=f"{item.id}-dispose")
        owed = TO_LAPOR.get(case.status)
        if owed and rank(owed) > rank(BELUM_TERVERIFIKASI):  # and shows how far the city is with it
            client.change_status(tracking_id, owed, None, client_ref=f"{item.id}-status")
        return {"status": BELUM_TERVERIFIKASI, **({"disposition": account} if account else {}),
                **({"told_status": owed} if owed and rank(owed) > rank(BELUM_TERVERIFIKASI) else {})}
    if tracking_id is None:  # _deliver holds every other item back until the submission landed
        raise LookupError(f"case {case.id} is not on LAPOR! yet")
    if item.kind is ItemKind.FOLLOW_UP:
        unit_id = item.payload.get("unit_id")  # written on LAPOR! by the unit's own account
        account = catalog.unit(unit_id).lapor_account if catalog and unit_id and unit_id in catalog.units else None
        follow_up_id = client.post_follow_up(tracking_id, str(item.payload["text"]), client_ref=item.id,
                                             account=account)
        return {"follow_up_ids": [follow_up_id]} if follow_up_id else None
    if item.kind is ItemKind.DISPOSE:
        client.dispose(tracking_id, str(item.payload["account"]), item.payload.get("note"), client_ref=item.id)
        return {"disposition": item.payload["account"]}
    client.change_status(tracking_id, str(item.payload["status"]), item.payload.get("note"), client_ref=item.id)
    return {"told_status": item.payload["status"]}


def _account_of(case: Case, catalog: Catalog | None) -> str | None:
    if catalog is None or case.unit_id is None or case.unit_id not in catalog.units:
        return None
    return catalog.unit(case.unit_id).lapor_account


def _remember(case_id: str, shown: dict[str, Any], uow: UnitOfWork, attempts: int = 5) -> None:
    """Writes what LAPOR! now shows into the case's ``lapor_state`` (no timeline entry): the
    next push of the same status is skipped, and the pull knows Sigap's own change when it
    comes back."""
    for _ in range(attempts):
        with uow:
            case = uow.cases.get(case_id)
            if case is None:
                return
            state = dict(case.lapor_state or {})
            for key, value in shown.items():
                if key == "follow_up_ids":
                    state[key] = sorted(set(state.get(key) or ()) | set(value))
                elif key == "status" and state.get("status"):
                    continue  # a status pulled from LAPOR! is newer than what the submission left
                else:
                    state[key] = value
            uow.cases.update(replace(case, lapor_state=state))
            try:
                uow.commit()
                return
            except Conflict:
                continue
    logs.warning("lapor push: what LAPOR! shows was not recorded; the next pull records it", case_id=case_id)


def _complaint(case: Case) -> dict[str, Any]:
    reporter = case.reporter
    return {"title": case.title, "description": case.description, "category": case.category or case.category_hint,
            "location": dict(case.location or {}), "anonymous": case.anonymous, "secret": case.secret,
            # An anonymous reporter's identity stays in Sigap (private/reporter): never sent, never logged.
            "reporter": None if reporter is None or reporter.anonymous else
            {"name": reporter.name, "phone": reporter.phone, "email": reporter.email}}


def _record_tracking_id(case: Case, tracking_id: str, uow: UnitOfWork, clock: Clock) -> Case:
    for _ in range(5):
        if case.lapor_tracking_id:
            return case
        entry = case.next_entry(clock.now(), "sigap:lapor", "lapor_submitted", tracking_id=tracking_id)
        recorded = replace(case, lapor_tracking_id=tracking_id, updated_at=entry.at, timeline_length=entry.seq)
        with uow:
            uow.cases.update(recorded, entry)
            try:
                uow.commit()
                logs.info("lapor push: tracking id recorded", case_id=case.id, tracking_id=tracking_id)
                return recorded
            except Conflict:
                case = uow.cases.get(case.id) or case
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
