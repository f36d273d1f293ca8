import pytest

from shared.services.intake import receive_complaint
from shared.services.outbox import drain_outbox
from shared.web.schemas import ComplaintIn
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, FakeUnitOfWork


def stored_events(store, clock, count):
    for i in range(count):
        receive_complaint(ComplaintIn(external_id=f"x-{i}", title="Sampah menumpuk",
                                      description="Sampah tidak diangkut seminggu."),
                          source="demo", delivery_id=f"d-{i}", uow=FakeUnitOfWork(store),
                          publisher=FakePublisher(fail=True), clock=clock)


def test_sweep_publishes_what_was_left_behind_once():
    store, clock, publisher = FakeCaseStore(), FakeClock(), FakePublisher()
    stored_events(store, clock, 450)
    clock.advance(seconds=31)
    assert drain_outbox(outbox=store, publisher=publisher, clock=clock, grace_seconds=30, batch_size=200) == 450
    assert len({e.id for e in publisher.published}) == 450 and store.outbox == {}
    assert drain_outbox(outbox=store, publisher=publisher, clock=clock, grace_seconds=30) == 0


def test_sweep_leaves_fresh_events_to_the_inline_publish():
    store, clock, publisher = FakeCaseStore(), FakeClock(), FakePublisher()
    stored_events(store, clock, 3)
    clock.advance(seconds=5)
    assert drain_outbox(outbox=store, publisher=publisher, clock=clock, grace_seconds=30) == 0
    assert len(store.outbox) == 3


def test_sweep_raises_when_the_broker_is_down_and_keeps_the_events():
    store, clock = FakeCaseStore(), FakeClock()
    stored_events(store, clock, 2)
    clock.advance(seconds=60)
    with pytest.raises(ConnectionError):
        drain_outbox(outbox=store, publisher=FakePublisher(fail=True), clock=clock, grace_seconds=30)
    assert len(store.outbox) == 2


def checked_lines(capsys):
    import json
    return [line for line in map(json.loads, capsys.readouterr().out.splitlines())
            if line["message"] == "outbox sweep checked"]


def test_every_sweep_reports_the_age_of_the_oldest_event_still_pending(capsys):
    store, clock, publisher = FakeCaseStore(), FakeClock(), FakePublisher()
    drain_outbox(outbox=store, publisher=publisher, clock=clock, grace_seconds=30)
    (empty,) = checked_lines(capsys)
    assert (empty["oldest_age_seconds"], empty["published"], empty["severity"]) == (0, 0, "INFO")
    stored_events(store, clock, 2)
    clock.advance(seconds=40)
    receive_complaint(ComplaintIn(external_id="late", title="Lampu jalan mati", description="Sudah tiga malam."),
                      source="demo", delivery_id="late", uow=FakeUnitOfWork(store),
                      publisher=FakePublisher(fail=True), clock=clock)
    clock.advance(seconds=10)
    drain_outbox(outbox=store, publisher=publisher, clock=clock, grace_seconds=30)
    (line,) = checked_lines(capsys)
    assert line["published"] == 2 and len(store.outbox) == 1
    assert line["oldest_age_seconds"] == 10.0  # the fresh one, left to the inline publish


def test_a_failing_sweep_still_reports_how_old_its_stuck_events_are(capsys):
    store, clock = FakeCaseStore(), FakeClock()
    stored_events(store, clock, 2)
    clock.advance(seconds=700)
    with pytest.raises(ConnectionError):
        drain_outbox(outbox=store, publisher=FakePublisher(fail=True), clock=clock, grace_seconds=30)
    (line,) = checked_lines(capsys)
    assert line["oldest_age_seconds"] == 700.0 and line["failed"] is True and line["published"] == 0
