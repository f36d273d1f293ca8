"""escalate_due on the in-memory fakes: reminders, one level per missed deadline,
answers that stop the climb, pauses, re-routing, idempotency, the daily digest."""
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shared.domain.case import CaseStatus
from shared.domain.clock.deadlines import Stage
from shared.services.escalation import daily_digest, escalate_due
from tests.escalation_support import CATALOG, ESCALATION, routed
from tests.fakes import FakeCaseStore, FakePublisher, FakeUnitOfWork, update_case

RULES = ESCALATION.rules


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


MONDAY = utc(2026, 11, 23, 3, 0)     # Monday 10:00 WIB
TUE_CLOSE = utc(2026, 11, 24, 9, 0)  # 16:00 WIB
WED_CLOSE = utc(2026, 11, 25, 9, 0)
FRI_CLOSE = utc(2026, 11, 27, 9, 0)
NEXT_TUE_CLOSE = utc(2026, 12, 1, 9, 0)


@pytest.fixture
def store():
    return FakeCaseStore()


@pytest.fixture
def publisher():
    return FakePublisher()


def tick(store, publisher, at):
    return escalate_due(queue=store, uow=FakeUnitOfWork(store), publisher=publisher, catalog=CATALOG,
                        escalation=ESCALATION, as_of=at)


def test_routing_starts_the_first_response_clock(store):
    case = routed(store, "e-1", MONDAY)  # sampah-kebersihan -> dlh, SLA class 5
    assert case.status is CaseStatus.ASSIGNED and case.unit_id == "dlh"
    clock = case.clock
    assert clock.stage is Stage.FIRST_RESPONSE and clock.deadline_at == WED_CLOSE
    assert clock.next_due_at == TUE_CLOSE  # the reminder, one working day before
    assert clock.top_level == 3            # head of dlh, Sekda, Wali Kota


def test_a_case_nobody_answers_climbs_one_level_per_missed_deadline(store, publisher):
    case = routed(store, "e-2", MONDAY)
    assert tick(store, publisher, utc(2026, 11, 24, 8, 59)) == {}
    assert tick(store, publisher, TUE_CLOSE) == {"reminder": 1}
    assert tick(store, publisher, utc(2026, 11, 25, 8, 0)) == {}
    assert tick(store, publisher, WED_CLOSE) == {"escalation": 1}
    assert tick(store, publisher, FRI_CLOSE) == {"escalation": 1}
    assert tick(store, publisher, NEXT_TUE_CLOSE) == {"escalation": 1}
    assert tick(store, publisher, utc(2027, 2, 1)) == {}  # the top of the chain: nothing more
    events = [e for e in publisher.published]
    assert [e.type for e in events] == ["complaint.reminder"] + ["complaint.escalated"] * 3
    assert [e.data["level"] for e in events] == [0, 1, 2, 3]
    heads = [[r["unit_id"] for r in e.data["recipients"] if r["role"] == "head"] for e in events]
    assert heads == [[], ["dlh"], ["setda"], ["walikota"]]
    copies = [sorted(r["unit_id"] for r in e.data["recipients"] if r["role"] == "copy") for e in events]
    assert copies == [[], ["diskominfo"], ["diskominfo"], ["diskominfo", "inspektorat"]]
    assert [e.data["delivery"] for e in events] == ["direct", "direct", "direct", "digest"]
    assert [e.data["deadline_at"] for e in events[1:]] == [WED_CLOSE.isoformat()] * 3  # the deadline missed
    assert [e.data["due_at"] for e in events[1:]] == [WED_CLOSE.isoformat(), FRI_CLOSE.isoformat(),
                                                      NEXT_TUE_CLOSE.isoformat()]  # when each level fell due
    assert events[1].data["message"].startswith("Eskalasi tingkat 1: laporan ")
    assert "Rabu, 25 November 2026 pukul 16.00 WIB" in events[1].data["message"]
    assert case.title not in str([e.data for e in events])  # never the complaint's text
    steps = [e for e in store.timeline(case.id) if e.action in ("reminded", "escalated")]
    assert [(e.detail["level"], e.detail["reason"]) for e in steps] == [
        (0, "first_response deadline near"), (1, "first_response deadline missed"),
        (2, "first_response deadline missed"), (3, "first_response deadline missed")]
    assert not store.outbox  # published and removed


