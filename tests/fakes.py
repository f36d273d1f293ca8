"""In-memory fakes of the ports: the same Protocols as the Firestore and Pub/Sub adapters."""
from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Sequence

from shared.domain.case import Case, CaseStatus, Entries, TimelineEntry, as_entries
from shared.domain.events import DomainEvent
from shared.ports import Conflict, InvalidPageToken, Page


class FakeClock:
    def __init__(self, start: datetime = datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc)):
        self.current = start

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakeCaseStore:
    """Implements CaseRepository and Outbox over dicts, with the same atomicity and
    precondition semantics as the Firestore adapter."""

    def __init__(self):
        self.cases: dict[str, Case] = {}
        self.timelines: dict[str, list[TimelineEntry]] = {}
        self.deliveries: dict[tuple[str, str], str] = {}
        self.outbox: dict[str, tuple[datetime, DomainEvent]] = {}
        self.private_reporters: dict[str, object] = {}
        self._versions = itertools.count(1)
        self._lock = threading.Lock()

    def get(self, case_id: str) -> Case | None:
        return self.cases.get(case_id)

    def timeline(self, case_id: str) -> list[TimelineEntry]:
        return sorted(self.timelines.get(case_id, []), key=lambda e: e.seq)

    def case_for_delivery(self, source: str, delivery_id: str) -> str | None:
        return self.deliveries.get((source, delivery_id))

    def create(self, case: Case, entry: TimelineEntry, events: Sequence[DomainEvent],
               delivery_id: str | None) -> None:
        with self._lock:
            if case.id in self.cases or (delivery_id and (case.source, delivery_id) in self.deliveries):
                raise Conflict(case.id)
            self._check_new(case.id, entry, events)
            if case.reporter and case.reporter.anonymous:
                self.private_reporters[case.id] = case.reporter
            self.cases[case.id] = replace(case, version=next(self._versions))
            if delivery_id:
                self.deliveries[(case.source, delivery_id)] = case.id
            self._stage(case.id, entry, events, case.created_at)

    def update(self, case: Case, entry: Entries, events: Sequence[DomainEvent]) -> None:
        with self._lock:
            stored = self.cases.get(case.id)
            if stored is None or stored.version != case.version:
                raise Conflict(case.id)
            self._check_new(case.id, entry, events)
            self.cases[case.id] = replace(case, version=next(self._versions))
            self._stage(case.id, entry, events, case.updated_at or case.created_at)

    def _check_new(self, case_id: str, entry: Entries, events: Sequence[DomainEvent]) -> None:
        ids = {e.id for e in self.timelines.get(case_id, [])}
        if any(e.id in ids for e in as_entries(entry)) or any(ev.id in self.outbox for ev in events):
            raise Conflict(case_id)

    def _stage(self, case_id: str, entry: Entries, events: Sequence[DomainEvent], now: datetime) -> None:
        self.timelines.setdefault(case_id, []).extend(as_entries(entry))
        for event in events:
            self.outbox[event.id] = (now, event)

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

    def list_for_unit(self, *, unit_id, status, category, due_before, page_size, page_token):
        rows = [c for c in self.cases.values() if c.unit_id == unit_id and (status is None or c.status is status)
                and (category is None or c.category == category)]
        if due_before is not None:
            rows = sorted((c for c in rows if c.clock and c.clock.deadline_at and c.clock.deadline_at <= due_before),
                          key=lambda c: c.clock.deadline_at)
        else:
            rows.sort(key=lambda c: (c.created_at, c.id), reverse=True)
        if page_token:
            ids = [c.id for c in rows]
            if page_token not in ids:
                raise InvalidPageToken(page_token)
            rows = rows[ids.index(page_token) + 1:]
        return Page(rows[:page_size], rows[page_size - 1].id if len(rows) > page_size else None)

    def search(self, *, category, statuses, created_from, created_to, limit):
        rows = [c for c in self.cases.values()
                if (category is None or c.category == category) and (not statuses or c.status in statuses)
                and created_from <= c.created_at <= created_to]
        return sorted(rows, key=lambda c: c.created_at, reverse=True)[:limit]

    # DueCases (escalation): the same filters as shared/adapters/firestore_escalation.py
    def _clocked(self, field: str, until: datetime, limit: int, statuses) -> list[Case]:
        rows = [(getattr(c.clock, field), c.id, c) for c in self.cases.values()
                if c.status in statuses and c.clock and getattr(c.clock, field) is not None
                and getattr(c.clock, field) <= until]
        return [c for _, _, c in sorted(rows)[:limit]]

    def due(self, as_of: datetime, limit: int) -> list[Case]:
        from shared.domain.clock.escalation import DUE_STATUSES
        return self._clocked("next_due_at", as_of, limit, DUE_STATUSES)

    def deadlines_until(self, until: datetime, limit: int) -> list[Case]:
        from shared.domain.clock.escalation import CLOCK_STATUSES
        return self._clocked("deadline_at", until, limit, CLOCK_STATUSES)

    # Outbox
    def pending(self, created_before: datetime, limit: int) -> list[DomainEvent]:
        rows = sorted((at, ev.id, ev) for at, ev in self.outbox.values() if at < created_before)
        return [ev for _, _, ev in rows[:limit]]

    def remove(self, event_id: str) -> None:
        self.outbox.pop(event_id, None)


