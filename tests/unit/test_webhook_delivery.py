"""Outbound webhooks through the one delivery engine: fan-out, the Standard Webhooks
schedule, parking and flagging, re-drive, a slow subscriber, the body's privacy."""
import functools
import threading
import time
from datetime import UTC, datetime, timedelta

from shared.delivery.state import after_attempt, claimed
from shared.domain.integrations.webhooks import (
    RETRY_SCHEDULE,
    WEBHOOK_RETRY,
    DeliveryStatus,
    Outcome,
    Subscription,
    new_delivery,
)
from shared.services import webhooks
from shared.services.webhooks import DeliveryLimits, fan_out, queue_deliveries, redrive
from tests.delivery_fakes import FakeWebhookSender, FakeWebhookStore
from tests.fakes import FakeClock, FakePublisher

deliver_due = functools.partial(webhooks.deliver_due, policy=WEBHOOK_RETRY)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def event(n=1, type_="complaint.assigned"):
    return {"id": f"c-{n}.00002-routed", "type": type_, "case_id": f"c-{n}", "occurred_at": NOW.isoformat(),
            "data": {"unit_id": "dlh", "category": "sampah-kebersihan"}}


def subscribe(store, sid, types=("complaint.assigned",), url=None):
    store.add_subscription(Subscription(sid, url or f"https://{sid}.example/hook", tuple(types), "whsec_x", NOW))


def test_fan_out_once_per_matching_subscription():
    store, clock = FakeWebhookStore(), FakeClock(NOW)
    subscribe(store, "a"), subscribe(store, "b", ("*",)), subscribe(store, "c", ("complaint.received",))
    assert fan_out(event(), store=store, clock=clock) == 2
    assert fan_out(event(), store=store, clock=clock) == 0  # redelivered event
    assert sorted(d.subscription_id for d in store.deliveries.values()) == ["a", "b"]


def test_queue_wakes_the_worker_only_when_something_was_queued():
    store, publisher = FakeWebhookStore(), FakePublisher()
    subscribe(store, "a")
    queue_deliveries(event(), store=store, publisher=publisher, clock=FakeClock(NOW))
    queue_deliveries(event(type_="complaint.triaged"), store=store, publisher=publisher, clock=FakeClock(NOW))
    assert [topic for topic, _ in publisher.signals] == ["webhook-deliveries"]


def test_each_event_reaches_each_subscriber_once_with_a_stable_id():
    store, clock, sender = FakeWebhookStore(), FakeClock(NOW), FakeWebhookSender()
    for sid in ("a", "b"):
        subscribe(store, sid)
    for n in range(5):
        fan_out(event(n), store=store, clock=clock)
    run = deliver_due(store=store, sender=sender, clock=clock)
    assert run.delivered == 10 and len(sender.sent) == 10
    assert deliver_due(store=store, sender=sender, clock=clock).delivered == 0
    assert {(url, mid) for url, mid, _ in sender.sent} == {
        (f"https://{s}.example/hook", f"c-{n}.00002-routed") for s in "ab" for n in range(5)}


def test_failing_three_times_then_recovering_is_delivered_exactly_once():
    store, clock = FakeWebhookStore(), FakeClock(NOW)
    subscribe(store, "a")
    url = "https://a.example/hook"
    sender = FakeWebhookSender({url: [Outcome(500, "HTTP 500"), Outcome(None, "ConnectTimeout"),
                                      Outcome(503, "HTTP 503", retry_after=600)]})
    fan_out(event(), store=store, clock=clock)
    waits = []
    for _ in range(3):
        deliver_due(store=store, sender=sender, clock=clock)
        (delivery,) = store.deliveries.values()
        waits.append((delivery.next_attempt_at - clock.now()).total_seconds())
        assert deliver_due(store=store, sender=sender, clock=clock).delivered == 0  # not due yet
        clock.current = delivery.next_attempt_at
    assert waits == [5, 300, 1800]  # Retry-After 600 is below the schedule's 1800
    assert deliver_due(store=store, sender=sender, clock=clock).delivered == 1
    (delivery,) = store.deliveries.values()
    assert delivery.status is DeliveryStatus.DELIVERED and delivery.attempts == 4 and len(sender.sent) == 4


