"""FirestoreWebhookStore: ``webhook_subscriptions/{id}`` and ``webhook_deliveries/{event id}~{subscription id}``."""
from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.domain.integrations.webhooks import Delivery, DeliveryStatus, Subscription
from shared.ports import Conflict

SUBSCRIPTIONS, DELIVERIES, NOTIFICATIONS = "webhook_subscriptions", "webhook_deliveries", "notifications"
QUERY_SHAPES = tuple((collection, shape) for collection in (DELIVERIES, NOTIFICATIONS) for shape in (
    (("subscription_id", "=="), ("status", "=="), ("next_attempt_at", "asc")),
    (("subscription_id", "=="), ("status", "=="), ("created_at", "asc")),
))


def _subscription(doc: dict[str, Any]) -> Subscription:
    return Subscription(**{**doc, "event_types": tuple(doc["event_types"])})


def _delivery(snap) -> Delivery:
    doc = snap.to_dict()
    return Delivery(**{**doc, "status": DeliveryStatus(doc["status"]), "version": snap.update_time})


def _delivery_document(delivery: Delivery) -> dict[str, Any]:
    doc = asdict(delivery)
    doc.pop("version")
    doc["status"] = delivery.status.value
    doc["payload"] = dict(delivery.payload)
    return doc


class FirestoreWebhookStore:
    def __init__(self, client: firestore.Client, deliveries: str = DELIVERIES):
        self._db, self._deliveries = client, deliveries

    def add_subscription(self, subscription: Subscription) -> None:
        doc = asdict(subscription)
        doc["event_types"] = list(subscription.event_types)
        self._db.collection(SUBSCRIPTIONS).document(subscription.id).create(doc)

    def get_subscription(self, subscription_id: str) -> Subscription | None:
        snap = self._db.collection(SUBSCRIPTIONS).document(subscription_id).get()
        return _subscription(snap.to_dict()) if snap.exists else None

    def subscriptions(self) -> list[Subscription]:
        return [_subscription(d.to_dict()) for d in self._db.collection(SUBSCRIPTIONS).order_by("created_at").stream()]

    def set_subscription_state(self, subscription_id: str, *, active: bool | None = None,
                               flagged_at: datetime | None | bool = False) -> None:
        changes: dict[str, Any] = {}
        if active is not None:
            changes["active"] = active
        if flagged_at is not False:
            changes["flagged_at"] = flagged_at
        self._db.collection(SUBSCRIPTIONS).document(subscription_id).update(changes)

    def create_delivery(self, delivery: Delivery) -> bool:
        try:
            self._db.collection(self._deliveries).document(delivery.id).create(_delivery_document(delivery))
        except (gexc.AlreadyExists, gexc.Conflict):
            return False
        return True

    def due_for(self, subscription_id: str, now: datetime, limit: int) -> list[Delivery]:
        query = (self._db.collection(self._deliveries)
                 .where(filter=firestore.FieldFilter("subscription_id", "==", subscription_id))
                 .where(filter=firestore.FieldFilter("status", "==", DeliveryStatus.PENDING.value))
                 .where(filter=firestore.FieldFilter("next_attempt_at", "<=", now))
                 .order_by("next_attempt_at").limit(limit))
        return [_delivery(d) for d in query.stream()]

    def deliveries_of(self, subscription_id: str, status: DeliveryStatus) -> list[Delivery]:
        query = (self._db.collection(self._deliveries)
                 .where(filter=firestore.FieldFilter("subscription_id", "==", subscription_id))
                 .where(filter=firestore.FieldFilter("status", "==", status.value))
                 .order_by("created_at"))
        return [_delivery(d) for d in query.stream()]

    def save_delivery(self, delivery: Delivery) -> Delivery:
        """Writes a delivery read before, only if unchanged since; returns it with its new version."""
        ref = self._db.collection(self._deliveries).document(delivery.id)
        try:
            result = ref.update(_delivery_document(delivery),
                                option=self._db.write_option(last_update_time=delivery.version))
        except (gexc.FailedPrecondition, gexc.NotFound, gexc.Aborted) as exc:
            raise Conflict(str(exc)) from exc
        return replace(delivery, version=result.update_time)


class FirestoreNotificationStore(FirestoreWebhookStore):
    """Notifications to people ride the same delivery engine: ``notifications/{id}``,
    with the channels (email, telegram, webhook) as fixed destinations."""

    def __init__(self, client: firestore.Client, channels: list[Subscription]):
        super().__init__(client, NOTIFICATIONS)
        self._channels = {c.id: c for c in channels}

    def subscriptions(self) -> list[Subscription]:
        return list(self._channels.values())

    def get_subscription(self, subscription_id: str) -> Subscription | None:
        return self._channels.get(subscription_id)

    def set_subscription_state(self, subscription_id: str, **changes: Any) -> None:
        pass  # channels are configuration; a parked notification is logged and listed instead