def test_an_acknowledged_case_stops_climbing_but_the_completion_clock_runs(store, publisher):
    case = routed(store, "e-3", MONDAY)
    tick(store, publisher, TUE_CLOSE)  # reminder
    case = store.get(case.id)
    entry = case.next_entry(utc(2026, 11, 24, 10, 0), "unit:dlh", "acknowledged")
    acked = case.moved_to(CaseStatus.ACKNOWLEDGED, entry.at, entry,
                          clock=RULES.acknowledged(case.clock, entry.at))
    update_case(store, acked, entry)
    assert tick(store, publisher, WED_CLOSE) == {}  # the first-response deadline passes: answered
    assert tick(store, publisher, utc(2026, 11, 26, 8, 59)) == {}
    clock = store.get(case.id).clock
    assert clock.stage is Stage.COMPLETION and clock.level == 0
    assert clock.deadline_at == utc(2026, 11, 27, 9, 0)  # 4 working days from Monday (class 5)
    # Completion reminder one working day before (Thursday close), then level 1 on Friday close.
    assert tick(store, publisher, utc(2026, 11, 26, 9, 0)) == {"reminder": 1}
    assert tick(store, publisher, FRI_CLOSE) == {"escalation": 1}
    assert publisher.published[-1].data["stage"] == "completion"


def test_a_redelivered_or_repeated_tick_changes_nothing(store, publisher):
    routed(store, "e-4", MONDAY)
    assert tick(store, publisher, WED_CLOSE) == {"escalation": 1}  # late tick: straight to level 1
    assert tick(store, publisher, WED_CLOSE) == {}
    assert tick(store, publisher, utc(2026, 11, 26, 9, 0)) == {}
    assert len(publisher.published) == 1


def test_a_tick_that_read_a_stale_case_loses_and_sends_nothing(store, publisher):
    routed(store, "e-5", MONDAY)
    stale = store.due(WED_CLOSE, 10)  # two ticks read the same due case ...
    tick(store, publisher, WED_CLOSE)  # ... one commits first
    from shared.services.escalation import escalate_case
    outcome = escalate_case(stale[0], uow=FakeUnitOfWork(store), publisher=publisher, catalog=CATALOG,
                            escalation=ESCALATION, as_of=WED_CLOSE)
    assert outcome == "lost-race" and len(publisher.published) == 1


def test_a_paused_case_is_not_due_and_resumes_with_the_time_given_back(store, publisher):
    case = routed(store, "e-6", MONDAY)
    assert case.clock is not None, "a routed case runs a clock"
    at = utc(2026, 11, 24, 2, 0)  # Tuesday 09:00 WIB: waits for the reporter
    entry = case.next_entry(at, "unit:dlh", "waiting_reporter", reason="menunggu data pelapor")
    paused = case.moved_to(CaseStatus.WAITING_REPORTER, at, entry,
                           clock=RULES.paused(case.clock, at, "menunggu data pelapor"))
    update_case(store, paused, entry)
    assert paused.clock.next_due_at is None and paused.clock.responded_at == at
    assert tick(store, publisher, utc(2026, 12, 30)) == {}
    resumed_at = utc(2026, 12, 2, 2, 0)  # Wed 2 Dec 09:00 WIB: Wed 25 Nov .. Tue 1 Dec closed while paused
    clock = RULES.resumed(store.get(case.id).clock, resumed_at)
    assert clock.paused_days == 5 and clock.paused_at is None
    assert clock.deadline_at == RULES.calendar.add_working_days(MONDAY, 4 + 5)


def test_rerouting_keeps_the_time_already_spent(store):
    case = routed(store, "e-7", MONDAY)
    assert case.clock is not None, "a routed case runs a clock"
    later = utc(2026, 11, 24, 4, 0)
    clock = RULES.rerouted(case.clock, later, to_triage=False, top_level=3)
    assert clock.assigned_at == MONDAY and clock.deadline_at == WED_CLOSE
    back = RULES.rerouted(case.clock, later, to_triage=True, top_level=4)
    assert back.stage is Stage.TRIAGE and back.deadline_at == RULES.calendar.add_working_days(later, 3)
    bigger = RULES.reclassified(RULES.acknowledged(case.clock, later), 14)
    assert bigger.deadline_at == RULES.calendar.add_working_days(MONDAY, 12)