def test_retry_after_longer_than_the_schedule_is_honoured():
    delivery = claimed(new_delivery(event(), Subscription("a", "u", ("*",), "s", NOW), NOW), NOW, 60)
    later = after_attempt(delivery, Outcome(429, "HTTP 429", retry_after=120), NOW, WEBHOOK_RETRY)
    assert later.next_attempt_at == NOW + timedelta(seconds=120)


def test_last_failure_parks_flags_and_redrive_delivers():
    store, clock = FakeWebhookStore(), FakeClock(NOW)
    subscribe(store, "a")
    url = "https://a.example/hook"
    sender = FakeWebhookSender({url: [Outcome(500, "HTTP 500")] * (len(RETRY_SCHEDULE) + 1)})
    fan_out(event(), store=store, clock=clock)
    for _ in range(len(RETRY_SCHEDULE) + 1):
        deliver_due(store=store, sender=sender, clock=clock)
        clock.advance(days=1)
    (delivery,) = store.deliveries.values()
    assert delivery.status is DeliveryStatus.PARKED and store.get_subscription("a").flagged_at is not None
    assert redrive("a", store=store, clock=clock) == 1 and store.get_subscription("a").flagged_at is None
    assert deliver_due(store=store, sender=sender, clock=clock).delivered == 1


class SlowSender(FakeWebhookSender):
    def __init__(self, slow_url, seconds):
        super().__init__()
        self.slow_url, self.seconds = slow_url, seconds
        self.finished: dict[str, float] = {}

    def post(self, url, secret, message_id, body, at):
        if url == self.slow_url:
            time.sleep(self.seconds)
        outcome = super().post(url, secret, message_id, body, at)
        self.finished[f"{url} {message_id}"] = time.monotonic()
        return outcome


def test_a_hanging_subscriber_does_not_hold_up_the_others():
    store, clock = FakeWebhookStore(), FakeClock(NOW)
    for sid in ("slow", "fast1", "fast2"):
        subscribe(store, sid)
    for n in range(10):
        fan_out(event(n), store=store, clock=clock)
    sender = SlowSender("https://slow.example/hook", 0.3)
    started = time.monotonic()
    worker = threading.Thread(target=deliver_due, kwargs=dict(
        store=store, sender=sender, clock=clock, limits=DeliveryLimits(per_destination=2, workers=8)))
    worker.start()
    worker.join(timeout=30)
    fast = [t - started for k, t in sender.finished.items() if "fast" in k]
    slow = [t - started for k, t in sender.finished.items() if "slow" in k]
    assert len(fast) == 20 and len(slow) == 10
    assert max(fast) < 0.75 and max(slow) > 1.2  # the fast ones are done long before the slow one


def test_a_deactivated_subscription_gets_nothing():
    store, clock, sender = FakeWebhookStore(), FakeClock(NOW), FakeWebhookSender()
    subscribe(store, "a")
    fan_out(event(), store=store, clock=clock)
    store.set_subscription_state("a", active=False)
    deliver_due(store=store, sender=sender, clock=clock)
    assert sender.sent == [] and next(iter(store.deliveries.values())).status is DeliveryStatus.PARKED


def test_the_body_leaves_out_who_was_notified():
    escalated = {**event(), "type": "complaint.escalated",
                 "data": {"level": 2, "recipients": [{"name": "Kepala DLH", "addresses": {"email": "k@x.invalid"}}]}}
    from shared.domain.integrations.webhooks import webhook_body
    body = webhook_body(escalated)
    assert body["data"]["level"] == 2 and "recipients" not in body["data"] and "k@x.invalid" not in str(body)


def test_work_queued_while_a_slow_subscriber_holds_the_run_is_picked_up_in_that_run():
    store, clock = FakeWebhookStore(), FakeClock(NOW)
    subscribe(store, "slow"), subscribe(store, "fast")
    fan_out(event(0), store=store, clock=clock)
    sender = SlowSender("https://slow.example/hook", 1.5)
    worker = threading.Thread(target=deliver_due, kwargs=dict(
        store=store, sender=sender, clock=clock, limits=DeliveryLimits(requery_seconds=0.2)))
    worker.start()
    time.sleep(0.3)
    fan_out(event(1), store=store, clock=clock)  # arrives while the slow attempt is in flight
    time.sleep(0.6)
    assert "https://fast.example/hook c-1.00002-routed" in sender.finished  # delivered, not left for later
    worker.join(timeout=10)
