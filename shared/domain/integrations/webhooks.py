"""Outbound webhooks to city systems: subscriptions, what a subscriber receives, and
the retry schedule. Pure.

Each event is delivered to each matching subscription as one JSON POST signed the
Standard Webhooks way, with ``webhook-id`` = the event id (stable across retries, so a
receiver de-duplicates). Delivery itself (claims, retries never sooner than a
``Retry-After`` asks, parking after the last attempt and flagging the subscription
until an admin re-drives it) is the one delivery engine's: shared/delivery/.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.delivery.policy import RetryPolicy
from shared.delivery.schedules import WEBHOOK_RETRY_SCHEDULE
from shared.delivery.state import Delivery, DeliveryStatus, Outcome

__all__ = ["PRIVATE_FIELDS", "RETRY_SCHEDULE", "WEBHOOK_RETRY", "Delivery", "DeliveryStatus", "Outcome",
           "Subscription", "delivery_id", "new_delivery", "webhook_body"]

# The Standard Webhooks schedule (shared/delivery/schedules.py); configurable.
RETRY_SCHEDULE = WEBHOOK_RETRY_SCHEDULE
WEBHOOK_RETRY = RetryPolicy.scheduled(RETRY_SCHEDULE)
# Event fields that stay inside Sigap: staff contact details of the people notified.
PRIVATE_FIELDS = frozenset({"recipients"})


@dataclass(frozen=True)
class Subscription:
    id: str
    url: str
    event_types: tuple[str, ...]
    secret: str
    created_at: datetime
    description: str = ""
    active: bool = True
    flagged_at: datetime | None = None  # set when a delivery was parked

    def wants(self, event_type: str) -> bool:
        return self.active and (event_type in self.event_types or "*" in self.event_types)


def delivery_id(event_id: str, subscription_id: str) -> str:
    return f"{event_id}~{subscription_id}"


def new_delivery(event: Mapping[str, Any], subscription: Subscription, now: datetime) -> Delivery:
    return Delivery(delivery_id(event["id"], subscription.id), subscription.id, event["id"], event["type"],
                    event, now, next_attempt_at=now)


def webhook_body(event: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON a subscriber receives (Standard Webhooks payload shape)."""
    data = {k: v for k, v in dict(event.get("data") or {}).items() if k not in PRIVATE_FIELDS}
    return {"type": event["type"], "timestamp": event["occurred_at"],
            "data": {"id": event["id"], "case_id": event["case_id"], **data}}
