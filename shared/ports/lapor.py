"""The national LAPOR! platform (docs/lapor-contract.md): its client, and the sync's and
push's lease and lapor_outbox. Case changes and new items go through the unit of work."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from shared.domain.case import Case, TimelineEntry
from shared.domain.events import DomainEvent
from shared.domain.integrations.lapor import OutboxItem, Report


class LaporError(Exception):
    """The platform did not do what was asked. ``transient``: worth retrying later."""
    transient = True

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


class LaporUnavailable(LaporError):
    """Network failure, timeout, 5xx, 429 or an unreadable answer, after the client's own retries."""


class LaporAuthError(LaporError):
    """401/403: the access token (SIGAP_LAPOR_TOKEN) is expired or wrong. Retried on the next tick."""


class LaporRejected(LaporError):
    """A 4xx that will answer the same every time: the request itself is wrong."""
    transient = False


@dataclass(frozen=True)
class ReportPage:
    reports: Sequence[Report]
    next_cursor: str | None      # resume here; store it only once this page is stored
    has_more: bool


class LaporClient(Protocol):
    """The national platform's integration API. Only shared/adapters/lapor_client.py knows the wire."""
    def changed_reports(self, cursor: str | None, limit: int) -> ReportPage:
        """Reports disposed to the city and changed after ``cursor`` (None: from the start), oldest change first."""
        ...

    def report(self, tracking_id: str) -> Report: ...

    def post_follow_up(self, tracking_id: str, text: str, client_ref: str, *, account: str | None = None) -> str:
        """Returns the platform's follow-up id. A repeat with the same client_ref is the same follow-up.
        ``account``: the unit's LAPOR! account it is written by (None: the city's)."""
        ...

    def change_status(self, tracking_id: str, status: str, note: str | None, client_ref: str) -> None: ...

    def dispose(self, tracking_id: str, account: str, note: str | None, client_ref: str) -> None:
        """Disposes the report to a unit's LAPOR! account (sub-instansi). A repeated client_ref changes nothing."""
        ...

    def submit(self, complaint: dict[str, Any], client_ref: str) -> str:
        """A city-originated complaint; returns its tracking id (the same for a repeated client_ref)."""
        ...


PageChange = tuple[Case, Sequence[TimelineEntry], Sequence[DomainEvent]]  # a case, its entries, its events


@dataclass(frozen=True)
class Lease:
    """A claimed run (pull or push): whoever holds it may write; ``version`` guards every write
    (the unit of work's ``move_cursor`` is one of them)."""
    name: str
    owner: str
    version: Any
    cursor: str | None


class LaporStore(Protocol):
    """The runs' leases and the lapor_outbox as the push reads and moves it
    (shared/adapters/firestore_lapor.py). New items are staged in the unit of work."""
    def claim(self, name: str, owner: str, now: datetime, seconds: float) -> Lease | None:
        """None when another run holds an unexpired lease."""
        ...

    def release(self, lease: Lease) -> None: ...

    def items(self, limit: int, case_id: str | None = None) -> list[OutboxItem]:
        """Pending and dead items in delivery order (case, then seq)."""
        ...

    def save_item(self, item: OutboxItem) -> OutboxItem:
        """Writes an item read before (unchanged since, else Conflict), or a new one (``version`` None)."""
        ...

    def remove_item(self, item: OutboxItem) -> None: ...
