"""In-memory fakes of the ports: the same Protocols as the Firestore and Pub/Sub adapters."""
from __future__ import annotations

import builtins
import itertools
import threading
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.adapters.uow_staging import StagingUnitOfWork
from shared.domain.api_keys import ApiKey
from shared.domain.case import Case, CaseStatus, Entries, Reporter, TimelineEntry
from shared.domain.events import DomainEvent
from shared.domain.integrations.lapor import OutboxItem
from shared.domain.limits import DEFAULT_LOCKOUT, Decision, LockoutPolicy
from shared.domain.reports.figures import CaseFacts, Period
from shared.ports import (
    ApiKeyStore,
    CaseRepository,
    Clock,
    Conflict,
    DueCases,
    EventPublisher,
    InvalidPageToken,
    Lease,
    Outbox,
    Page,
    ReportSource,
)
from shared.ports.limits import Limits
from shared.unit_of_work import Committed, IdempotencyRecord, Staged, UnitOfWork


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)):
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakeCaseStore:
    """The in-memory database behind the case fakes: cases, timelines, delivery records,
    the outbox, private reporters, and what the LAPOR! fakes and the unit API keep
    (leases, lapor_outbox items, Idempotency-Key records). Implements CaseRepository,
    Outbox and DueCases; it is written only through FakeUnitOfWork (and FakeLaporStore),
    with the Firestore adapters' precondition semantics."""

    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.timelines: dict[str, list[TimelineEntry]] = {}
        self.deliveries: dict[tuple[str, str], str] = {}
        self.outbox: dict[str, tuple[datetime, DomainEvent]] = {}
        self.private_reporters: dict[str, Reporter] = {}
        self.leases: dict[str, dict[str, Any]] = {}
        self.lapor_items: dict[str, OutboxItem] = {}
        self.idempotency: dict[str, IdempotencyRecord] = {}
        self._versions = itertools.count(1)
        self._lock = threading.Lock()

    def next_version(self) -> int:
        return next(self._versions)

    def get(self, case_id: str) -> Case | None:
        return self.cases.get(case_id)

    def get_many(self, case_ids: Sequence[str]) -> dict[str, Case]:
        return {i: self.cases[i] for i in case_ids if i in self.cases}

    def timeline(self, case_id: str) -> builtins.list[TimelineEntry]:
        return sorted(self.timelines.get(case_id, []), key=lambda e: e.seq)

    def case_for_delivery(self, source: str, delivery_id: str) -> str | None:
        return self.deliveries.get((source, delivery_id))

    def list(self, *, unit_id: str | None, status: CaseStatus | None, page_size: int,
             page_token: str | None) -> Page:
        rows = sorted((c for c in self.cases.values()
                       if (unit_id is None or c.unit_id == unit_id) and (status is None or c.status is status)),
                      key=lambda c: (c.created_at, c.id), reverse=True)
        if page_token:
            ids = [c.id for c in rows]
            if page_token not in ids:
                raise InvalidPageToken(page_token)
            rows = rows[ids.index(page_token) + 1:]
        page = rows[:page_size]
        return Page(page, page[-1].id if len(rows) > page_size else None)

    def list_for_unit(self, *, unit_id: str | None, status: CaseStatus | None, category: str | None,
                      due_before: datetime | None, page_size: int, page_token: str | None) -> Page:
        rows = [c for c in self.cases.values() if c.unit_id == unit_id and (status is None or c.status is status)
                and (category is None or c.category == category)]
        if due_before is not None:
            due = [(c.clock.deadline_at, c) for c in rows
                   if c.clock and c.clock.deadline_at and c.clock.deadline_at <= due_before]
            rows = [c for _, c in sorted(due, key=lambda pair: pair[0])]
        else:
            rows.sort(key=lambda c: (c.created_at, c.id), reverse=True)
        if page_token:
            ids = [c.id for c in rows]
            if page_token not in ids:
                raise InvalidPageToken(page_token)
            rows = rows[ids.index(page_token) + 1:]
        return Page(rows[:page_size], rows[page_size - 1].id if len(rows) > page_size else None)

    def search(self, *, category: str | None, statuses: Sequence[CaseStatus] | None, created_from: datetime,
               created_to: datetime, limit: int) -> builtins.list[Case]:
        rows = [c for c in self.cases.values()
                if (category is None or c.category == category) and (not statuses or c.status in statuses)
                and created_from <= c.created_at <= created_to]
        return sorted(rows, key=lambda c: c.created_at, reverse=True)[:limit]

    # DueCases (escalation): the same filters as shared/adapters/firestore_escalation.py
    def _clocked(self, field: str, until: datetime, limit: int,
                 statuses: Collection[CaseStatus]) -> builtins.list[Case]:
        rows = [(getattr(c.clock, field), c.id, c) for c in self.cases.values()
                if c.status in statuses and c.clock and getattr(c.clock, field) is not None
                and getattr(c.clock, field) <= until]
        return [c for _, _, c in sorted(rows)[:limit]]

    def due(self, as_of: datetime, limit: int) -> builtins.list[Case]:
        from shared.domain.clock.escalation import DUE_STATUSES
        return self._clocked("next_due_at", as_of, limit, DUE_STATUSES)

    def deadlines_until(self, until: datetime, limit: int) -> builtins.list[Case]:
        from shared.domain.clock.escalation import CLOCK_STATUSES
        return self._clocked("deadline_at", until, limit, CLOCK_STATUSES)

    # Outbox
    def pending(self, created_before: datetime, limit: int) -> builtins.list[DomainEvent]:
        rows = sorted((at, ev.id, ev) for at, ev in self.outbox.values() if at < created_before)
        return [ev for _, _, ev in rows[:limit]]

    def oldest_pending(self) -> datetime | None:
        return min((at for at, _ in self.outbox.values()), default=None)

    def remove(self, event_id: str) -> None:
        self.outbox.pop(event_id, None)

    def remove_all(self, event_ids: Sequence[str]) -> None:
        for event_id in event_ids:
            self.outbox.pop(event_id, None)


