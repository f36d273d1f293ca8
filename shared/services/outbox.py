"""Announcing events: stored in the outbox with the change, published right after,
and swept on a schedule so a crash between the two loses nothing."""
from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from datetime import timedelta

from shared import logs
from shared.domain.events import DomainEvent
from shared.ports import Clock, EventPublisher, Outbox


def announce(events: Sequence[DomainEvent], *, outbox: Outbox, publisher: EventPublisher) -> int:
    """Publishes freshly committed events; what fails stays in the outbox for the sweep."""
    published = 0
    for event in events:
        try:
            message_id = publisher.publish(event)
        except Exception as exc:  # the sweep retries; the change itself is already safe
            logs.warning("event left in outbox for the sweep", event_id=event.id,
                         event_type=event.type, case_id=event.case_id, error=type(exc).__name__)
            continue
        outbox.remove(event.id)
        published += 1
        logs.info("event published", event_id=event.id, event_type=event.type,
                  case_id=event.case_id, message_id=message_id)
    return published


def drain_outbox(*, outbox: Outbox, publisher: EventPublisher, clock: Clock,
                 grace_seconds: float, batch_size: int = 200) -> int:
    """Publishes events left behind for longer than ``grace_seconds``.

    Two sweeps at once may both publish an event: consumers are idempotent on the
    event's state change, so a duplicate changes nothing. A publish failure raises,
    so the scheduler's message is redelivered and the sweep runs again.

    Every run, failed or not, ends with one line ``outbox sweep checked``: the age of the
    oldest event still in the outbox (``oldest_age_seconds``, 0 when empty) and how many
    this run published. The alert "outbox events older than 10 minutes" reads it
    (infra/terraform/log_metrics.tf).
    """
    cutoff = clock.now() - timedelta(seconds=grace_seconds)
    total = 0
    try:
        while True:
            batch = outbox.pending(cutoff, batch_size)
            for event in batch:
                publisher.publish(event)
                outbox.remove(event.id)
                total += 1
            if len(batch) < batch_size:
                break
    except Exception:
        with suppress(Exception):  # the publish failure is what the caller must see
            _checked(outbox, clock, total, failed=True)
        raise
    _checked(outbox, clock, total, failed=False)
    if total:
        logs.warning("outbox sweep published events left behind", count=total)
    return total


def _checked(outbox: Outbox, clock: Clock, published: int, *, failed: bool) -> None:
    oldest = outbox.oldest_pending()
    age = max(0.0, (clock.now() - oldest).total_seconds()) if oldest is not None else 0.0
    logs.info("outbox sweep checked", oldest_age_seconds=round(age, 1), published=published, failed=failed)
