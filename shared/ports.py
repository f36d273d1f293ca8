"""The ports the services talk through. Adapters (Firestore, Pub/Sub) and the
test fakes implement the same Protocols."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, Sequence

from shared.domain.api_keys import ApiKey
from shared.domain.case import Case, CaseStatus, Entries, TimelineEntry
from shared.domain.events import DomainEvent
from shared.domain.integrations.lapor import OutboxItem, Report
from shared.domain.integrations.webhooks import Delivery, DeliveryStatus, Outcome, Subscription


class Conflict(Exception):
    """An optimistic write lost: someone else changed or created the document first."""


@dataclass(frozen=True)
class Page:
    cases: Sequence[Case]
    next_page_token: str | None


class InvalidPageToken(ValueError):
    pass


class CaseRepository(Protocol):
    def get(self, case_id: str) -> Case | None: ...

    def timeline(self, case_id: str) -> list[TimelineEntry]: ...

    def case_for_delivery(self, source: str, delivery_id: str) -> str | None:
        """The case a webhook delivery (source + webhook-id) created, if any."""

    def create(self, case: Case, entry: TimelineEntry, events: Sequence[DomainEvent],
               delivery_id: str | None) -> None:
        """Atomically stores the case, its first timeline entry, its outbox events and the
        delivery record. Raises Conflict when the case or the delivery already exists."""

    def update(self, case: Case, entry: Entries, events: Sequence[DomainEvent]) -> None:
        """Atomically replaces the case (only if unchanged since ``case.version`` was read),
        appends the entry (or entries, or none) and queues the events. Raises Conflict otherwise."""

    def list(self, *, unit_id: str | None, status: CaseStatus | None, page_size: int,
             page_token: str | None) -> Page: ...

    def search(self, *, category: str | None, statuses: Sequence[CaseStatus] | None,
               created_from: datetime, created_to: datetime, limit: int) -> list[Case]:
        """Cases created in [created_from, created_to], newest first."""


class Outbox(Protocol):
    def pending(self, created_before: datetime, limit: int) -> list[DomainEvent]: ...

    def remove(self, event_id: str) -> None: ...


class EventPublisher(Protocol):
    def publish(self, event: DomainEvent) -> str:
        """Publishes and waits for the broker's ack; returns the message id."""

    def publish_signal(self, topic: str, payload: dict) -> str:
        """A plain message on one of Sigap's own topics (e.g. a kick to a worker)."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class DueCases(Protocol):
    """The escalation queries: indexed on the clock fields, so their cost follows the
    number of cases returned, not the number of open cases."""
    def due(self, as_of: datetime, limit: int) -> list[Case]:
        """Cases whose clock runs and whose next due instant is at or before ``as_of``, oldest first."""

    def deadlines_until(self, until: datetime, limit: int) -> list[Case]:
        """Cases whose clock runs and whose running deadline is at or before ``until``."""


class ApiKeyStore(Protocol):
    """API keys by the SHA-256 digest of their plaintext (shared/domain/api_keys.py)."""
    def find(self, digest: str) -> ApiKey | None: ...

    def add(self, digest: str, key: ApiKey) -> None: ...

    def revoke(self, key_id: str, at: datetime) -> bool: ...

    def list(self) -> list[ApiKey]: ...


class WebhookStore(Protocol):
    """Outbound webhook subscriptions and their deliveries (shared/domain/integrations/webhooks.py)."""
    def add_subscription(self, subscription: Subscription) -> None: ...

    def get_subscription(self, subscription_id: str) -> Subscription | None: ...

    def subscriptions(self) -> list[Subscription]: ...

    def set_subscription_state(self, subscription_id: str, *, active: bool | None = None,
                               flagged_at: datetime | None | bool = False) -> None: ...

    def create_delivery(self, delivery: Delivery) -> bool:
        """False when it already exists (a repeated event)."""

    def due_for(self, subscription_id: str, now: datetime, limit: int) -> list[Delivery]: ...

    def deliveries_of(self, subscription_id: str, status: DeliveryStatus) -> list[Delivery]: ...

    def save_delivery(self, delivery: Delivery) -> Delivery:
        """Writes a delivery read before, only if unchanged since; raises Conflict otherwise."""


class WebhookSender(Protocol):
    def check(self, url: str) -> None:
        """Raises UnsafeUrl for a URL Sigap must not call."""

    def send(self, url: str, secret: str, message_id: str, body: dict, at: datetime) -> Outcome: ...


# ---- the national LAPOR! platform (docs/lapor-contract.md) -------------------------------

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
    reports: Sequence["Report"]
    next_cursor: str | None      # resume here; store it only once this page is stored
    has_more: bool


class LaporClient(Protocol):
    """The national platform's integration API. Only shared/adapters/lapor_client.py knows the wire."""
    def changed_reports(self, cursor: str | None, limit: int) -> ReportPage:
        """Reports disposed to the city and changed after ``cursor`` (None: from the start), oldest change first."""

    def report(self, tracking_id: str) -> "Report": ...

    def post_follow_up(self, tracking_id: str, text: str, client_ref: str, *, account: str | None = None) -> str:
        """Returns the platform's follow-up id. A repeat with the same client_ref is the same follow-up.
        ``account``: the unit's LAPOR! account it is written by (None: the city's)."""

    def change_status(self, tracking_id: str, status: str, note: str | None, client_ref: str) -> None: ...

    def dispose(self, tracking_id: str, account: str, note: str | None, client_ref: str) -> None:
        """Disposes the report to a unit's LAPOR! account (sub-instansi). A repeated client_ref changes nothing."""

    def submit(self, complaint: dict, client_ref: str) -> str:
        """A city-originated complaint; returns its tracking id (the same for a repeated client_ref)."""


PageChange = tuple[Case, "Sequence[TimelineEntry]", "Sequence[DomainEvent]"]  # a case, its entries, its events


@dataclass(frozen=True)
class Lease:
    """A claimed run (pull or push): whoever holds it may write; ``version`` guards every write."""
    name: str
    owner: str
    version: Any
    cursor: str | None


class LaporStore(Protocol):
    """The sync's lease and cursor, its page writes, and the lapor_outbox (shared/adapters/firestore_lapor.py)."""
    def claim(self, name: str, owner: str, now: datetime, seconds: float) -> Lease | None:
        """None when another run holds an unexpired lease."""

    def release(self, lease: Lease) -> None: ...

    def cases(self, case_ids: Sequence[str]) -> dict[str, Case]: ...

    def store_page(self, lease: Lease, cursor: str | None, new: Sequence[PageChange],
                   changed: Sequence[PageChange]) -> Lease:
        """Atomically stores the page and moves the cursor; Conflict if the lease or a case changed."""

    def add_item(self, item: "OutboxItem") -> bool:
        """False when the item already exists."""

    def commit_change(self, case: Case, entry: Entries, events: Sequence[DomainEvent],
                      items: Sequence["OutboxItem"], records: Sequence[tuple[str, str, dict]] = ()) -> None:
        """Like CaseRepository.update, plus the lapor_outbox items and any further
        documents (collection, id, data) to create, in the same commit."""

    def recorded_answer(self, record_id: str) -> dict | None:
        """The unit API's recorded answer to an Idempotency-Key, if any."""

    def items(self, limit: int, case_id: str | None = None) -> list["OutboxItem"]:
        """Pending and dead items in delivery order (case, then seq)."""

    def save_item(self, item: "OutboxItem") -> "OutboxItem": ...

    def remove_item(self, item: "OutboxItem") -> None: ...
