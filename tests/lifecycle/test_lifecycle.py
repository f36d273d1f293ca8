"""Weeks of working days on both sides (Sigap and LAPOR!), checked after every tick.

The full run is the proof the issue asks for; the smaller runs show that the invariants
do catch what went wrong before: a late case climbing one level per tick, a status
pushed backwards, an answer on LAPOR! that stops no clock.
"""
from __future__ import annotations

import pytest

from shared.domain.clock.deadlines import ClockRules
from shared.services import lapor_push
from tests.lifecycle.simulation import Population, Simulation, table

SMALL = Population(seeded=120, new_lapor=20, city=40)


def test_weeks_of_life_on_both_sides_keep_every_invariant(capsys):
    sim = Simulation(working_days=40)
    summary = sim.run()
    with capsys.disabled():
        print("\n" + table(summary))
    assert summary.violations == []
    figures = sim.invariants.figures  # compared unit by unit with the truth from the simulation's log
    assert figures["total"]["received"] == sum(summary.cases.values())
    assert 0 < figures["total"]["first_response_on_time_pct"] < 100
    assert sum(summary.cases.values()) >= 500 and summary.cases["from city systems"] >= 100
    assert summary.late_on_arrival >= 100          # the seeded September-November reports
    assert set(summary.escalations) >= {1, 2, 3}    # silent units climb to the top of their chain
    assert summary.pushes["skipped"] > 0            # statuses LAPOR! already showed were not sent
    for action in ("lapor_follow_up", "lapor_resolve", "lapor_dispose", "reporter_reply", "request_reroute",
                   "reassign", "wait_reporter", "resume", "accept"):
        assert summary.actions[action] > 0, action
    assert summary.checks > 100_000


def test_the_invariants_catch_a_late_case_climbing_one_level_per_tick(monkeypatch):
    def unspaced(self, clock):  # the climb before this issue: the level deadline only, no spacing
        if clock.deadline_at is None or clock.level >= clock.top_level:
            return None
        if clock.level == 0:
            return clock.deadline_at
        return self.calendar.add_working_days(clock.deadline_at, clock.level * self.policy.step_days)
    monkeypatch.setattr(ClockRules, "level_deadline", unspaced)
    violations = Simulation(working_days=6, population=SMALL).run().violations
    assert any("less than 2 working days after the page before" in v for v in violations)
    assert any("paged twice within one step" in v for v in violations)


def test_the_invariants_catch_a_status_pushed_backwards_or_again(monkeypatch):
    monkeypatch.setattr(lapor_push, "_already_shown", lambda case, item: None)
    violations = Simulation(working_days=10, population=SMALL).run().violations
    assert any("while LAPOR! showed" in v for v in violations)


def test_the_invariants_catch_an_answer_on_lapor_that_stops_no_clock(monkeypatch):
    monkeypatch.setattr(ClockRules, "responded", lambda self, clock, now, at=None: clock)
    violations = Simulation(working_days=10, population=SMALL).run().violations
    assert any("escalated at" in v and "although a unit answered" in v for v in violations)


def test_the_invariants_catch_figures_that_ignore_what_happened_on_lapor(monkeypatch):
    from shared.services import routing
    monkeypatch.setattr(routing, "adopt_history", lambda case, rules, now: (case, []))
    violations = Simulation(working_days=6, population=SMALL).run().violations
    assert any(v.startswith("figures of ") for v in violations)


@pytest.mark.parametrize("seed", [7, 99])
def test_other_populations_keep_the_invariants_too(seed):
    assert Simulation(seed=seed, working_days=15, population=SMALL).run().violations == []
