"""Outbound webhooks to city systems: subscriptions, deliveries and their retry clock. Pure.

Each event is delivered to each matching subscription as one JSON POST signed the
Standard Webhooks way, with ``webhook-id`` = the event id (stable across retries, so a
receiver de-duplicates). Failures are retried on the Standard Webhooks schedule
(about 27.6 hours in all), never sooner than a ``Retry-After`` asks; after the last
attempt the delivery is parked and the subscription flagged until an admin re-drives it.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Mapping

# Seconds to wait before attempt n+1 after attempt n failed (n = 1..len): the Standard
# Webhooks schedule; configurable (SIGAP_WEBHOOK_RETRY_SCHEDULE). Attempts = len + 1.
RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)
MAX_RETRY_AFTER = 86400
# Event fields that stay inside Sigap: staff contact details of the people notified.
PRIVATE_FIELDS = frozenset({"recipients"})


class DeliveryStatus(str, Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    PARKED = "parked"


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


@dataclass(frozen=True)
class Delivery:
    id: str
    subscription_id: str
    event_id: str
    event_type: str
    payload: Mapping[str, Any]
    created_at: datetime
    next_attempt_at: datetime
    status: DeliveryStatus = DeliveryStatus.PENDING
    attempts: int = 0
    last_status: int | None = None
    last_error: str | None = None
    delivered_at: datetime | None = None
    version: Any = None


@dataclass(frozen=True)
class Outcome:
    """What one HTTP attempt gave: a status code, or an error with no answer."""
    status: int | None
    error: str | None = None
    retry_after: float | None = None  # seconds, from the Retry-After header

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def delivery_id(event_id: str, subscription_id: str) -> str:
    return f"{event_id}~{subscription_id}"


def new_delivery(event: Mapping[str, Any], subscription: Subscription, now: datetime) -> Delivery:
    return Delivery(delivery_id(event["id"], subscription.id), subscription.id, event["id"], event["type"],
                    event, now, next_attempt_at=now)


def claimed(delivery: Delivery, now: datetime, lease_seconds: float) -> Delivery:
    """Taken for one attempt: not due again until the lease ends (if the worker dies)."""
    return replace(delivery, attempts=delivery.attempts + 1, next_attempt_at=now + timedelta(seconds=lease_seconds))


def after_attempt(delivery: Delivery, outcome: Outcome, now: datetime,
                  schedule: tuple[float, ...] = RETRY_SCHEDULE) -> Delivery:
    """The delivery once the attempt counted in ``delivery.attempts`` has this outcome."""
    if outcome.ok:
        return replace(delivery, status=DeliveryStatus.DELIVERED, delivered_at=now, last_status=outcome.status,
                       last_error=None)
    failed = replace(delivery, last_status=outcome.status, last_error=outcome.error)
    if delivery.attempts > len(schedule):
        return replace(failed, status=DeliveryStatus.PARKED)
    wait = float(schedule[delivery.attempts - 1])
    if outcome.retry_after is not None:
        wait = max(wait, min(outcome.retry_after, MAX_RETRY_AFTER))
    return replace(failed, next_attempt_at=now + timedelta(seconds=wait))


def redriven(delivery: Delivery, now: datetime) -> Delivery:
    return replace(delivery, status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now)


def webhook_body(event: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON a subscriber receives (Standard Webhooks payload shape)."""
    data = {k: v for k, v in dict(event.get("data") or {}).items() if k not in PRIVATE_FIELDS}
    return {"type": event["type"], "timestamp": event["occurred_at"],
            "data": {"id": event["id"], "case_id": event["case_id"], **data}}
