"""In-memory fakes of the LAPOR! ports: FakeLaporStore (over FakeCaseStore, with the
adapter's lease and precondition semantics) and FakeLaporClient (a portal with scripted
failures). Typed against the same Protocols as shared/adapters/{firestore_lapor,lapor_client}.py,
so drift fails mypy."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from shared.domain.integrations.lapor import OutboxItem, Report
from shared.ports import Conflict, LaporClient, LaporStore, LaporUnavailable, Lease, ReportPage
from shared.unit_of_work import UnitOfWork
from tests.fakes import FakeCaseStore


class FakeLaporStore:
    """LaporStore over a FakeCaseStore's leases and lapor_outbox items (new items and the
    pull's cursor are written by FakeUnitOfWork, under the same lock)."""

    def __init__(self, cases: FakeCaseStore):
        self.case_store = cases

    @property
    def leases(self) -> dict[str, dict[str, Any]]:
        return self.case_store.leases

    @property
    def items_by_id(self) -> dict[str, OutboxItem]:
        return self.case_store.lapor_items

    def claim(self, name: str, owner: str, now: datetime, seconds: float) -> Lease | None:
        db = self.case_store
        with db._lock:
            state = db.leases.setdefault(name, {"owner": None, "until": None, "cursor": None, "version": 0})
            if state["owner"] and state["until"] and state["until"] > now:
                return None
            state.update(owner=owner, until=now + timedelta(seconds=seconds), version=db.next_version())
            return Lease(name, owner, state["version"], state["cursor"])

    def release(self, lease: Lease) -> None:
        db = self.case_store
        with db._lock:
            state = db.leases[lease.name]
            if state["version"] == lease.version:
                state.update(owner=None, until=None, version=db.next_version())

    def items(self, limit: int, case_id: str | None = None) -> list[OutboxItem]:
        rows = sorted((i for i in self.items_by_id.values() if case_id is None or i.case_id == case_id),
                      key=lambda i: i.id)
        return rows[:limit]

    def save_item(self, item: OutboxItem) -> OutboxItem:
        db = self.case_store
        with db._lock:
            current = db.lapor_items.get(item.id)
            if item.version is not None and (current is None or current.version != item.version):
                raise Conflict(item.id)
            saved = replace(item, version=db.next_version())
            db.lapor_items[item.id] = saved
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

    def changed_reports(self, cursor: str | None, limit: int) -> ReportPage:
        self._enter("list")
        start = int(cursor or 0)
        page = self.changes[start:start + limit]
        return ReportPage(tuple(page), str(start + len(page)), start + len(page) < len(self.changes))

    def report(self, tracking_id: str) -> Report:
        self._enter("get")
        return [r for r in self.changes if r.tracking_id == tracking_id][-1]

    def post_follow_up(self, tracking_id: str, text: str, client_ref: str, *, account: str | None = None) -> str:
        self._enter("follow_up")
        if client_ref not in self._refs:
            self._refs.add(client_ref)
            self.follow_ups.append((tracking_id, text, client_ref))
        return f"tl-{client_ref}"

    def change_status(self, tracking_id: str, status: str, note: str | None, client_ref: str) -> None:
        self._enter("status")
        if client_ref not in self._refs:
            self._refs.add(client_ref)
            self.statuses.append((tracking_id, status, client_ref))

    def dispose(self, tracking_id: str, account: str, note: str | None, client_ref: str) -> None:
        self._enter("dispose")
        if client_ref not in self._refs:
            self._refs.add(client_ref)
            self.dispositions.append((tracking_id, account, client_ref))

    def submit(self, complaint: dict[str, Any], client_ref: str) -> str:
        self._enter("submit")
        if client_ref not in self.submissions:
            self.submissions[client_ref] = str(7_000_000 + len(self.submissions))
        return self.submissions[client_ref]


def add_item(uow: UnitOfWork, item: OutboxItem) -> bool:
    """Test set-up: queues one lapor_outbox item through the unit of work; False when it exists."""
    with uow:
        uow.add_lapor_items([item])
        try:
            uow.commit()
        except Conflict:
            return False
    return True


def unavailable(status: int = 503, retry_after: float | None = None) -> LaporUnavailable:
    return LaporUnavailable(f"HTTP {status}", status=status, retry_after=retry_after)


if TYPE_CHECKING:  # the fakes implement the ports' Protocols: drift fails mypy
    _store: LaporStore = FakeLaporStore(FakeCaseStore())
    _client: LaporClient = FakeLaporClient()