class FakeUnitOfWork(StagingUnitOfWork):
    """The unit of work over a FakeCaseStore: the same staging as FirestoreUnitOfWork
    (shared/adapters/uow_staging.py), and a commit that checks every precondition under
    the store's lock before it writes anything, as one Firestore batch does."""

    def __init__(self, store: FakeCaseStore):
        super().__init__(store, store)
        self.store = store

    def _recorded(self, key: str) -> IdempotencyRecord | None:
        return self.store.idempotency.get(key)

    def _write(self, staged: Staged) -> Committed:
        db = self.store
        with db._lock:
            self._check(staged)
            for write in staged.cases:
                case = write.case
                if write.new and case.reporter and case.reporter.anonymous:
                    db.private_reporters[case.id] = case.reporter
                if write.new and write.delivery_id:
                    db.deliveries[(case.source, write.delivery_id)] = case.id
                db.cases[case.id] = replace(case, version=db.next_version())
                db.timelines.setdefault(case.id, []).extend(write.entries)
            for event in staged.events:
                db.outbox[event.id] = (event.occurred_at, event)
            for item in staged.lapor_items:
                db.lapor_items[item.id] = replace(item, version=db.next_version())
            db.idempotency.update((r.key, r) for r in staged.idempotency)
            moved = None
            if staged.cursor is not None:
                lease, cursor = staged.cursor
                state = db.leases[lease.name]
                state.update(cursor=cursor, version=db.next_version())
                moved = Lease(lease.name, lease.owner, state["version"], cursor)
        return Committed(tuple(staged.events), moved)

    def _check(self, staged: Staged) -> None:
        """Raises Conflict, before anything is written, for the first precondition lost."""
        db = self.store
        for write in staged.cases:
            case, stored = write.case, db.cases.get(write.case.id)
            if write.new and (stored is not None or (write.delivery_id and
                                                     (case.source, write.delivery_id) in db.deliveries)):
                raise Conflict(case.id)
            if not write.new and (stored is None or stored.version != case.version):
                raise Conflict(case.id)
            written = {e.id for e in db.timelines.get(case.id, [])}
            if any(e.id in written for e in write.entries):
                raise Conflict(case.id)
        if any(e.id in db.outbox for e in staged.events) or any(i.id in db.lapor_items for i in staged.lapor_items) \
                or any(r.key in db.idempotency for r in staged.idempotency):
            raise Conflict("an outbox event, LAPOR! item or Idempotency-Key record exists")
        if staged.cursor is not None:
            state = db.leases.get(staged.cursor[0].name)
            if state is None or state["version"] != staged.cursor[0].version:
                raise Conflict("lease")


def add_case(store: FakeCaseStore, case: Case, entries: Entries = (), delivery_id: str | None = None) -> None:
    """Test set-up: stores a new case through the unit of work."""
    with FakeUnitOfWork(store) as uow:
        uow.cases.add(case, entries, delivery_id=delivery_id)
        uow.commit()


def update_case(store: FakeCaseStore, case: Case, entries: Entries = ()) -> None:
    """Test set-up: writes a changed case (read at ``case.version``) through the unit of work."""
    with FakeUnitOfWork(store) as uow:
        uow.cases.update(case, entries)
        uow.commit()


