"""Announcing events: the outbox they are committed to, and the broker they go to."""
from __future__ import annotations

import builtins
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from shared.domain.events import DomainEvent


class Outbox(Protocol):
    """Events committed with their change (shared/unit_of_work.py) and not yet published."""
    def pending(self, created_before: datetime, limit: int) -> builtins.list[DomainEvent]: ...

    def oldest_pending(self) -> datetime | None:
        """When the oldest event still in the outbox was stored (None: the outbox is empty)."""
        ...

    def remove(self, event_id: str) -> None: ...

    def remove_all(self, event_ids: Sequence[str]) -> None:
        """Removes published events together (one commit where the store allows)."""
        ...


class EventPublisher(Protocol):
    def publish(self, event: DomainEvent) -> str:
        """Publishes and waits for the broker's ack; returns the message id."""
        ...

    def publish_all(self, events: Sequence[DomainEvent]) -> builtins.list[str | BaseException]:
        """Publishes every event before awaiting any (the client batches them); per event, in
        order, the message id or what went wrong (a timeout, the broker's refusal)."""
        ...

    def publish_signal(self, topic: str, payload: dict[str, Any]) -> str:
        """A plain message on one of Sigap's own topics (e.g. a kick to a worker)."""
        ...

    def publish_signals(self, topic: str, payloads: Sequence[dict[str, Any]]) -> list[str]:
        """Plain messages on one topic, sent together; returns once the broker has every one."""
        ...
