"""Announcing behind the answer: an instance publishes committed events after it has
answered, for as long as it is serving another request, and never goes idle with an
event unpublished.

Why: an awaited publish (and the outbox delete after it) takes half of intake's time per
complaint (docs/benchmarks.md). Under load an instance serves many requests at once, and
those requests can answer as soon as their commit is done: their events, already in the
outbox, go out behind the answer, many per publish and per outbox commit.

What keeps it safe on Cloud Run functions, whose instances get CPU only while a request
is in flight: the *last* request in flight does not answer while an event is unsettled
(queued, being published or being removed from the outbox). It waits until every one is
settled, or until another request arrives (which then carries the same duty), or until
``settle_seconds`` pass (the broker is down: the events stay in the outbox, the sweep
publishes them, as when an awaited publish fails). So a lone complaint, the usual case
in Kota Metro, is published before its answer exactly as before, and a busy instance
never leaves one waiting for the sweep.

What an answer promises is unchanged: the case and its event are committed (the outbox
holds the event until the broker has it). Events are published at least once, as before:
a removal that fails leaves the event for the sweep, and consumers ignore the repeat.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from shared import logs
from shared.domain.events import DomainEvent
from shared.ports import EventPublisher, Outbox

MAX_BATCH = 100  # events per publish round and per outbox commit (Pub/Sub's batch holds 100 here)


class DeferredAnnouncer:
    """One per instance; thread-safe. ``request()`` brackets every request the instance
    serves; ``announce(events)`` hands over events committed by one of them."""

    def __init__(self, *, outbox: Outbox, publisher: EventPublisher, settle_seconds: float = 15.0):
        self._outbox, self._publisher, self._settle_seconds = outbox, publisher, settle_seconds
        self._state = threading.Condition()
        self._queue: list[DomainEvent] = []
        self._unsettled = 0  # queued, or taken by the worker and not yet published and removed
        self._in_flight = 0
        self._worker: threading.Thread | None = None
        self.rounds = 0  # publish rounds run (each publishes up to MAX_BATCH events)

    @property
    def unsettled(self) -> int:
        with self._state:
            return self._unsettled

    @contextmanager
    def request(self) -> Iterator[None]:
        """One request in flight: on leaving, the last one waits for every event to settle."""
        with self._state:
            self._in_flight += 1
            self._state.notify_all()  # a last request waiting can answer: this one takes over
        try:
            yield
        finally:
            self._leave()

    def announce(self, events: Sequence[DomainEvent]) -> None:
        """Publishes ``events`` (already committed to the outbox) behind the answer."""
        if not events:
            return
        with self._state:
            self._queue.extend(events)
            self._unsettled += len(events)
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="sigap-announcer", daemon=True)
                self._worker.start()
            self._state.notify_all()

    def _leave(self) -> None:
        deadline = time.monotonic() + self._settle_seconds
        with self._state:
            self._in_flight -= 1
            while self._unsettled and not self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    logs.warning("answering with events not yet published: they stay in the outbox for the sweep",
                                 unsettled=self._unsettled, waited_seconds=self._settle_seconds)
                    return
                self._state.wait(remaining)

    def _work(self) -> None:
        while True:
            with self._state:
                while not self._queue:
                    self._state.wait()
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                self._publish(batch)
            except Exception as exc:  # the worker must outlive any surprise: the events stay in the outbox
                logs.error("announcing behind the answer failed: events left in the outbox for the sweep",
                           count=len(batch), error=type(exc).__name__)
            finally:
                with self._state:
                    self._unsettled -= len(batch)
                    self.rounds += 1
                    self._state.notify_all()

    def _publish(self, batch: list[DomainEvent]) -> None:
        try:
            outcomes = self._publisher.publish_all(batch)
        except Exception as exc:  # whatever the broker did, the outbox keeps them
            outcomes = [exc] * len(batch)
        published = []
        for event, outcome in zip(batch, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                logs.warning("event left in outbox for the sweep", event_id=event.id, event_type=event.type,
                             case_id=event.case_id, error=type(outcome).__name__)
                continue
            published.append(event)
            logs.info("event published", event_id=event.id, event_type=event.type, case_id=event.case_id,
                      message_id=outcome)
        if not published:
            return
        try:
            self._outbox.remove_all([event.id for event in published])
        except Exception as exc:  # published already: the sweep's repeat is harmless
            logs.warning("published events not removed from the outbox: the sweep will publish them again",
                         count=len(published), error=type(exc).__name__)