class FakePublisher:
    def __init__(self, fail: bool = False):
        self.published: list[DomainEvent] = []
        self.signals: list[tuple[str, dict[str, Any]]] = []
        self.fail = fail

    def publish(self, event: DomainEvent) -> str:
        if self.fail:
            raise ConnectionError("publisher down")
        self.published.append(event)
        return str(len(self.published))

    def publish_all(self, events: Sequence[DomainEvent]) -> list[str | BaseException]:
        outcomes: list[str | BaseException] = []
        for event in events:
            try:
                outcomes.append(self.publish(event))
            except ConnectionError as exc:
                outcomes.append(exc)
        return outcomes

    def types(self) -> list[str]:
        return [e.type for e in self.published]

    def publish_signal(self, topic: str, payload: dict[str, Any]) -> str:
        if self.fail:
            raise ConnectionError("publisher down")
        self.signals.append((topic, payload))
        return str(len(self.signals))

    def publish_signals(self, topic: str, payloads: Sequence[dict[str, Any]]) -> list[str]:
        return [self.publish_signal(topic, payload) for payload in payloads]


class FakeApiKeyStore:
    def __init__(self) -> None:
        self.keys: dict[str, ApiKey] = {}

    def find(self, digest: str) -> ApiKey | None:
        return self.keys.get(digest)

    def add(self, digest: str, key: ApiKey) -> None:
        if digest in self.keys:
            raise Conflict(digest)
        self.keys[digest] = key

    def revoke(self, key_id: str, at: datetime) -> bool:
        hits = [d for d, k in self.keys.items() if k.key_id == key_id]
        for digest in hits:
            self.keys[digest] = replace(self.keys[digest], revoked_at=at)
        return bool(hits)

    def list(self) -> builtins.list[ApiKey]:
        return sorted(self.keys.values(), key=lambda k: k.created_at)


class FakeLimits:
    """Limits (shared/ports/limits.py) in memory, on a clock; ``hits`` and ``failures`` by key
    for assertions. Construct with ``FakeLimits(clock)``; ``FakeLimits()`` uses its own FakeClock."""

    def __init__(self, clock: Clock | None = None) -> None:
        from shared.domain.limits import Failures, Window
        self.clock = clock or FakeClock()
        self.windows: dict[str, Window] = {}
        self.failures: dict[str, Failures] = {}
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def hit(self, key: str, *, limit: int, window_seconds: float) -> Decision:
        from shared.domain.limits import count_hit
        with self._lock:
            self.hits[key] = self.hits.get(key, 0) + 1
            self.windows[key], decision = count_hit(self.windows.get(key), self._now(), limit=limit,
                                                    window_seconds=window_seconds)
            return decision

    def locked(self, key: str) -> Decision:
        from shared.domain.limits import lock_state
        with self._lock:
            return lock_state(self.failures.get(key), self._now())

    def fail(self, key: str, policy: LockoutPolicy = DEFAULT_LOCKOUT) -> Decision:
        from shared.domain.limits import record_failure
        with self._lock:
            self.failures[key], decision = record_failure(self.failures.get(key), self._now(), policy)
            return decision

    def clear(self, key: str) -> None:
        with self._lock:
            self.failures.pop(key, None)


# The delivery fakes (webhook and notification stores, the webhook sender) live in
# tests/delivery_fakes.py, typed against the delivery ports; re-exported for old imports.
from tests.delivery_fakes import FakeWebhookSender, FakeWebhookStore  # noqa: E402,F401


class FakeReportSource:
    """ReportSource over a FakeCaseStore: every case, with its timeline entries of interest."""

    def __init__(self, store: FakeCaseStore):
        self.store = store

    def facts(self, period: Period, now: datetime) -> list[CaseFacts]:
        from shared.domain.reports.figures import REPORT_ACTIONS, facts_from_case
        return [facts_from_case(case, [e for e in self.store.timeline(case.id) if e.action in REPORT_ACTIONS])
                for case in self.store.cases.values()]


if TYPE_CHECKING:  # the fakes implement the ports' Protocols: drift fails mypy
    _db = FakeCaseStore()
    _repo: CaseRepository = _db
    _outbox: Outbox = _db
    _due: DueCases = _db
    _uow: UnitOfWork = FakeUnitOfWork(_db)
    _clock: Clock = FakeClock()
    _publisher: EventPublisher = FakePublisher()
    _keys: ApiKeyStore = FakeApiKeyStore()
    _reports: ReportSource = FakeReportSource(_db)
    _limits: Limits = FakeLimits()
