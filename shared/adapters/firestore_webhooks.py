"""FirestoreWebhookStore: ``webhook_subscriptions/{id}`` and ``webhook_deliveries/{event id}~{subscription id}``."""
from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from google.cloud import firestore

from shared.adapters.firestore_deliveries import DELIVERIES, QUERY_SHAPES, FirestoreDeliveries
from shared.delivery.state import Delivery, DeliveryStatus
from shared.domain.integrations.webhooks import Subscription

__all__ = ["QUERY_SHAPES", "SUBSCRIPTIONS", "FirestoreWebhookStore"]

SUBSCRIPTIONS = "webhook_subscriptions"


def _subscription(doc: dict[str, Any]) -> Subscription:
    return Subscription(**{**doc, "event_types": tuple(doc["event_types"])})


class FirestoreWebhookStore:
    """Implements shared.ports.webhooks.WebhookStore; the subscriptions are the destinations."""

    def __init__(self, client: firestore.Client, deliveries: str = DELIVERIES):
        self._db, self._deliveries = client, FirestoreDeliveries(client, deliveries)

    def add_subscription(self, subscription: Subscription) -> None:
        doc = asdict(subscription)
        doc["event_types"] = list(subscription.event_types)
        self._db.collection(SUBSCRIPTIONS).document(subscription.id).create(doc)

    def get_subscription(self, subscription_id: str) -> Subscription | None:
        doc = self._db.collection(SUBSCRIPTIONS).document(subscription_id).get().to_dict()
        return _subscription(doc) if doc is not None else None

    def subscriptions(self) -> list[Subscription]:
        query = self._db.collection(SUBSCRIPTIONS).order_by("created_at")
        return [_subscription(d.to_dict() or {}) for d in query.stream()]

    def destinations(self) -> list[Subscription]:
        return self.subscriptions()

    def set_subscription_state(self, subscription_id: str, *, active: bool | None = None,
                               flagged_at: datetime | None | bool = False) -> None:
        changes: dict[str, Any] = {}
        if active is not None:
            changes["active"] = active
        if flagged_at is not False:
            changes["flagged_at"] = flagged_at
        self._db.collection(SUBSCRIPTIONS).document(subscription_id).update(changes)

    def flag(self, destination_id: str, at: datetime | None) -> None:
        self.set_subscription_state(destination_id, flagged_at=at)

    def create_delivery(self, delivery: Delivery) -> bool:
        return self._deliveries.create(delivery)

    def due_for(self, destination_id: str, now: datetime, limit: int) -> list[Delivery]:
        return self._deliveries.due_for(destination_id, now, limit)

    def deliveries_of(self, destination_id: str, status: DeliveryStatus) -> list[Delivery]:
        return self._deliveries.of(destination_id, status)

    def save_delivery(self, delivery: Delivery) -> Delivery:
        return self._deliveries.save(delivery)
