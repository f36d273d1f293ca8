"""The ports the services talk through. Adapters (Firestore, Pub/Sub) and the
test fakes implement the same Protocols."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, Sequence

from shared.domain.api_keys import ApiKey
from shared.domain.case import Case, CaseStatus, TimelineEntry
from shared.domain.events import DomainEvent


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

    def update(self, case: Case, entry: TimelineEntry, events: Sequence[DomainEvent]) -> None:
        """Atomically replaces the case (only if unchanged since ``case.version`` was read),
        appends the entry and queues the events. Raises Conflict otherwise."""

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


class Clock(Protocol):
    def now(self) -> datetime: ...


class ApiKeyStore(Protocol):
    """API keys by the SHA-256 digest of their plaintext (shared/domain/api_keys.py)."""
    def find(self, digest: str) -> ApiKey | None: ...

    def add(self, digest: str, key: ApiKey) -> None: ...

    def revoke(self, key_id: str, at: datetime) -> bool: ...

    def list(self) -> list[ApiKey]: ...
