"""In-memory fakes of the LAPOR! ports: FakeLaporStore (over FakeCaseStore, with the
adapter's lease, precondition and atomicity semantics) and FakeLaporClient (a portal
with scripted failures). Same Protocols as shared/adapters/{firestore_lapor,lapor_client}.py."""
from __future__ import annotations

import itertools
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Sequence

from shared.domain.integrations.lapor import OutboxItem, Report
from shared.ports import Conflict, LaporUnavailable, Lease, ReportPage
from tests.fakes import FakeCaseStore


class FakeLaporStore:
    def __init__(self, cases: FakeCaseStore):
        self.case_store = cases
        self.leases: dict[str, dict] = {}
        self.items_by_id: dict[str, OutboxItem] = {}
        self.records: dict[tuple[str, str], dict] = {}  # further documents created with a change
        self._versions = itertools.count(1)
        self._lock = threading.Lock()

    def claim(self, name: str, owner: str, now: datetime, seconds: float) -> Lease | None:
        with self._lock:
            state = self.leases.setdefault(name, {"owner": None, "until": None, "cursor": None, "version": 0})
            if state["owner"] and state["until"] and state["until"] > now:
                return None
            state.update(owner=owner, until=now + timedelta(seconds=seconds), version=next(self._versions))
            return Lease(name, owner, state["version"], state["cursor"])

    def release(self, lease: Lease) -> None:
        with self._lock:
            state = self.leases[lease.name]
            if state["version"] == lease.version:
                state.update(owner=None, until=None, version=next(self._versions))

    def cases(self, case_ids: Sequence[str]) -> dict:
        return {i: self.case_store.cases[i] for i in case_ids if i in self.case_store.cases}

    def store_page(self, lease, cursor, new, changed) -> Lease:
        store = self.case_store
        with self._lock, store._lock:
            state = self.leases[lease.name]
            if state["version"] != lease.version:
                raise Conflict("lease")
            for case, entries, events in new:
                if case.id in store.cases:
                    raise Conflict(case.id)
            for case, entries, events in changed:
                if store.cases.get(case.id) is None or store.cases[case.id].version != case.version:
                    raise Conflict(case.id)
            for case, entries, events in new:
                if case.reporter and case.reporter.anonymous:
                    store.private_reporters[case.id] = case.reporter
                store.cases[case.id] = replace(case, version=next(store._versions))
                store._stage(case.id, entries, events, case.created_at)
            for case, entries, events in changed:
                store.cases[case.id] = replace(case, version=next(store._versions))
                store._stage(case.id, entries, events, case.updated_at or case.created_at)
            state.update(cursor=cursor, version=next(self._versions))
            return Lease(lease.name, lease.owner, state["version"], cursor)

    def add_item(self, item: OutboxItem) -> bool:
        with self._lock:
            if item.id in self.items_by_id:
                return False
            self.items_by_id[item.id] = replace(item, version=next(self._versions))
            return True

    def commit_change(self, case, entry, events, items, records=()) -> None:
        store = self.case_store
        with self._lock, store._lock:
            stored = store.cases.get(case.id)
            if stored is None or stored.version != case.version or any(i.id in self.items_by_id for i in items) \
                    or any((c, i) in self.records for c, i, _ in records):
                raise Conflict(case.id)
            self.records.update({(c, i): data for c, i, data in records})
            store._check_new(case.id, entry, events)
            store.cases[case.id] = replace(case, version=next(store._versions))
            store._stage(case.id, entry, events, case.updated_at or case.created_at)
            for item in items:
                self.items_by_id[item.id] = replace(item, version=next(self._versions))

    def recorded_answer(self, record_id):
        return self.records.get(("idempotency_keys", record_id))

    def items(self, limit: int, case_id: str | None = None) -> list[OutboxItem]:
        rows = sorted((i for i in self.items_by_id.values() if case_id is None or i.case_id == case_id),
                      key=lambda i: i.id)
        return rows[:limit]

    def save_item(self, item: OutboxItem) -> OutboxItem:
        with self._lock:
            current = self.items_by_id.get(item.id)
            if item.version is not None and (current is None or current.version != item.version):
                raise Conflict(item.id)
            saved = replace(item, version=next(self._versions))
            self.items_by_id[item.id] = saved
            return saved

    def remove_item(self, item: OutboxItem) -> None:
        self.items_by_id.pop(item.id, None)


class FakeLaporClient:
    """A portal in memory. ``fail`` maps an operation to a list of exceptions raised on its next calls."""

    def __init__(self, reports: Sequence[Report] = ()):
        self.changes: list[Report] = list(reports)   # the change log, oldest first
        self.fail: dict[str, list[Exception]] = {}
        self.calls: dict[str, int] = {}
        self.follow_ups: list[tuple[str, str, str]] = []
        self.statuses: list[tuple[str, str, str]] = []
        self.dispositions: list[tuple[str, str, str]] = []  # (tracking_id, account, client_ref), once each
        self.submissions: dict[str, str] = {}
        self._refs: set[str] = set()

    def _enter(self, operation: str) -> None:
        self.calls[operation] = self.calls.get(operation, 0) + 1
        queue = self.fail.get(operation)
        if queue:
            raise queue.pop(0)

    def changed_reports(self, cursor, limit) -> ReportPage:
        self._enter("list")
        start = int(cursor or 0)
        page = self.changes[start:start + limit]
        return ReportPage(tuple(page), str(start + len(page)), start + len(page) < len(self.changes))

    def report(self, tracking_id):
        self._enter("get")
        return [r for r in self.changes if r.tracking_id == tracking_id][-1]

    def post_follow_up(self, tracking_id, text, client_ref, *, account=None):
        self._enter("follow_up")
        if client_ref not in self._refs:
            self._refs.add(client_ref)
            self.follow_ups.append((tracking_id, text, client_ref))
        return f"tl-{client_ref}"

    def change_status(self, tracking_id, status, note, client_ref):
        self._enter("status")
        if client_ref not in self._refs:
            self._refs.add(client_ref)
            self.statuses.append((tracking_id, status, client_ref))

    def dispose(self, tracking_id, account, note, client_ref):
        self._enter("dispose")
        if client_ref not in self._refs:
            self._refs.add(client_ref)
            self.dispositions.append((tracking_id, account, client_ref))

    def submit(self, complaint, client_ref):
        self._enter("submit")
        if client_ref not in self.submissions:
            self.submissions[client_ref] = str(7_000_000 + len(self.submissions))
        return self.submissions[client_ref]


def unavailable(status: int = 503, retry_after: float | None = None) -> LaporUnavailable:
    return LaporUnavailable(f"HTTP {status}", status=status, retry_after=retry_after)
