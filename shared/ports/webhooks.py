"""Outbound webhooks: subscriptions, their deliveries, and the sender (shared/domain/integrations/webhooks.py)."""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from shared.domain.integrations.webhooks import Delivery, Subscription
from shared.ports.delivery import DeliveryStore, Sender, SignedPoster


class WebhookStore(DeliveryStore[Subscription], Protocol):
    """The subscriptions are the delivery engine's destinations."""
    def add_subscription(self, subscription: Subscription) -> None: ...

    def get_subscription(self, subscription_id: str) -> Subscription | None: ...

    def subscriptions(self) -> list[Subscription]: ...

    def set_subscription_state(self, subscription_id: str, *, active: bool | None = None,
                               flagged_at: datetime | None | bool = False) -> None: ...

    def create_delivery(self, delivery: Delivery) -> bool:
        """False when it already exists (a repeated event)."""
        ...


class WebhookSender(Sender[Subscription], SignedPoster, Protocol):
    """``send`` is one delivery attempt to a subscription; ``post`` one signed POST to any URL."""
    def check(self, url: str) -> None:
        """Raises UnsafeUrl for a URL Sigap must not call."""
        ...
