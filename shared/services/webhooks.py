"""Outbound webhooks: fan an event out to its subscriptions; the one delivery engine
(shared/delivery/engine.py) delivers what is due, with each subscription as a
destination holding only its own slots."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared import logs
from shared.delivery.engine import DeliveryLimits, DeliveryRun, deliver_due, redrive
from shared.domain.integrations.webhooks import new_delivery
from shared.ports import Clock, EventPublisher
from shared.ports.webhooks import WebhookStore

__all__ = ["DELIVER_TOPIC", "DeliveryLimits", "DeliveryRun", "deliver_due", "fan_out", "queue_deliveries",
           "redrive"]

DELIVER_TOPIC = "webhook-deliveries"  # a message here wakes the delivery worker


def fan_out(event: Mapping[str, Any], *, store: WebhookStore, clock: Clock) -> int:
    """One delivery per subscription that wants the event; a repeat creates nothing."""
    now = clock.now()
    created = sum(store.create_delivery(new_delivery(event, sub, now))
                  for sub in store.subscriptions() if sub.wants(event["type"]))
    if created:
        logs.info("webhook deliveries queued", event_id=event["id"], event_type=event["type"], count=created)
    return created


def queue_deliveries(event: Mapping[str, Any], *, store: WebhookStore, publisher: EventPublisher,
                     clock: Clock) -> int:
    """Fans the event out and wakes the delivery worker; the worker's schedule catches
    up if the wake-up is lost."""
    created = fan_out(event, store=store, clock=clock)
    if created:
        try:
            publisher.publish_signal(DELIVER_TOPIC, {"event_id": event["id"]})
        except Exception as exc:
            logs.warning("delivery wake-up not sent; the schedule will deliver", error=type(exc).__name__)
    return created
