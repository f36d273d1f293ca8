"""The people around the cases of the lifecycle simulation, and what they will do.

Each case Sigap routes gets a behaviour for its unit, drawn from a seeded RNG: answer in
Sigap, answer on LAPOR!, stay silent, answer late, send it back ("bukan kewenangan"),
wait for the reporter, write only internal notes, or have the city admin dispose it to
another unit on LAPOR!. Reporters sometimes reply after a resolution; the coordinator
triages and validates (or leaves resolutions to the national completion rule).
Actions are planned at instants in working hours, ``days`` working days after a base.
"""
from __future__ import annotations

import heapq
import itertools
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from shared.domain.clock.calendar import WorkingCalendar

BEHAVIOURS = (("sigap", 34), ("lapor", 20), ("silent", 10), ("slow", 10), ("reroute", 8), ("pause", 7),
              ("disposed", 5), ("internal", 6))
OPDS = ("dinas-pupr", "dlh", "disdukcapil", "dinkes", "disdik", "dishub", "satpol-pp", "dinsos",
        "perumda-air-minum", "dinas-perkim", "bpbd")


@dataclass(order=True)
class Planned:
    at: datetime
    seq: int
    case_id: str = field(compare=False)
    action: str = field(compare=False)         # see Simulation.ACTS
    params: dict[str, Any] = field(compare=False, default_factory=dict)


class Agenda:
    """What people will do, in time order."""

    def __init__(self, rng: random.Random, calendar: WorkingCalendar):
        self.rng, self.calendar = rng, calendar
        self._heap: list[Planned] = []
        self._seq = itertools.count()

    def at(self, base: datetime, days: int) -> datetime:
        """An instant in the working hours of the working day ``days`` after ``base``'s (0: that day or the next)."""
        day = self.calendar.local_date(base)
        if days == 0 and not self.calendar.is_working_day(day):
            days = 1
        for _ in range(days):
            day = self.calendar.next_working_day(day)
        close = self.calendar.end_of_working_day(day)
        instant = close - timedelta(minutes=self.rng.randint(10, 7 * 60))
        return max(instant, base + timedelta(minutes=self.rng.randint(20, 90)))

    def plan(self, case_id: str, action: str, base: datetime, days: int, **params: Any) -> datetime:
        when = self.at(base, days)
        heapq.heappush(self._heap, Planned(when, next(self._seq), case_id, action, params))
        return when

    def due(self, now: datetime) -> list[Planned]:
        out = []
        while self._heap and self._heap[0].at <= now:
            out.append(heapq.heappop(self._heap))
        return out

    def __len__(self) -> int:
        return len(self._heap)


def behaviour(rng: random.Random) -> str:
    names, weights = zip(*BEHAVIOURS, strict=True)
    return rng.choices(names, weights)[0]


def plan_unit(agenda: Agenda, rng: random.Random, case_id: str, kind: str, base: datetime,
              on_lapor: bool) -> None:
    """The plan of the unit that holds the case from ``base`` on."""
    r = rng.randint
    if kind == "lapor" and not on_lapor:
        kind = "sigap"
    if kind == "sigap":
        agenda.plan(case_id, "acknowledge", base, r(0, 2))
        agenda.plan(case_id, "follow_up", base, r(2, 4), visibility="public")
        agenda.plan(case_id, "resolve", base, r(5, 9))
    elif kind == "lapor":
        agenda.plan(case_id, "lapor_follow_up", base, r(0, 3))
        agenda.plan(case_id, "lapor_resolve", base, r(4, 9))
    elif kind == "slow":
        agenda.plan(case_id, "acknowledge", base, r(4, 8))
        agenda.plan(case_id, "resolve", base, r(10, 16))
    elif kind == "reroute":
        agenda.plan(case_id, "request_reroute", base, r(0, 2))
    elif kind == "pause":
        agenda.plan(case_id, "acknowledge", base, r(0, 1))
        agenda.plan(case_id, "wait_reporter", base, r(1, 2))
        agenda.plan(case_id, "resume", base, r(4, 7))
        agenda.plan(case_id, "resolve", base, r(8, 11))
    elif kind == "disposed":
        agenda.plan(case_id, "lapor_dispose", base, r(0, 2), account_unit=rng.choice(OPDS))
    elif kind == "internal":
        agenda.plan(case_id, "follow_up", base, r(0, 2), visibility="internal")
        agenda.plan(case_id, "resolve", base, r(3, 7))
    # "silent": nothing at all
