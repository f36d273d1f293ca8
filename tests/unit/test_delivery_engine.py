"""The one delivery engine (shared/delivery/engine.py) with a sender of its own: slots per
destination, claims under two workers, retries on the policy, parking, re-drive, leases."""
import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime

from shared.delivery.engine import DeliveryLimits, deliver_due, redrive
from shared.delivery.policy import RetryPolicy
from shared.delivery.state import Delivery, DeliveryStatus, Outcome, claimed
from shared.domain.integrations.webhooks import Subscription
from shared.ports import Conflict
from tests.delivery_fakes import FakeWebhookStore
from tests.fakes import FakeClock

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
POLICY = RetryPolicy.scheduled((5, 300))


class Recorder:
    """A Sender: answers from a script per destination, sleeps where asked, counts what is in flight."""

    def __init__(self, script=None, slow=None, seconds=0.0, pause=0.0):
        self.script = {k: list(v) for k, v in (script or {}).items()}
        self.slow, self.seconds, self.pause = slow, seconds, pause
        self.sent: list[tuple[str, str, int]] = []
        self.finished: dict[str, float] = {}
        self.inflight: Counter[str] = Counter()
        self.most: Counter[str] = Counter()
        self._lock = threading.Lock()

    def send(self, destination, delivery, at):
        with self._lock:
            self.inflight[destination.id] += 1
            self.most[destination.id] = max(self.most[destination.id], self.inflight[destination.id])
            self.sent.append((destination.id, delivery.id, delivery.attempts))
            queue = self.script.get(destination.id)
            outcome = queue.pop(0) if queue else Outcome(200)
        time.sleep(self.seconds if destination.id == self.slow else self.pause)
        with self._lock:
            self.inflight[destination.id] -= 1
            self.finished[delivery.id] = time.monotonic()
        return outcome


def world(*destinations, jobs=1):
    store, clock = FakeWebhookStore(), FakeClock(NOW)
    for did in destinations:
        store.add_subscription(Subscription(did, f"https://{did}.example/hook", ("*",), "whsec_x", NOW))
        for n in range(jobs):
            store.create_delivery(Delivery(f"e-{n}~{did}", did, f"e-{n}", "complaint.assigned", {}, NOW, NOW))
    return store, clock


def test_a_slow_destination_holds_only_its_own_slots():
    store, clock = world("slow", "fast1", "fast2", jobs=8)
    sender = Recorder(slow="slow", seconds=0.25)
    started = time.monotonic()
    run = deliver_due(store=store, sender=sender, clock=clock, policy=POLICY,
                      limits=DeliveryLimits(per_destination=2, workers=16))
    fast = [t - started for k, t in sender.finished.items() if "fast" in k]
    slow = [t - started for k, t in sender.finished.items() if "slow" in k]
    assert run.delivered == 24 and run.per_destination == {"slow": 8, "fast1": 8, "fast2": 8}
    assert sender.most["slow"] == 2 and max(sender.most.values()) <= 2  # never more than its slots
    assert max(fast) < 0.5 and max(slow) >= 4 * 0.25  # the fast ones never waited for the slow one


