"""In-memory fakes of the delivery ports (shared/ports/{delivery,webhooks,notifications}.py):
the webhook and notification stores with the Firestore adapters' precondition
semantics, and a scripted webhook sender. Typed against the same Protocols, so drift
fails mypy."""
from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from shared.delivery.state import Delivery, DeliveryStatus, Outcome
from shared.domain.integrations.notifications import Channel, all_channels
from shared.domain.integrations.url_safety import UnsafeUrl
from shared.domain.integrations.webhooks import Subscription, webhook_body
from shared.ports import Conflict
from shared.ports.notifications import NotificationStore
from shared.ports.webhooks import WebhookSender, WebhookStore


class FakeDeliveries:
    """Deliveries in memory: create once, due queries, writes only over the version read."""

    def __init__(self) -> None:
        self.deliveries: dict[str, Delivery] = {}
        self._versions = itertools.count(1)
        self._lock = threading.Lock()

    def create_delivery(self, delivery: Delivery) -> bool:
        with self._lock:
            if delivery.id in self.deliveries:
                return False
            self.deliveries[delivery.id] = replace(delivery, version=next(self._versions))
            return True

    def due_for(self, destination_id: str, now: datetime, limit: int) -> list[Delivery]:
        rows = [d for d in self.deliveries.values() if d.subscription_id == destination_id
                and d.status is DeliveryStatus.PENDING and d.next_attempt_at <= now]
        return sorted(rows, key=lambda d: d.next_attempt_at)[:limit]

    def deliveries_of(self, destination_id: str, status: DeliveryStatus) -> list[Delivery]:
        return [d for d in self.deliveries.values() if d.subscription_id == destination_id and d.status is status]

    def save_delivery(self, delivery: Delivery) -> Delivery:
        with self._lock:
            stored = self.deliveries.get(delivery.id)
            if stored is None or stored.version != delivery.version:
                raise Conflict(delivery.id)
            saved = replace(delivery, version=next(self._versions))
            self.deliveries[delivery.id] = saved
            return saved


class FakeWebhookStore(FakeDeliveries):
    """Implements WebhookStore: subscriptions and deliveries in memory."""

    def __init__(self) -> None:
        super().__init__()
        self.subs: dict[str, Subscription] = {}

    def add_subscription(self, subscription: Subscription) -> None:
        self.subs[subscription.id] = subscription

    def get_subscription(self, subscription_id: str) -> Subscription | None:
        return self.subs.get(subscription_id)

    def subscriptions(self) -> list[Subscription]:
        return sorted(self.subs.values(), key=lambda s: s.created_at)

    def destinations(self) -> list[Subscription]:
        return self.subscriptions()

    def set_subscription_state(self, subscription_id: str, *, active: bool | None = None,
                               flagged_at: datetime | None | bool = False) -> None:
        changes: dict[str, Any] = {} if active is None else {"active": active}
        if flagged_at is not False:
            changes["flagged_at"] = flagged_at
        self.subs[subscription_id] = replace(self.subs[subscription_id], **changes)

    def flag(self, destination_id: str, at: datetime | None) -> None:
        self.set_subscription_state(destination_id, flagged_at=at)


class FakeNotificationStore(FakeDeliveries):
    """Implements NotificationStore: the fixed channels, their flags and the messages."""

    def __init__(self) -> None:
        super().__init__()
        self.flags: dict[str, datetime | None] = {}

    def destinations(self) -> list[Channel]:
        return all_channels(self.flags)

    def flag(self, destination_id: str, at: datetime | None) -> None:
        self.flags[destination_id] = at


class FakeWebhookSender:
    """Implements WebhookSender: answers per URL from a script of outcomes; records every
    POST as (url, message_id, body)."""

    def __init__(self, script: Mapping[str, Iterable[Outcome]] | None = None, unsafe: Iterable[str] = ()):
        self.script = {url: list(outcomes) for url, outcomes in (script or {}).items()}
        self.default = Outcome(200)
        self.unsafe = set(unsafe)
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def check(self, url: str) -> None:
        if url in self.unsafe:
            raise UnsafeUrl("test: unsafe")

    def send(self, destination: Subscription, delivery: Delivery, at: datetime) -> Outcome:
        return self.post(destination.url, destination.secret, delivery.event_id, webhook_body(delivery.payload), at)

    def post(self, url: str, secret: str, message_id: str, body: dict[str, Any], at: datetime) -> Outcome:
        with self._lock:
            self.sent.append((url, message_id, body))
            queue = self.script.get(url)
            return queue.pop(0) if queue else self.default


class FakeChannelSender:
    """A Sender for the notification channels: records (channel, message_id, payload data)."""

    def __init__(self, script: Mapping[str, Sequence[Outcome]] | None = None):
        self.script = {name: list(outcomes) for name, outcomes in (script or {}).items()}
        self.sent: list[tuple[str, str, Mapping[str, Any]]] = []
        self._lock = threading.Lock()

    def send(self, destination: Channel, delivery: Delivery, at: datetime) -> Outcome:
        with self._lock:
            self.sent.append((destination.name, delivery.event_id, delivery.payload["data"]))
            queue = self.script.get(destination.name)
            return queue.pop(0) if queue else Outcome(250)


def _conforms(webhooks: FakeWebhookStore, notifications: FakeNotificationStore,
              sender: FakeWebhookSender) -> tuple[WebhookStore, NotificationStore, WebhookSender]:
    """Never called: mypy checks here that the fakes implement the Protocols."""
    return webhooks, notifications, sender