class FakePublisher:
    def __init__(self, fail: bool = False):
        self.published: list[DomainEvent] = []
        self.signals: list[tuple[str, dict]] = []
        self.fail = fail

    def publish(self, event: DomainEvent) -> str:
        if self.fail:
            raise ConnectionError("publisher down")
        self.published.append(event)
        return str(len(self.published))

    def types(self) -> list[str]:
        return [e.type for e in self.published]

    def publish_signal(self, topic: str, payload: dict) -> str:
        if self.fail:
            raise ConnectionError("publisher down")
        self.signals.append((topic, payload))
        return str(len(self.signals))


class FakeApiKeyStore:
    def __init__(self):
        self.keys: dict[str, object] = {}

    def find(self, digest):
        return self.keys.get(digest)

    def add(self, digest, key):
        if digest in self.keys:
            raise Conflict(digest)
        self.keys[digest] = key

    def revoke(self, key_id, at):
        hits = [d for d, k in self.keys.items() if k.key_id == key_id]
        for digest in hits:
            self.keys[digest] = replace(self.keys[digest], revoked_at=at)
        return bool(hits)

    def list(self):
        return sorted(self.keys.values(), key=lambda k: k.created_at)


class FakeWebhookStore:
    """Subscriptions and deliveries in memory, with the adapter's precondition semantics."""

    def __init__(self):
        self.subs: dict[str, object] = {}
        self.deliveries: dict[str, object] = {}
        self._versions = itertools.count(1)
        self._lock = threading.Lock()

    def add_subscription(self, subscription):
        self.subs[subscription.id] = subscription

    def get_subscription(self, subscription_id):
        return self.subs.get(subscription_id)

    def subscriptions(self):
        return sorted(self.subs.values(), key=lambda s: s.created_at)

    def set_subscription_state(self, subscription_id, *, active=None, flagged_at=False):
        changes = {} if active is None else {"active": active}
        if flagged_at is not False:
            changes["flagged_at"] = flagged_at
        self.subs[subscription_id] = replace(self.subs[subscription_id], **changes)

    def create_delivery(self, delivery):
        with self._lock:
            if delivery.id in self.deliveries:
                return False
            self.deliveries[delivery.id] = replace(delivery, version=next(self._versions))
            return True

    def due_for(self, subscription_id, now, limit):
        rows = [d for d in self.deliveries.values() if d.subscription_id == subscription_id
                and d.status.value == "pending" and d.next_attempt_at <= now]
        return sorted(rows, key=lambda d: d.next_attempt_at)[:limit]

    def deliveries_of(self, subscription_id, status):
        return [d for d in self.deliveries.values() if d.subscription_id == subscription_id and d.status is status]

    def save_delivery(self, delivery):
        with self._lock:
            if self.deliveries.get(delivery.id) is None or self.deliveries[delivery.id].version != delivery.version:
                raise Conflict(delivery.id)
            saved = replace(delivery, version=next(self._versions))
            self.deliveries[delivery.id] = saved
            return saved


class FakeWebhookSender:
    """Answers per URL from a script of outcomes; records every attempt."""

    def __init__(self, script=None, unsafe=()):
        from shared.domain.integrations.webhooks import Outcome
        self.script = {url: list(outcomes) for url, outcomes in (script or {}).items()}
        self.default = Outcome(200)
        self.unsafe = set(unsafe)
        self.sent: list[tuple[str, str, dict]] = []
        self._lock = threading.Lock()

    def check(self, url):
        from shared.domain.integrations.url_safety import UnsafeUrl
        if url in self.unsafe:
            raise UnsafeUrl("test: unsafe")

    def send(self, url, secret, message_id, body, at):
        with self._lock:
            self.sent.append((url, message_id, body))
            queue = self.script.get(url)
            return queue.pop(0) if queue else self.default


class FakeReportSource:
    """ReportSource over a FakeCaseStore: every case, with its timeline entries of interest."""

    def __init__(self, store: "FakeCaseStore"):
        self.store = store

    def facts(self, period, now):
        from shared.domain.reports.figures import REPORT_ACTIONS, facts_from_case
        return [facts_from_case(case, [e for e in self.store.timeline(case.id) if e.action in REPORT_ACTIONS])
                for case in self.store.cases.values()]
