"""Figures for accountability (issue 6): per unit and per category over a period. Pure.

Definitions (docs/reports.md):
- received: cases whose counting instant (national received, else created) lies in
  [start, end).
- first response on time: among received cases assigned to a unit whose outcome is
  known at ``now`` (answered, or the deadline has passed: an open case past its deadline
  counts as late from that moment, not only once it is answered), the share answered at
  or before ``add_working_days(anchor, first_response_days)``: the case's own clock,
  counted from the national disposition for a report from LAPOR!.
- resolved on time: the same for the first resolution instant (in Sigap or on LAPOR!)
  against ``add_working_days(anchor, completion_days + paused_days)``.
- median / p90 (nearest rank) of working days to first response and to resolution,
  both from the anchor, over the received cases that have them.
- open / overdue now: every case not closed and not resolved; overdue when its running
  deadline has passed at ``now`` (whenever it was received).
- escalations by level and re-routings ("bukan kewenangan"): timeline entries dated
  in the period; a re-routing counts for the unit that asked for it.
"""
from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.domain.clock.calendar import WorkingCalendar
from shared.domain.clock.policy import EscalationPolicy

CLOSED_STATUSES = frozenset({"closed", "resolved"})


@dataclass(frozen=True)
class CaseFacts:
    """What the reports need of one case (no reporter, no text unless the case is not secret)."""
    id: str
    status: str
    category: str | None
    unit_id: str | None
    kelurahan: str | None
    anchor_at: datetime                 # national received, else created
    sla_days: int | None = None
    assigned_at: datetime | None = None
    responded_at: datetime | None = None
    resolved_at: datetime | None = None
    paused_days: int = 0
    deadline_at: datetime | None = None  # the running deadline now (None when nothing is due)
    escalation_level: int = 0
    escalations: tuple[tuple[datetime, int], ...] = ()   # (at, level) of each escalated entry
    reroutes: tuple[tuple[datetime, str], ...] = ()      # (at, unit that asked) of each reroute_requested
    title: str = ""
    secret: bool = False


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def holds(self, instant: datetime | None) -> bool:
        return instant is not None and self.start <= instant < self.end


@dataclass
class _Group:
    received: int = 0
    fr_known: int = 0
    fr_on_time: int = 0
    res_known: int = 0
    res_on_time: int = 0
    fr_days: list[int] = field(default_factory=list)
    res_days: list[int] = field(default_factory=list)
    open_now: int = 0
    overdue_now: int = 0
    escalations: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    reroutes: int = 0

    def figures(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "first_response_on_time_pct": _pct(self.fr_on_time, self.fr_known),
            "resolved_on_time_pct": _pct(self.res_on_time, self.res_known),
            "first_response_days_median": percentile(self.fr_days, 50),
            "first_response_days_p90": percentile(self.fr_days, 90),
            "resolution_days_median": percentile(self.res_days, 50),
            "resolution_days_p90": percentile(self.res_days, 90),
            "open_now": self.open_now, "overdue_now": self.overdue_now,
            "escalations_by_level": {str(k): v for k, v in sorted(self.escalations.items())},
            "reroutes": self.reroutes,
        }


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def percentile(values: list[int], p: int) -> int | None:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def compute_figures(facts: Iterable[CaseFacts], period: Period, now: datetime,
                    policy: EscalationPolicy, calendar: WorkingCalendar) -> dict[str, Any]:
    """``{"period", "as_of", "total", "units": {id: figures}, "categories": {code: figures}}``."""
    total: _Group = _Group()
    units: dict[str, _Group] = defaultdict(_Group)
    categories: dict[str, _Group] = defaultdict(_Group)
    for case in facts:
        groups = (total, units[case.unit_id or "-"], categories[case.category or "-"])
        if period.holds(case.anchor_at):
            _count_received(case, groups, now, policy, calendar)
        if case.status not in CLOSED_STATUSES:
            overdue = case.deadline_at is not None and case.deadline_at <= now
            for g in groups:
                g.open_now += 1
                g.overdue_now += overdue
        for at, level in case.escalations:
            if period.holds(at):
                for g in groups:
                    g.escalations[level] += 1
        for at, unit in case.reroutes:
            if period.holds(at):
                total.reroutes += 1
                units[unit].reroutes += 1
                categories[case.category or "-"].reroutes += 1
    return {"period": {"from": period.start, "to": period.end}, "as_of": now, "total": total.figures(),
            "units": {k: g.figures() for k, g in sorted(units.items())},
            "categories": {k: g.figures() for k, g in sorted(categories.items())}}


def _count_received(case: CaseFacts, groups: tuple[_Group, ...], now: datetime,
                    policy: EscalationPolicy, calendar: WorkingCalendar) -> None:
    for g in groups:
        g.received += 1
    if case.sla_days is None or case.assigned_at is None:
        return
    cls = policy.sla_class(case.sla_days)
    fr_due = calendar.add_working_days(case.anchor_at, cls.first_response_days)
    res_due = calendar.add_working_days(case.anchor_at, cls.completion_days + case.paused_days)
    fr_days = None if case.responded_at is None else calendar.working_days_between(case.anchor_at, case.responded_at)
    res_days = None if case.resolved_at is None else calendar.working_days_between(case.anchor_at, case.resolved_at)
    for g in groups:
        if case.responded_at is not None or fr_due <= now:
            g.fr_known += 1
            g.fr_on_time += case.responded_at is not None and case.responded_at <= fr_due
        if case.resolved_at is not None or res_due <= now:
            g.res_known += 1
            g.res_on_time += case.resolved_at is not None and case.resolved_at <= res_due
        if fr_days is not None:
            g.fr_days.append(fr_days)
        if res_days is not None:
            g.res_days.append(res_days)


REPORT_ACTIONS = ("escalated", "reroute_requested", "resolved")  # the timeline entries reports read


def facts_from_case(case: Any, entries: Iterable[Any]) -> CaseFacts:
    """CaseFacts of a ``Case`` and its timeline entries of ``REPORT_ACTIONS`` (others are ignored).
    A secret report's title is dropped here, so no report can show it."""
    clock = case.clock
    escalations, reroutes, resolved = [], [], []
    for e in entries:
        if e.action == "escalated":
            escalations.append((e.at, int(e.detail.get("level", 0))))
        elif e.action == "reroute_requested":
            parts = e.actor.split(":")  # the unit that sent it back: recorded since people act too
            by_key = parts[1] if len(parts) > 1 and parts[0] == "unit" else None
            reroutes.append((e.at, e.detail.get("from_unit") or by_key or case.unit_id or "-"))
        elif e.action == "resolved":
            resolved.append(e.at)
    location = case.location or {}
    routing = case.routing or {}
    return CaseFacts(
        id=case.id, status=getattr(case.status, "value", case.status), category=case.category, unit_id=case.unit_id,
        kelurahan=location.get("kelurahan") or routing.get("kelurahan_id"), anchor_at=case.counting_from,
        sla_days=clock.sla_days if clock else None, assigned_at=clock.assigned_at if clock else None,
        responded_at=clock.responded_at if clock else None,
        resolved_at=min([*resolved, *([clock.resolved_at] if clock and clock.resolved_at else [])], default=None),
        paused_days=clock.paused_days if clock else 0,
        deadline_at=clock.deadline_at if clock and clock.running else None,
        escalation_level=clock.level if clock else 0,
        escalations=tuple(sorted(escalations)), reroutes=tuple(sorted(reroutes)),
        title="" if case.secret else case.title, secret=case.secret)
