"""deliver_due: sends what is due, destination by destination, each with its own slots.

Guarantees:
- a slow or dead destination holds only its own ``per_destination`` slots and never
  delays the others;
- each attempt is claimed first (an optimistic write that counts the attempt and moves
  the delivery's next attempt past a lease), so two workers never send the same
  attempt, and a worker that dies leaves the delivery due again when the lease ends;
- after each attempt the delivery is delivered, due again when the retry policy says,
  or parked (and its destination flagged) after the last attempt;
- a run stops claiming after ``budget_seconds``; what it leaves is the next run's.
"""
from __future__ import annotations

import random
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from shared import logs
from shared.delivery.policy import RetryPolicy
from shared.delivery.state import Delivery, DeliveryStatus, after_attempt, claimed, parked, redriven
from shared.ports import Clock, Conflict
from shared.ports.delivery import DeliveryStore, Destination, Sender

D = TypeVar("D", bound=Destination)


@dataclass
class DeliveryRun:
    delivered: int = 0
    failed: int = 0
    parked: int = 0
    per_destination: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DeliveryLimits:
    per_destination: int = 4      # attempts in flight to one destination
    workers: int = 32
    lease_seconds: float = 60.0   # > the sender's timeout
    budget_seconds: float = 50.0  # stop claiming after this; the next tick continues
    prefetch_factor: int = 16     # due deliveries fetched per query: per_destination x this
    requery_seconds: float = 1.0  # while a run lasts, a destination with free slots is asked again this often


@dataclass(frozen=True)
class _Job(Generic[D]):
    """One run's fixed parts, handed to each attempt."""
    store: DeliveryStore[D]
    sender: Sender[D]
    clock: Clock
    policy: RetryPolicy
    lease_seconds: float
    run: DeliveryRun
    rng: random.Random | None


def deliver_due(*, store: DeliveryStore[D], sender: Sender[D], clock: Clock, policy: RetryPolicy,
                limits: DeliveryLimits = DeliveryLimits(), rng: random.Random | None = None) -> DeliveryRun:
    """Sends what is due now. Due deliveries are fetched in batches per destination; each
    is claimed by the thread that sends it. What becomes due later is the next run's."""
    run = DeliveryRun()
    destinations = {d.id: d for d in store.destinations()}
    job = _Job(store, sender, clock, policy, limits.lease_seconds, run, rng)
    backlog: dict[str, deque[Delivery]] = {did: deque() for did in destinations}
    more = set(destinations)                       # the last query filled its batch: ask again at once
    asked = {did: float("-inf") for did in destinations}
    inflight = {did: 0 for did in destinations}
    futures: dict[Future[None], str] = {}
    deadline = time.monotonic() + limits.budget_seconds
    prefetch = limits.per_destination * limits.prefetch_factor
    with ThreadPoolExecutor(limits.workers) as pool:
        while True:
            for did, destination in destinations.items():
                while inflight[did] < limits.per_destination and time.monotonic() < deadline:
                    if not backlog[did]:
                        # new work may have arrived while others were in flight: look again,
                        # at most once per requery_seconds unless the last batch was full
                        if did not in more and time.monotonic() - asked[did] < limits.requery_seconds:
                            break
                        batch = store.due_for(did, clock.now(), prefetch)
                        asked[did] = time.monotonic()
                        if len(batch) < prefetch:
                            more.discard(did)
                        else:
                            more.add(did)
                        backlog[did].extend(batch)
                        if not batch:
                            break
                    futures[pool.submit(_claim_and_attempt, job, destination, backlog[did].popleft())] = did
                    inflight[did] += 1
            if not futures:
                break
            done, _ = wait(list(futures), timeout=limits.requery_seconds, return_when=FIRST_COMPLETED)
            for future in done:
                inflight[futures.pop(future)] -= 1
                future.result()
    return run


def _claim_and_attempt(job: _Job[D], destination: D, delivery: Delivery) -> None:
    try:
        taken = job.store.save_delivery(claimed(delivery, job.clock.now(), job.lease_seconds))
    except Conflict:
        return  # another worker took it
    _attempt(job, destination, taken)


def _attempt(job: _Job[D], destination: D, delivery: Delivery) -> None:
    run, now = job.run, job.clock.now
    if not destination.active:  # deactivated after the delivery was queued: keep it, send nothing
        job.store.save_delivery(parked(delivery, "destination deactivated"))
        run.parked += 1
        return
    outcome = job.sender.send(destination, delivery, now())
    result = job.store.save_delivery(after_attempt(delivery, outcome, now(), job.policy, job.rng))
    run.per_destination[destination.id] = run.per_destination.get(destination.id, 0) + 1
    if result.status is DeliveryStatus.DELIVERED:
        run.delivered += 1
        return
    run.failed += 1
    fields = dict(delivery_id=delivery.id, destination_id=destination.id, attempt=delivery.attempts,
                  status=outcome.status, error=outcome.error)
    if result.status is DeliveryStatus.PARKED:
        run.parked += 1
        job.store.flag(destination.id, now())
        logs.error("delivery parked after its last attempt; its destination is flagged", **fields)
    else:
        logs.warning("delivery attempt failed; will retry", next_attempt_at=result.next_attempt_at, **fields)


def redrive(destination_id: str, *, store: DeliveryStore[Destination], clock: Clock) -> int:
    """Puts a destination's parked deliveries back in line and clears its flag; returns how many."""
    count = 0
    for delivery in store.deliveries_of(destination_id, DeliveryStatus.PARKED):
        try:
            store.save_delivery(redriven(delivery, clock.now()))
            count += 1
        except Conflict:
            continue
    store.flag(destination_id, None)
    logs.info("deliveries re-driven", destination_id=destination_id, count=count)
    return count
