"""FirestoreNotificationStore: ``notifications/{event id}~{channel}-{hash}`` and the
channels' flags in ``notification_channels/{channel id}`` ({``flagged_at``})."""
from __future__ import annotations

from datetime import datetime

from google.cloud import firestore

from shared.adapters.firestore_deliveries import NOTIFICATIONS, FirestoreDeliveries
from shared.delivery.state import Delivery, DeliveryStatus
from shared.domain.integrations.notifications import CHANNELS, Channel, all_channels, channel_id

CHANNEL_STATE = "notification_channels"


class FirestoreNotificationStore:
    """Implements shared.ports.notifications.NotificationStore. The channels are configuration
    (shared/domain/integrations/notifications.py); only their flag is stored: set when a
    notification was parked, cleared by a re-drive."""

    def __init__(self, client: firestore.Client, deliveries: str = NOTIFICATIONS):
        self._db, self._deliveries = client, FirestoreDeliveries(client, deliveries)

    def destinations(self) -> list[Channel]:
        refs = [self._db.collection(CHANNEL_STATE).document(channel_id(name)) for name in CHANNELS]
        flags = {snap.id: (snap.to_dict() or {}).get("flagged_at") for snap in self._db.get_all(refs) if snap.exists}
        return all_channels(flags)

    def flag(self, destination_id: str, at: datetime | None) -> None:
        self._db.collection(CHANNEL_STATE).document(destination_id).set({"flagged_at": at}, merge=True)

    def create_delivery(self, delivery: Delivery) -> bool:
        return self._deliveries.create(delivery)

    def due_for(self, destination_id: str, now: datetime, limit: int) -> list[Delivery]:
        return self._deliveries.due_for(destination_id, now, limit)

    def deliveries_of(self, destination_id: str, status: DeliveryStatus) -> list[Delivery]:
        return self._deliveries.of(destination_id, status)

    def save_delivery(self, delivery: Delivery) -> Delivery:
        return self._deliveries.save(delivery)
