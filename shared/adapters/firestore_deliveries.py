"""FirestoreDeliveries: one collection of delivery records (shared/delivery/state.py),
``{collection}/{delivery id}``; the webhook and notification stores each own one."""
from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.adapters.retention import EXPIRE_AT, expire_at
from shared.delivery.state import Delivery, DeliveryStatus
from shared.ports import Conflict

DELIVERIES, NOTIFICATIONS = "webhook_deliveries", "notifications"
QUERY_SHAPES = tuple((collection, shape) for collection in (DELIVERIES, NOTIFICATIONS) for shape in (
    (("subscription_id", "=="), ("status", "=="), ("next_attempt_at", "asc")),
    (("subscription_id", "=="), ("status", "=="), ("created_at", "asc")),
))


def _delivery(snap: Any) -> Delivery:
    doc = snap.to_dict()
    doc.pop(EXPIRE_AT, None)
    return Delivery(**{**doc, "status": DeliveryStatus(doc["status"]), "version": snap.update_time})


def _document(delivery: Delivery) -> dict[str, Any]:
    doc = asdict(delivery)
    doc.pop("version")
    doc["status"] = delivery.status.value
    doc["payload"] = dict(delivery.payload)
    if delivery.status is DeliveryStatus.DELIVERED and delivery.delivered_at is not None:
        doc[EXPIRE_AT] = expire_at(delivery.delivered_at)  # the TTL policy deletes it then
    return doc


class FirestoreDeliveries:
    """Create once, query what is due, write only over the version read (optimistic)."""

    def __init__(self, client: firestore.Client, collection: str):
        self._db, self._collection = client, collection

    def create(self, delivery: Delivery) -> bool:
        try:
            self._db.collection(self._collection).document(delivery.id).create(_document(delivery))
        except (gexc.AlreadyExists, gexc.Conflict):
            return False
        return True

    def due_for(self, destination_id: str, now: datetime, limit: int) -> list[Delivery]:
        query = (self._db.collection(self._collection)
                 .where(filter=firestore.FieldFilter("subscription_id", "==", destination_id))
                 .where(filter=firestore.FieldFilter("status", "==", DeliveryStatus.PENDING.value))
                 .where(filter=firestore.FieldFilter("next_attempt_at", "<=", now))
                 .order_by("next_attempt_at").limit(limit))
        return [_delivery(d) for d in query.stream()]

    def of(self, destination_id: str, status: DeliveryStatus) -> list[Delivery]:
        query = (self._db.collection(self._collection)
                 .where(filter=firestore.FieldFilter("subscription_id", "==", destination_id))
                 .where(filter=firestore.FieldFilter("status", "==", status.value))
                 .order_by("created_at"))
        return [_delivery(d) for d in query.stream()]

    def save(self, delivery: Delivery) -> Delivery:
        """Writes a delivery read before, only if unchanged since; returns it with its new version."""
        ref = self._db.collection(self._collection).document(delivery.id)
        try:
            result = ref.update(_document(delivery), option=self._db.write_option(last_update_time=delivery.version))
        except (gexc.FailedPrecondition, gexc.NotFound, gexc.Aborted) as exc:
            raise Conflict(str(exc)) from exc
        return replace(delivery, version=result.update_time)
