"""Notifications (e-mail, Telegram, JSON): what shared/services/notify.py records and the
delivery engine sends, with the channels as destinations."""
from __future__ import annotations

from typing import Protocol

from shared.domain.integrations.notifications import Channel
from shared.domain.integrations.webhooks import Delivery
from shared.ports.delivery import DeliveryStore


class NotificationStore(DeliveryStore[Channel], Protocol):
    """The planned messages, recorded once each, and their channels' flags."""
    def create_delivery(self, delivery: Delivery) -> bool:
        """False when it already exists (a redelivered event plans the same message)."""
        ...