def test_the_national_received_instant_anchors_completion(store):
    national = utc(2026, 11, 18, 3, 0)  # received on LAPOR! the Wednesday before
    case = routed(store, "e-8", MONDAY, national_received_at=national)
    assert case.clock is not None, "a routed case runs a clock"
    completion = RULES.acknowledged(case.clock, MONDAY)
    assert completion.anchor_at == national
    assert completion.deadline_at == RULES.calendar.add_working_days(national, 4)
    assert completion.deadline_at == utc(2026, 11, 24, 9, 0)  # Tuesday, not Friday
    assert completion.next_due_at == utc(2026, 11, 23, 9, 0)  # its reminder: Monday's close


def test_an_unrouted_case_waits_at_triage_with_three_working_days(store, publisher):
    case = routed(store, "e-9", MONDAY, category=None, title="Pertanyaan umum",
                  description="Mohon informasi tentang hal ini.")
    assert case.status is CaseStatus.TRIAGE and case.clock.stage is Stage.TRIAGE
    assert case.clock.deadline_at == utc(2026, 11, 26, 9, 0)
    tick(store, publisher, utc(2026, 11, 26, 9, 0))
    event = publisher.published[-1]
    assert event.data["unit_id"] == "diskominfo" and event.data["level"] == 1


def test_resolved_cases_are_never_due(store, publisher):
    case = routed(store, "e-10", MONDAY)
    assert case.clock is not None, "a routed case runs a clock"
    entry = case.next_entry(MONDAY, "unit:dlh", "resolved")
    done = case.moved_to(CaseStatus.RESOLVED, MONDAY, entry, clock=RULES.stopped(case.clock, MONDAY))
    update_case(store, done, entry)
    assert tick(store, publisher, utc(2027, 1, 1)) == {}
    stale_clock = replace(done, clock=case.clock)  # a stale running clock: recomputed once, no step
    store.cases[case.id] = replace(stale_clock, version=store.cases[case.id].version)
    assert tick(store, publisher, utc(2027, 1, 1)) == {"rescheduled": 1}
    assert tick(store, publisher, utc(2027, 1, 1)) == {}
    assert publisher.types() == []


def test_the_daily_digest_counts_due_overdue_and_escalated_per_unit(store, publisher):
    routed(store, "d-1", MONDAY)                              # dlh, first response due Wednesday
    routed(store, "d-2", utc(2026, 11, 19, 3, 0))             # dlh, due Monday: overdue on Wednesday
    routed(store, "d-3", MONDAY, category="adminduk")         # disdukcapil, due Wednesday
    tick(store, publisher, utc(2026, 11, 25, 1, 0))           # escalates d-2
    event = daily_digest(queue=store, publisher=publisher, catalog=CATALOG, escalation=ESCALATION,
                         as_of=utc(2026, 11, 25, 0, 0))       # Wednesday 07:00 WIB
    units = event.data["units"]
    assert sorted(units) == ["disdukcapil", "dlh"]
    assert len(units["dlh"]["due_today"]) == 1 and len(units["dlh"]["overdue"]) == 1
    assert len(units["dlh"]["escalated"]) == 1 and len(units["disdukcapil"]["due_today"]) == 1
    assert event.id == "digest-2026-11-25" and event.type == "digest.daily"
    assert event.data["totals"] == {"due_today": 2, "overdue": 1, "escalated": 1}
    assert {r["unit_id"] for r in event.data["recipients"]} == {"walikota"}
    assert event.data["message"].startswith("Ringkasan harian SP4N-LAPOR!")


def test_a_stale_next_due_instant_is_recomputed_once_not_read_for_ever(store, publisher):
    case = routed(store, "e-11", MONDAY)
    assert case.clock is not None, "a routed case runs a clock"
    stale = replace(case.clock, next_due_at=utc(2026, 11, 23, 9, 0))  # as an older policy had it
    store.cases[case.id] = replace(case, clock=stale)
    assert tick(store, publisher, utc(2026, 11, 23, 10, 0)) == {"rescheduled": 1}
    assert store.get(case.id).clock.next_due_at == TUE_CLOSE
    assert store.timeline(case.id)[-1].action == "rescheduled"
    assert tick(store, publisher, utc(2026, 11, 23, 10, 0)) == {} and not publisher.published
