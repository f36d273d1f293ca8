"""The pure effects on a case's clock that the unit API will call."""
from datetime import UTC, datetime

import pytest

from shared.domain.clock.deadlines import Stage
from tests.escalation_support import ESCALATION

RULES, CAL = ESCALATION.rules, ESCALATION.rules.calendar
MONDAY = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def fresh(sla_days=5, at_triage=False):
    return RULES.start(anchor_at=MONDAY, now=MONDAY, sla_days=sla_days, at_triage=at_triage, top_level=3)


def test_acknowledging_answers_the_first_response_and_starts_the_completion_deadline():
    clock = RULES.acknowledged(fresh(), TUESDAY)
    assert clock.stage is Stage.COMPLETION and clock.responded_at == TUESDAY and clock.level == 0
    assert clock.deadline_at == CAL.add_working_days(MONDAY, 4)  # counted from the anchor, not the claim
    assert RULES.follow_up_given(clock, TUESDAY.replace(day=25)) == clock  # a second answer changes nothing


def test_a_follow_up_alone_also_answers_the_first_response():
    assert RULES.follow_up_given(fresh(), TUESDAY).stage is Stage.COMPLETION


def test_an_escalated_first_response_restarts_at_level_zero_for_completion():
    from dataclasses import replace
    late = replace(fresh(), level=2, reminded=True)
    clock = RULES.acknowledged(late, TUESDAY)
    assert clock.level == 0 and not clock.reminded


def test_pause_and_resume_give_back_only_whole_working_days():
    paused = RULES.paused(fresh(), TUESDAY, "menunggu survei lapangan")
    assert paused.next_due_at is None and paused.pause_reason == "menunggu survei lapangan"
    assert paused.stage is Stage.COMPLETION  # pausing is an answer: the unit has acted
    assert RULES.paused(paused, TUESDAY.replace(day=25), "lagi") == paused  # already paused
    same_day = RULES.resumed(paused, TUESDAY.replace(hour=8))  # Tuesday 15:00 WIB: before close
    assert same_day.paused_days == 0 and same_day.deadline_at == paused.deadline_at
    over_weekend = RULES.resumed(paused, datetime(2026, 11, 30, 2, 0, tzinfo=UTC))  # Monday 09:00 WIB
    # Wed, Thu, Fri: the day of pausing never counts (as the day of receipt never does).
    assert over_weekend.paused_days == 3
    assert over_weekend.deadline_at == CAL.add_working_days(MONDAY, 4 + 3)
    assert over_weekend.next_due_at is not None and over_weekend.paused_at is None
    assert RULES.resumed(over_weekend, TUESDAY) == over_weekend  # not paused: nothing to resume


def test_stopping_leaves_nothing_due():
    clock = RULES.stopped(fresh(), TUESDAY)
    assert clock.stage is Stage.DONE and clock.next_due_at is None and clock.deadline_at is None
    assert RULES.paused(clock, TUESDAY, "x") == clock


def test_reclassifying_needs_a_configured_class():
    with pytest.raises(KeyError):
        RULES.reclassified(fresh(), 7)
    assert RULES.reclassified(RULES.acknowledged(fresh(), TUESDAY), 60).deadline_at == \
        CAL.add_working_days(MONDAY, 55)


def test_every_deadline_counts_from_the_anchor_and_a_return_to_triage_from_itself():
    clock = fresh(at_triage=True)
    assert clock.stage is Stage.TRIAGE and clock.deadline_at == CAL.add_working_days(MONDAY, 3)
    assigned = RULES.rerouted(clock, TUESDAY, to_triage=False, top_level=4)
    assert assigned.stage is Stage.FIRST_RESPONSE and assigned.assigned_at == TUESDAY
    # the first response counts from the anchor (Monday), not from the assignment: time spent stays spent
    assert assigned.deadline_at == CAL.add_working_days(MONDAY, 2) and assigned.top_level == 4
    thursday = TUESDAY.replace(day=26)
    back = RULES.rerouted(assigned, thursday, to_triage=True, top_level=3)
    assert back.deadline_at == CAL.add_working_days(thursday, 3)  # the coordinator decides afresh
