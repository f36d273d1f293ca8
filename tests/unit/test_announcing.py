"""DeferredAnnouncer: events published behind the answer while another request is in
flight, and never an idle instance with an event unpublished."""
from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Sequence

from shared.domain.events import DomainEvent
from shared.services.announcing import DeferredAnnouncer
from shared.services.intake import receive_complaint
from shared.web.schemas import ComplaintIn
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, FakeUnitOfWork


class GatedPublisher(FakePublisher):
    """Publishes only once ``gate`` is set; ``entered`` is set when a publish starts."""

    def __init__(self) -> None:
        super().__init__()
        self.gate, self.entered = threading.Event(), threading.Event()

    def publish_all(self, events: Sequence[DomainEvent]) -> list[str | BaseException]:
        self.entered.set()
        self.gate.wait(10)
        return super().publish_all(events)


def complaint(n: int) -> ComplaintIn:
    return ComplaintIn(external_id=f"x-{n}", title="Sampah menumpuk", description="Sampah tidak diangkut seminggu.")


def receive(store: FakeCaseStore, announcer: DeferredAnnouncer, n: int, publisher: FakePublisher) -> None:
    receive_complaint(complaint(n), source="demo", delivery_id=f"d-{n}", uow=FakeUnitOfWork(store),
                      publisher=publisher, clock=FakeClock(), behind=announcer)


def test_a_lone_request_answers_only_once_its_event_is_published_and_removed():
    store, publisher = FakeCaseStore(), FakePublisher()
    announcer = DeferredAnnouncer(outbox=store, publisher=publisher)
    with announcer.request():
        receive(store, announcer, 1, publisher)
    assert publisher.types() == ["complaint.received"]
    assert store.outbox == {} and announcer.unsettled == 0


def test_with_another_request_in_flight_the_answer_does_not_wait_and_the_other_one_does():
    store, publisher = FakeCaseStore(), GatedPublisher()
    announcer = DeferredAnnouncer(outbox=store, publisher=publisher)
    other_entered, other_left = threading.Event(), threading.Event()
    release_other = threading.Event()

    def other() -> None:
        with announcer.request():
            other_entered.set()
            release_other.wait(10)
        other_left.set()

    thread = threading.Thread(target=other)
    thread.start()
    assert other_entered.wait(5)
    with announcer.request():
        receive(store, announcer, 1, publisher)
    # answered while the publish is held: the event is in the outbox, the other request in flight
    assert publisher.entered.wait(5) and publisher.published == [] and len(store.outbox) == 1
    release_other.set()
    assert not other_left.wait(0.2), "the last request in flight answered with an event unpublished"
    publisher.gate.set()
    assert other_left.wait(5)
    thread.join()
    assert publisher.types() == ["complaint.received"] and store.outbox == {} and announcer.unsettled == 0


def test_a_new_request_takes_over_the_wait_of_the_last_one():
    store, publisher = FakeCaseStore(), GatedPublisher()
    announcer = DeferredAnnouncer(outbox=store, publisher=publisher)
    first_left = threading.Event()

    def first() -> None:
        with announcer.request():
            receive(store, announcer, 1, publisher)
        first_left.set()

    thread = threading.Thread(target=first)
    thread.start()
    assert publisher.entered.wait(5)
    assert not first_left.wait(0.2)  # the last one in flight: it waits
    with announcer.request():        # another request arrives: the first may answer
        assert first_left.wait(5)
        publisher.gate.set()
    thread.join()
    assert store.outbox == {} and announcer.unsettled == 0


def test_when_the_broker_never_answers_the_last_request_answers_after_the_settle_time(capsys):
    store, publisher = FakeCaseStore(), GatedPublisher()
    announcer = DeferredAnnouncer(outbox=store, publisher=publisher, settle_seconds=0.3)
    started = time.monotonic()
    with announcer.request():
        receive(store, announcer, 1, publisher)
    assert 0.3 <= time.monotonic() - started < 3
    assert len(store.outbox) == 1  # the sweep's, as when an awaited publish times out
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert any(line["message"].startswith("answering with events not yet published") and
               line["severity"] == "WARNING" for line in lines)
    publisher.gate.set()


def test_a_refused_publish_leaves_the_event_in_the_outbox_and_does_not_hold_the_answer(capsys):
    store, publisher = FakeCaseStore(), FakePublisher(fail=True)
    announcer = DeferredAnnouncer(outbox=store, publisher=publisher, settle_seconds=5)
    started = time.monotonic()
    with announcer.request():
        receive(store, announcer, 1, publisher)
    assert time.monotonic() - started < 2 and len(store.outbox) == 1 and announcer.unsettled == 0
    assert "event left in outbox for the sweep" in capsys.readouterr().out


def test_under_concurrent_requests_no_moment_without_a_request_has_an_event_unsettled():
    """Many requests with random publish delays: whenever none is in flight (the instance
    could lose its CPU), nothing is unsettled; every event is published once and removed."""
    store = FakeCaseStore()
    rng = random.Random(13)

    class SlowPublisher(FakePublisher):
        def publish_all(self, events: Sequence[DomainEvent]) -> list[str | BaseException]:
            time.sleep(rng.random() * 0.004)
            return super().publish_all(events)

    publisher = SlowPublisher()
    announcer = DeferredAnnouncer(outbox=store, publisher=publisher)
    counter, lock, idle_unsettled = [0], threading.Lock(), []
    numbers = iter(range(10_000))

    def client() -> None:
        for _ in range(40):
            with lock:
                counter[0] += 1
                n = next(numbers)
            with announcer.request():
                receive(store, announcer, n, publisher)
            with lock:
                counter[0] -= 1
                if counter[0] == 0:
                    idle_unsettled.append(announcer.unsettled)
            time.sleep(rng.random() * 0.002)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert idle_unsettled and set(idle_unsettled) == {0}
    ids = [event.id for event in publisher.published]
    assert len(ids) == len(set(ids)) == 320 and store.outbox == {}
    assert announcer.rounds < 320  # events shared publish rounds


def test_the_worker_outlives_a_failure_it_did_not_expect(capsys):
    store = FakeCaseStore()

    class OddPublisher(FakePublisher):
        """Answers the first round with no outcome at all (a broken contract), then normally."""
        def publish_all(self, events: Sequence[DomainEvent]) -> list[str | BaseException]:
            if not self.signals:
                self.signals.append(("odd", {}))
                return []
            return super().publish_all(events)

    publisher = OddPublisher()
    announcer = DeferredAnnouncer(outbox=store, publisher=publisher, settle_seconds=5)
    for n in (1, 2):
        with announcer.request():
            receive(store, announcer, n, publisher)
    (published,) = publisher.published  # the second complaint's: the worker lived on
    assert list(store.outbox) != [published.id] and len(store.outbox) == 1  # the first's stays for the sweep
    assert announcer.unsettled == 0
    assert "announcing behind the answer failed" in capsys.readouterr().out
