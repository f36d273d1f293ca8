"""Outbound webhooks: fan an event out to its subscriptions, then deliver what is due.

Delivery runs many attempts at once with a cap per subscription, so a slow or dead
subscriber holds only its own slots and never delays the others. Each attempt is
claimed first (an optimistic write that also moves the delivery's next attempt past a
lease), so two workers never send the same attempt; a worker that dies leaves the
delivery due again when the lease ends.
"""
from __future__ import annotations

import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from shared import logs
from shared.domain.integrations.webhooks import (RETRY_SCHEDULE, Delivery, DeliveryStatus, Subscription, after_attempt, claimed,
                                    new_delivery, redriven, webhook_body)
from shared.ports import Clock, Conflict


def fan_out(event: Mapping[str, Any], *, store: Any, clock: Clock) -> int:
    """One delivery per subscription that wants the event; a repeat creates nothing."""
    now = clock.now()
    created = sum(store.create_delivery(new_delivery(event, sub, now))
                  for sub in store.subscriptions() if sub.wants(event["type"]))
    if created:
        logs.info("webhook deliveries queued", event_id=event["id"], event_type=event["type"], count=created)
    return created


DELIVER_TOPIC = "webhook-deliveries"  # a message here wakes the delivery worker


def queue_deliveries(event: Mapping[str, Any], *, store: Any, publisher: Any, clock: Clock) -> int:
    """Fans the event out and wakes the delivery worker; the worker's schedule catches
    up if the wake-up is lost."""
    created = fan_out(event, store=store, clock=clock)
    if created:
        try:
            publisher.publish_signal(DELIVER_TOPIC, {"event_id": event["id"]})
        except Exception as exc:
            logs.warning("delivery wake-up not sent; the schedule will deliver", error=type(exc).__name__)
    return created


@dataclass
class DeliveryRun:
    delivered: int = 0
    failed: int = 0
    parked: int = 0
    per_subscription: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryLimits:
    per_subscription: int = 4     # attempts in flight to one subscriber
    workers: int = 32
    lease_seconds: float = 60.0   # > the sender's timeout
    budget_seconds: float = 50.0  # stop claiming after this; the next tick continues
    schedule: tuple[float, ...] = RETRY_SCHEDULE
    prefetch_factor: int = 16     # due deliveries fetched per query: per_subscription x this
    requery_seconds: float = 1.0  # while a run lasts, a subscription with free slots is asked again this often


def deliver_due(*, store: Any, sender: Any, clock: Clock, limits: DeliveryLimits = DeliveryLimits()) -> DeliveryRun:
    """Sends what is due now, subscription by subscription, each with its own slots.
    Due deliveries are fetched in batches per subscription; each is claimed by the
    thread that sends it. What becomes due later is the next run's."""
    run = DeliveryRun()
    subscriptions = {s.id: s for s in store.subscriptions()}
    backlog: dict[str, deque[Delivery]] = {sid: deque() for sid in subscriptions}
    more = set(subscriptions)                      # the last query filled its batch: ask again at once
    asked = {sid: float("-inf") for sid in subscriptions}
    inflight = {sid: 0 for sid in subscriptions}
    futures: dict[Future, str] = {}
    deadline = time.monotonic() + limits.budget_seconds
    prefetch = limits.per_subscription * limits.prefetch_factor
    with ThreadPoolExecutor(limits.workers) as pool:
        while True:
            for sid, subscription in subscriptions.items():
                while inflight[sid] < limits.per_subscription and time.monotonic() < deadline:
                    if not backlog[sid]:
                        # new work may have arrived while others were in flight: look again,
                        # at most once a second unless the last batch was full
                        if sid not in more and time.monotonic() - asked[sid] < limits.requery_seconds:
                            break
                        batch = store.due_for(sid, clock.now(), prefetch)
                        asked[sid] = time.monotonic()
                        if len(batch) < prefetch:
                            more.discard(sid)
                        else:
                            more.add(sid)
                        backlog[sid].extend(batch)
                        if not batch:
                            break
                    delivery = backlog[sid].popleft()
                    futures[pool.submit(_claim_and_attempt, store, sender, clock, subscription, delivery, run,
                                        limits)] = sid
                    inflight[sid] += 1
            if not futures:
                break
            done, _ = wait(list(futures), timeout=limits.requery_seconds, return_when=FIRST_COMPLETED)
            for future in done:
                inflight[futures.pop(future)] -= 1
                future.result()
    return run


def _claim_and_attempt(store: Any, sender: Any, clock: Clock, subscription: Subscription, delivery: Delivery,
                       run: DeliveryRun, limits: DeliveryLimits) -> None:
    try:
        taken = store.save_delivery(claimed(delivery, clock.now(), limits.lease_seconds))
    except Conflict:
        return  # another worker took it
    _attempt(store, sender, clock, subscription, taken, run, limits.schedule)


def _attempt(store: Any, sender: Any, clock: Clock, subscription: Subscription, delivery: Delivery,
             run: DeliveryRun, schedule: tuple[float, ...]) -> None:
    if not subscription.active:  # deactivated after the delivery was queued: keep it, send nothing
        store.save_delivery(replace(delivery, status=DeliveryStatus.PARKED, last_error="subscription deactivated"))
        run.parked += 1
        return
    outcome = sender.send(subscription.url, subscription.secret, delivery.event_id,
                          webhook_body(delivery.payload), clock.now())
    result = store.save_delivery(after_attempt(delivery, outcome, clock.now(), schedule))
    run.per_subscription[subscription.id] = run.per_subscription.get(subscription.id, 0) + 1
    if result.status is DeliveryStatus.DELIVERED:
        run.delivered += 1
        return
    run.failed += 1
    fields = dict(delivery_id=delivery.id, subscription_id=subscription.id, attempt=delivery.attempts,
                  status=outcome.status, error=outcome.error)
    if result.status is DeliveryStatus.PARKED:
        run.parked += 1
        store.set_subscription_state(subscription.id, flagged_at=clock.now())
        logs.error("delivery parked after its last attempt; its destination is flagged", **fields)
    else:
        logs.warning("delivery attempt failed; will retry", next_attempt_at=result.next_attempt_at, **fields)


def redrive(subscription_id: str, *, store: Any, clock: Clock) -> int:
    """Puts a subscription's parked deliveries back in line and clears its flag."""
    count = 0
    for delivery in store.deliveries_of(subscription_id, DeliveryStatus.PARKED):
        try:
            store.save_delivery(redriven(delivery, clock.now()))
            count += 1
        except Conflict:
            continue
    store.set_subscription_state(subscription_id, flagged_at=None)
    logs.info("webhook deliveries re-driven", subscription_id=subscription_id, count=count)
    return count