def test_two_workers_never_send_the_same_attempt():
    store, clock = world("a", "b", jobs=40)
    both_read, lost, raced = threading.Barrier(2), list[str](), set[int]()
    due_for, save = store.due_for, store.save_delivery

    def racing_due_for(destination_id, now, limit):  # both workers read the same batch before either claims
        rows = due_for(destination_id, now, limit)
        if destination_id == "a" and threading.get_ident() not in raced:
            raced.add(threading.get_ident())
            both_read.wait(timeout=5)
        return rows

    def counting_save(delivery):
        try:
            return save(delivery)
        except Conflict:
            lost.append(delivery.id)
            raise

    store.due_for, store.save_delivery = racing_due_for, counting_save
    sender = Recorder(pause=0.002)
    limits = DeliveryLimits(per_destination=4, workers=8, requery_seconds=0.05)
    workers = [threading.Thread(target=deliver_due, kwargs=dict(store=store, sender=sender, clock=clock,
                                                                policy=POLICY, limits=limits)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)
    assert lost  # the workers did compete for the same deliveries
    assert len(sender.sent) == 80 and len(set(sender.sent)) == 80  # each (delivery, attempt) once
    assert {d for _, d, _ in sender.sent} == set(store.deliveries)
    assert all(d.status is DeliveryStatus.DELIVERED and d.attempts == 1 for d in store.deliveries.values())


def test_a_delivery_claimed_by_another_worker_is_not_sent():
    store, clock = world("a", jobs=1)

    class Stale(FakeWebhookStore):
        """Hands out the copy read before another worker claimed it."""
        def __init__(self, inner):
            self.__dict__ = inner.__dict__
            self.stale = inner.due_for("a", NOW, 10)

        def due_for(self, destination_id, now, limit):
            rows, self.stale = self.stale, []
            return rows

    stale = Stale(store)
    (copy,) = stale.stale
    store.save_delivery(claimed(copy, NOW, 60))  # the other worker's claim
    sender = Recorder()
    assert deliver_due(store=stale, sender=sender, clock=clock, policy=POLICY).delivered == 0 and sender.sent == []


def test_a_transient_failure_is_retried_on_the_policy_and_never_sooner_than_retry_after():
    store, clock = world("a")
    policy = RetryPolicy(max_attempts=5, base_seconds=10, cap_seconds=100)
    sender = Recorder({"a": [Outcome(None, "ConnectTimeout"), Outcome(429, "HTTP 429", retry_after=500)]})
    waits = []
    for _ in range(2):
        deliver_due(store=store, sender=sender, clock=clock, policy=policy, rng=random.Random(5))
        (delivery,) = store.deliveries.values()
        waits.append((delivery.next_attempt_at - clock.now()).total_seconds())
        assert deliver_due(store=store, sender=sender, clock=clock, policy=policy).delivered == 0  # not yet due
        clock.current = delivery.next_attempt_at
    assert 5 <= waits[0] <= 10 and waits[1] == 500
    assert deliver_due(store=store, sender=sender, clock=clock, policy=policy).delivered == 1
    (delivery,) = store.deliveries.values()
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 3 and delivery.last_error is None


def test_parked_after_the_last_attempt_or_at_once_when_permanent_then_redriven():
    store, clock = world("a", "b")
    sender = Recorder({"a": [Outcome(500, "HTTP 500")] * 3, "b": [Outcome(None, "refused", transient=False)]})
    for _ in range(3):
        deliver_due(store=store, sender=sender, clock=clock, policy=POLICY)
        clock.advance(hours=1)
    a, b = store.deliveries["e-0~a"], store.deliveries["e-0~b"]
    assert (a.status, a.attempts, a.last_status) == (DeliveryStatus.PARKED, 3, 500)
    assert (b.status, b.attempts, b.last_error) == (DeliveryStatus.PARKED, 1, "refused")
    assert store.get_subscription("a").flagged_at is not None and store.get_subscription("b").flagged_at is not None
    assert redrive("a", store=store, clock=clock) == 1 and store.get_subscription("a").flagged_at is None
    assert store.deliveries["e-0~a"].attempts == 0
    run = deliver_due(store=store, sender=sender, clock=clock, policy=POLICY)
    assert run.delivered == 1 and store.deliveries["e-0~b"].status is DeliveryStatus.PARKED  # only what was re-driven


def test_an_attempt_whose_worker_died_is_due_again_when_its_lease_ends():
    store, clock = world("a")
    (delivery,) = store.deliveries.values()
    store.save_delivery(claimed(delivery, NOW, 60))  # claimed, then the worker died
    sender = Recorder()
    assert deliver_due(store=store, sender=sender, clock=clock, policy=POLICY).delivered == 0
    clock.advance(seconds=61)
    assert deliver_due(store=store, sender=sender, clock=clock, policy=POLICY).delivered == 1
    assert store.deliveries["e-0~a"].attempts == 2  # the lost attempt counts


def test_a_run_out_of_budget_claims_nothing_more():
    store, clock = world("a", jobs=3)
    run = deliver_due(store=store, sender=Recorder(), clock=clock, policy=POLICY,
                      limits=DeliveryLimits(budget_seconds=0))
    assert run.delivered == 0 and all(d.attempts == 0 for d in store.deliveries.values())
