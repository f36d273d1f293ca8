"""One clock, true from the first moment: deadlines from the anchor, levels spaced by
real working time, late cases told once, ticks applied once whatever their number."""
from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.domain.case import CaseStatus
from shared.services.escalation import escalate_due
from shared.services.routing import route_case
from tests.escalation_support import CATALOG, ESCALATION, received, routed
from tests.escalation_support import RULES as ROUTING
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, FakeUnitOfWork, add_case, update_case

RULES, CAL, STEP = ESCALATION.rules, ESCALATION.rules.calendar, ESCALATION.policy.step_days
MONDAY = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)   # 10:00 WIB
NOVEMBER_2 = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)


def tick(store, publisher, at):
    return escalate_due(queue=store, uow=FakeUnitOfWork(store), publisher=publisher, catalog=CATALOG,
                        escalation=ESCALATION, as_of=at)


def hourly(start, days):
    at, end = start, CAL.add_working_days(start, days)
    while at <= end:
        yield at
        at += timedelta(hours=1)


def levels(publisher):
    return [(e.occurred_at, e.data["level"]) for e in publisher.published if e.type == "complaint.escalated"]


def test_a_report_disposed_weeks_ago_is_late_on_arrival_and_told_once():
    store, publisher = FakeCaseStore(), FakePublisher()
    case, entry = received("late-1", MONDAY, national_received_at=NOVEMBER_2)
    add_case(store, case, entry)
    for _ in range(2):  # complaint.received delivered twice
        route_case(case.id, uow=FakeUnitOfWork(store), publisher=publisher, catalog=CATALOG, rules=ROUTING,
                   clock=FakeClock(MONDAY), escalation=ESCALATION)
    stored = store.get(case.id)
    assert stored is not None and stored.clock is not None, "the routed case is stored with its clock"
    case, clock = stored, stored.clock
    assert clock.deadline_at == CAL.add_working_days(NOVEMBER_2, 2)  # first response from the disposition
    assert clock.late_on_arrival and clock.late_on_arrival_days == CAL.working_days_between(clock.deadline_at, MONDAY)
    assert [e.action for e in store.timeline(case.id)][-1] == "late_on_arrival"
    late = [ev for ev in publisher.published if ev.type == "complaint.late"]
    assert len(late) == 1 and {r["unit_id"] for r in late[0].data["recipients"]} == {"dlh", "diskominfo"}
    assert "sudah terlambat" in late[0].data["message"] and "Kepala" in late[0].data["message"]
    assert case.title not in late[0].data["message"]
    # level 1 only one step after Sigap first saw it, whatever the backlog
    assert clock.next_due_at == CAL.add_working_days(MONDAY, STEP)


def test_a_late_case_climbs_one_level_per_step_of_real_working_time():
    store, publisher = FakeCaseStore(), FakePublisher()
    case = routed(store, "late-2", MONDAY, national_received_at=NOVEMBER_2)
    for at in hourly(MONDAY, 12):
        tick(store, publisher, at)
    climbed = levels(publisher)
    assert [level for _, level in climbed] == [1, 2, 3]
    instants = [MONDAY] + [at for at, _ in climbed]
    assert all(CAL.working_days_between(a, b) >= STEP for a, b in zip(instants, instants[1:], strict=False))
    assert climbed[0][0] <= CAL.add_working_days(MONDAY, STEP) + timedelta(hours=1)  # and not later either
    assert store.get(case.id).clock.level == 3


def test_the_same_tick_twice_a_burst_of_ticks_and_concurrent_ticks_move_each_case_one_level_at_most():
    store, publisher = FakeCaseStore(), FakePublisher()
    cases = [routed(store, f"late-{n}", MONDAY, national_received_at=NOVEMBER_2) for n in range(20)]
    due = CAL.add_working_days(MONDAY, STEP)
    assert tick(store, publisher, due) == {"escalation": 20}
    assert tick(store, publisher, due) == {}  # delivered again
    for _ in range(8):                         # published in a burst
        assert tick(store, publisher, due + timedelta(minutes=5)) == {}
    threads = [threading.Thread(target=tick, args=(store, publisher, due + timedelta(hours=3))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [store.get(c.id).clock.level for c in cases] == [1] * 20
    assert len(levels(publisher)) == 20


def test_acknowledging_a_late_case_pages_nobody_sooner_than_silence_would():
    silent_store, acked_store = FakeCaseStore(), FakeCaseStore()
    silent, acked = FakePublisher(), FakePublisher()
    routed(silent_store, "s", MONDAY, national_received_at=NOVEMBER_2)
    case = routed(acked_store, "s", MONDAY, national_received_at=NOVEMBER_2)
    ack_at = MONDAY + timedelta(days=1)
    for at in hourly(MONDAY, 15):
        if at >= ack_at and acked_store.get(case.id).clock.responded_at is None:
            stored = acked_store.get(case.id)
            assert stored is not None and stored.clock is not None, "the routed case is stored with its clock"
            entry = stored.next_entry(at, "unit:dlh:k", "acknowledged")
            update_case(acked_store, stored.moved_to(CaseStatus.ACKNOWLEDGED, at, entry,
                                                     clock=RULES.acknowledged(stored.clock, at)), entry)
        tick(silent_store, silent, at)
        tick(acked_store, acked, at)
        assert acked_store.get(case.id).clock.level <= silent_store.get(case.id).clock.level


@settings(max_examples=60, deadline=None)
@given(late_days=st.integers(0, 40), answer_after_hours=st.integers(1, 24 * 20), sla=st.sampled_from([2, 5, 14, 60]))
def test_answering_never_brings_a_level_sooner_than_leaving_it_alone(late_days, answer_after_hours, sla):
    """For every instant, the level of an answered case is at most the level it would have reached unanswered."""
    now = MONDAY
    anchor = CAL.working_days_before(now, late_days) if late_days else now
    start = RULES.start(anchor_at=anchor, now=now, sla_days=sla, at_triage=False, top_level=3)
    alone = answered = RULES.arrived_late(start, now)
    answer_at = now + timedelta(hours=answer_after_hours)
    for at in hourly(now, 30):
        if at >= answer_at and answered.responded_at is None:
            answered = RULES.responded(answered, at)
        alone, answered = _step(alone, at), _step(answered, at)
        assert answered.level <= alone.level, (at, answered, alone)


def _step(clock, at):
    due = RULES.level_deadline(clock)
    if due is not None and at >= due:
        return RULES.settled(replace(clock, level=clock.level + 1, reminded=True, last_paged_at=at))
    return clock


def test_a_resolution_nobody_answers_is_closed_by_the_national_completion_rule():
    store, publisher = FakeCaseStore(), FakePublisher()
    case = routed(store, "r", MONDAY)
    assert case.clock is not None, "a routed case runs a clock"
    at = MONDAY + timedelta(hours=2)
    entry = case.next_entry(at, "unit:dlh:k", "resolved")
    update_case(store, case.moved_to(CaseStatus.RESOLVED, at, entry, clock=RULES.resolved(case.clock, at)), entry)
    closes = store.get(case.id).clock.closes_at
    assert closes == CAL.add_working_days(at, ESCALATION.policy.completion_rule_days)
    assert tick(store, publisher, closes - timedelta(minutes=1)) == {}
    assert tick(store, publisher, closes) == {"close": 1}
    assert tick(store, publisher, closes) == {}
    closed = store.get(case.id)
    assert closed.status is CaseStatus.CLOSED and closed.clock.resolved_at == at
    assert store.timeline(case.id)[-1].detail["rule"] == "national_completion"
