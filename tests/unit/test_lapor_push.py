"""Follow-ups, status changes and submissions reach LAPOR! once, in order per case."""
import random
from dataclasses import replace
from datetime import timedelta

import pytest

from shared.domain.case import Case, CaseStatus, Reporter
from shared.domain.integrations.lapor import PUSH_RETRY, ItemState
from shared.ports import LaporRejected
from shared.services.lapor_push import push_to_lapor, queue_submission, record_follow_up, record_status_change, redrive
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, FakeUnitOfWork, add_case
from tests.lapor_fakes import FakeLaporClient, FakeLaporStore, unavailable


@pytest.fixture
def world():
    cases, clock = FakeCaseStore(), FakeClock()
    return cases, FakeLaporStore(cases), FakePublisher(), clock


def city_case(cases, clock, case_id="c-1", **fields):
    case = Case(id=case_id, source="warga", external_id=case_id, title="Lampu PJU mati",
                description="Lampu jalan mati dua minggu.", created_at=clock.now(), status=CaseStatus.ASSIGNED,
                unit_id="dinas-perkim", reporter=Reporter("Budi", "0812", None, anonymous=True), **fields)
    entry = case.next_entry(clock.now(), "source:warga", "received")
    add_case(cases, replace(case, timeline_length=1), entry)
    return case_id


def push(world, client, **kw):
    cases, store, publisher, clock = world
    return push_to_lapor(client=client, store=store, uow=FakeUnitOfWork(cases), publisher=publisher, clock=clock,
                         rng=random.Random(1), **kw)


def test_a_city_complaint_is_submitted_once_and_its_tracking_id_recorded(world):
    cases, store, publisher, clock = world
    case_id = city_case(cases, clock)
    assert queue_submission(case_id, uow=FakeUnitOfWork(cases), publisher=publisher, clock=clock) == "queued"
    assert queue_submission(case_id, uow=FakeUnitOfWork(cases), publisher=publisher, clock=clock) == "already-queued"
    assert publisher.signals == [("lapor-push", {"case_id": case_id})]
    client = FakeLaporClient()
    assert push(world, client).delivered == 1
    case = cases.get(case_id)
    assert case.lapor_tracking_id == "7000000" and cases.timeline(case_id)[-1].action == "lapor_submitted"
    assert not store.items_by_id and len(client.submissions) == 1
    sent = client.submissions  # the anonymous reporter's identity is never sent
    assert queue_submission(case_id, uow=FakeUnitOfWork(cases), publisher=publisher, clock=clock) == "not-needed"
    assert len(sent) == 1


def test_sources_not_chosen_are_not_submitted(world):
    cases, store, publisher, clock = world
    case_id = city_case(cases, clock)
    assert queue_submission(case_id, uow=FakeUnitOfWork(cases), publisher=publisher, clock=clock,
                            sources=("simpel",)) == "not-needed"


def test_follow_up_and_status_are_written_with_their_item_and_delivered_in_order(world):
    cases, store, publisher, clock = world
    case_id = city_case(cases, clock, lapor_tracking_id="555")
    record_follow_up(case_id, "Petugas sudah mengecek lokasi.", actor="unit:dinas-perkim", unit_id="dinas-perkim",
                     uow=FakeUnitOfWork(cases), clock=clock)
    record_status_change(case_id, CaseStatus.IN_PROGRESS, actor="unit:dinas-perkim", note=None,
                         uow=FakeUnitOfWork(cases), clock=clock)
    assert [i.kind.value for i in store.items(10)] == ["follow_up", "status"]
    assert [e.action for e in cases.timeline(case_id)] == ["received", "follow_up", "status_changed"]
    client = FakeLaporClient()
    client.fail["follow_up"] = [unavailable(503)]
    first = push(world, client)
    assert (first.delivered, first.failed, first.waiting) == (0, 1, 1)  # the status waits for the follow-up
    clock.advance(hours=1)
    assert push(world, client).delivered == 2
    assert [s[1] for s in client.statuses] == ["Proses"] and len(client.follow_ups) == 1


def test_after_the_last_attempt_an_item_is_dead_alerts_and_can_be_redriven(world):
    cases, store, publisher, clock = world
    case_id = city_case(cases, clock, lapor_tracking_id="555")
    record_follow_up(case_id, "Sedang dikerjakan.", actor="unit:x", unit_id=None, uow=FakeUnitOfWork(cases),
                     clock=clock)
    client = FakeLaporClient()
    client.fail["follow_up"] = [unavailable(500, retry_after=120)] * 3
    for _ in range(3):
        push(world, client, policy=PUSH_RETRY.with_max_attempts(3))
        item = store.items(1)[0]
        if item.next_attempt_at:
            assert item.next_attempt_at - clock.now() >= timedelta(seconds=120)  # Retry-After honoured
        clock.advance(hours=1)
    assert store.items(1)[0].state is ItemState.DEAD
    assert publisher.published[-1].type == "integration.alert"
    assert push(world, client).delivered == 0
    assert redrive(store=store, clock=clock) == 1
    assert push(world, client).delivered == 1 and len(client.follow_ups) == 1


def test_a_permanent_refusal_is_parked_at_once(world):
    cases, store, publisher, clock = world
    case_id = city_case(cases, clock, lapor_tracking_id="555")
    record_follow_up(case_id, "Teks.", actor="unit:x", unit_id=None, uow=FakeUnitOfWork(cases), clock=clock)
    client = FakeLaporClient()
    client.fail["follow_up"] = [LaporRejected("HTTP 422", status=422)]
    assert push(world, client).dead == 1


def test_a_follow_up_waits_for_the_submission(world):
    cases, store, publisher, clock = world
    case_id = city_case(cases, clock)
    record_follow_up(case_id, "Teks.", actor="unit:x", unit_id=None, uow=FakeUnitOfWork(cases), clock=clock)
    client = FakeLaporClient()
    assert push(world, client).delivered == 0 and not client.follow_ups
    queue_submission(case_id, uow=FakeUnitOfWork(cases), publisher=publisher, clock=clock)
    assert push(world, client).delivered == 2
    assert client.follow_ups[0][0] == cases.get(case_id).lapor_tracking_id


def test_the_command_line_lists_and_redrives(world, monkeypatch, capsys):
    from types import SimpleNamespace

    from infra import lapor_outbox
    from shared import bootstrap
    cases, store, publisher, clock = world
    case_id = city_case(cases, clock, lapor_tracking_id="555")
    record_follow_up(case_id, "Teks.", actor="unit:x", unit_id=None, uow=FakeUnitOfWork(cases), clock=clock)
    item = store.items(1)[0]
    store.save_item(replace(item, state=ItemState.DEAD, attempts=8))
    monkeypatch.setattr(bootstrap, "_app", SimpleNamespace(lapor_store=store, clock=clock))
    assert lapor_outbox.main(["list"]) == 0 and '"state": "dead"' in capsys.readouterr().out
    assert lapor_outbox.main(["redrive", "--case", case_id]) == 0
    assert store.items(1)[0].state is ItemState.PENDING
