"""What one attempt gave, one delivery's record, and the pure transitions between its
states. Pure, no I/O.

A delivery is pending until an attempt succeeds (delivered) or the retry policy is
spent or the failure is permanent (parked); an admin's re-drive puts a parked one back
in line with a fresh count. ``next_step`` is the one decision every sender shares; the
LAPOR! outbox item maps it onto its own record (shared/domain/integrations/lapor.py).
"""
from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from shared.delivery.policy import RetryPolicy


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave: a status code (HTTP, or SMTP's 250), or an error with no
    answer. ``transient``: worth trying again (False parks at once: the same request
    would be refused the same way). ``retry_after``: seconds the other side asked for."""
    status: int | None
    error: str | None = None
    retry_after: float | None = None
    transient: bool = True

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


class DeliveryStatus(str, Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    PARKED = "parked"


@dataclass(frozen=True)
class Delivery:
    """One message to one destination. ``subscription_id`` names the destination (a
    webhook subscription, or a notification channel such as ``notify-email``); the name
    is the stored field's. ``version`` guards every write (optimistic)."""
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


class Verdict(str, Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    PARKED = "parked"


@dataclass(frozen=True)
class Step:
    verdict: Verdict
    next_attempt_at: datetime | None = None  # set for RETRY


def next_step(attempts: int, outcome: Outcome, now: datetime, policy: RetryPolicy,
              rng: random.Random | None = None) -> Step:
    """What follows the ``attempts``-th attempt (counting it) ending in ``outcome``:
    delivered, parked (a permanent failure, or the policy's last attempt), or a retry
    no sooner than the policy and the Retry-After say."""
    if outcome.ok:
        return Step(Verdict.DELIVERED)
    if not outcome.transient or policy.exhausted(attempts):
        return Step(Verdict.PARKED)
    wait = policy.wait(attempts, outcome.retry_after, rng)
    return Step(Verdict.RETRY, now + timedelta(seconds=wait))


def claimed(delivery: Delivery, now: datetime, lease_seconds: float) -> Delivery:
    """Taken for one attempt: counted, and not due again until the lease ends (so a
    worker that dies mid-attempt leaves it due again, never lost)."""
    return replace(delivery, attempts=delivery.attempts + 1, next_attempt_at=now + timedelta(seconds=lease_seconds))


def after_attempt(delivery: Delivery, outcome: Outcome, now: datetime, policy: RetryPolicy,
                  rng: random.Random | None = None) -> Delivery:
    """The delivery once the attempt counted in ``delivery.attempts`` has this outcome."""
    step = next_step(delivery.attempts, outcome, now, policy, rng)
    if step.verdict is Verdict.DELIVERED:
        return replace(delivery, status=DeliveryStatus.DELIVERED, delivered_at=now, last_status=outcome.status,
                       last_error=None)
    failed = replace(delivery, last_status=outcome.status, last_error=outcome.error)
    if step.verdict is Verdict.PARKED:
        return replace(failed, status=DeliveryStatus.PARKED)
    assert step.next_attempt_at is not None
    return replace(failed, next_attempt_at=step.next_attempt_at)


def parked(delivery: Delivery, reason: str) -> Delivery:
    """Kept, not sent (its destination was deactivated after it was queued)."""
    return replace(delivery, status=DeliveryStatus.PARKED, last_error=reason)


def redriven(delivery: Delivery, now: datetime) -> Delivery:
    """Back in line at once, with a fresh count of attempts."""
    return replace(delivery, status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now)
