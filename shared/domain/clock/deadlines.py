"""A case's clock: which deadline runs, how far it has climbed, when to look again.
Pure. The effects (acknowledged, follow-up given, paused, resumed, re-routed,
re-classified, resolved, stopped) return a new clock; the caller stores it with a
timeline entry.

Rules (docs/escalation.md):
- one anchor: every deadline counts from ``anchor_at``, the national disposition
  instant for a report that came through LAPOR!, the intake instant otherwise;
- triage: ``triage_days`` after the anchor (a case sent back to triage later: after
  that arrival, a fresh decision for the coordinator);
- first response (acknowledgement or first follow-up): ``first_response_days`` after
  the anchor; re-routing keeps the time already spent;
- completion: ``completion_days`` of the case's SLA class (+ working days spent paused)
  after the anchor;
- a missed deadline climbs one level; every ``step_days`` more without an answer climbs
  one more, up to the top of the chain of authority. Spacing: no level is reached
  sooner than ``step_days`` working days after the last page on the case
  (``last_paged_at``, across stages), and a stage that starts already past its deadline
  (late on arrival, re-routed late, acknowledged late) reaches level 1 only
  ``step_days`` after it started: whatever the backlog, nobody is paged twice for one
  case within one step, and answering never brings a page sooner;
- a reminder comes ``reminder_days_before`` the deadline, at level 0 only;
- resolved: the national completion rule closes the case ``completion_rule_days``
  after the resolution unless the reporter answers (``closes_at``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import TypedDict, Unpack

from shared.domain.clock.calendar import WorkingCalendar
from shared.domain.clock.policy import EscalationPolicy


class Stage(str, Enum):
    TRIAGE = "triage"
    FIRST_RESPONSE = "first_response"
    COMPLETION = "completion"
    DONE = "done"


@dataclass(frozen=True)
class CaseClock:
    anchor_at: datetime              # counting starts here (national received, else created)
    sla_days: int                    # the SLA class of the case's category
    stage: Stage
    stage_since: datetime            # when the running deadline started to run
    top_level: int                   # the length of the chain of authority of the stage's unit
    deadline_at: datetime | None = None  # the running stage's deadline (level 0)
    level: int = 0                   # escalation level reached on the running deadline
    reminded: bool = False
    assigned_at: datetime | None = None   # first assignment to a unit (first-response clock)
    responded_at: datetime | None = None  # acknowledgement or first follow-up
    paused_at: datetime | None = None
    pause_reason: str | None = None
    paused_days: int = 0             # whole working days spent waiting for the reporter
    next_due_at: datetime | None = None   # when the escalation tick must look at the case
    last_paged_at: datetime | None = None  # the last escalation (or late-on-arrival notice) of the case
    late_on_arrival_days: int | None = None  # working days past its deadline when Sigap first saw the case
    resolved_at: datetime | None = None   # the first resolution (by the unit, in Sigap or on LAPOR!)
    closes_at: datetime | None = None     # resolved: the national completion rule closes the case then

    @property
    def running(self) -> bool:
        return self.stage is not Stage.DONE and self.paused_at is None

    @property
    def late_on_arrival(self) -> bool:
        return self.late_on_arrival_days is not None


class _StageChanges(TypedDict, total=False):
    """What entering a stage may change besides the stage itself (``ClockRules._enter``)."""
    top_level: int
    assigned_at: datetime | None
    responded_at: datetime | None


@dataclass(frozen=True)
class ClockRules:
    policy: EscalationPolicy
    calendar: WorkingCalendar

    # -- deadlines ------------------------------------------------------------------
    def stage_deadline(self, clock: CaseClock) -> datetime | None:
        cal, cls = self.calendar, self.policy.sla_class(clock.sla_days)
        if clock.stage is Stage.TRIAGE:  # a first arrival counts from the anchor, a return from itself
            since = clock.anchor_at if clock.assigned_at is None else clock.stage_since
            return cal.add_working_days(since, self.policy.triage_days)
        if clock.stage is Stage.FIRST_RESPONSE:
            return cal.add_working_days(clock.anchor_at, cls.first_response_days)
        if clock.stage is Stage.COMPLETION:
            return cal.add_working_days(clock.anchor_at, cls.completion_days + clock.paused_days)
        return None

    def level_deadline(self, clock: CaseClock) -> datetime | None:
        """When the case climbs from its level to the next: the running deadline missed
        (plus one step per level already reached), never sooner than one step after the
        last page, nor, for a stage that began already late, one step after it began."""
        if clock.deadline_at is None or clock.level >= clock.top_level:
            return None
        step, cal = self.policy.step_days, self.calendar
        if clock.level:
            due = cal.add_working_days(clock.deadline_at, clock.level * step)
        elif clock.deadline_at > clock.stage_since:
            due = clock.deadline_at
        else:  # the stage began past its deadline: the unit hears it at once and has one step
            due = cal.add_working_days(clock.stage_since, step)
        if clock.last_paged_at is not None:
            due = max(due, cal.add_working_days(clock.last_paged_at, step))
        return due

    def late_days(self, clock: CaseClock, now: datetime) -> int | None:
        """Working days the running deadline is past at ``now`` (0: past today), None when not past."""
        if clock.deadline_at is None or not clock.running or clock.deadline_at > now:
            return None
        return self.calendar.working_days_between(clock.deadline_at, now)

    def reminder_at(self, clock: CaseClock) -> datetime | None:
        days = self.policy.reminder_days_before
        if clock.level or clock.reminded or not days or clock.deadline_at is None:
            return None
        at = self.calendar.working_days_before(clock.deadline_at, days)
        return at if at > clock.stage_since else None  # no reminder the moment a stage starts

    def settled(self, clock: CaseClock) -> CaseClock:
        """The clock with its deadline and next due instant recomputed."""
        clock = replace(clock, deadline_at=self.stage_deadline(clock))
        if not clock.running:  # paused: only a resolved case's completion rule is due
            return replace(clock, next_due_at=clock.closes_at)
        return replace(clock, next_due_at=self.reminder_at(clock) or self.level_deadline(clock))

    def _enter(self, clock: CaseClock, stage: Stage, now: datetime, **changes: Unpack[_StageChanges]) -> CaseClock:
        return self.settled(replace(clock, stage=stage, stage_since=now, level=0, reminded=False, **changes))

    # -- effects --------------------------------------------------------------------
    def start(self, *, anchor_at: datetime, now: datetime, sla_days: int, at_triage: bool,
              top_level: int) -> CaseClock:
        """The clock of a freshly routed case (assigned to a unit, or waiting at triage)."""
        stage = Stage.TRIAGE if at_triage else Stage.FIRST_RESPONSE
        return self.settled(CaseClock(anchor_at=anchor_at, sla_days=sla_days, stage=stage, stage_since=now,
                                      top_level=top_level, assigned_at=None if at_triage else now))

    def arrived_late(self, clock: CaseClock, now: datetime) -> CaseClock:
        """A case Sigap sees for the first time past its running deadline: flagged with the
        working days it is late; the notice the caller sends counts as its first page."""
        days = self.late_days(clock, now)
        if days is None:
            return clock
        return self.settled(replace(clock, late_on_arrival_days=days, last_paged_at=now))

    def responded(self, clock: CaseClock, now: datetime, at: datetime | None = None) -> CaseClock:
        """Acknowledgement (claim) or a follow-up: answers the first-response deadline;
        the completion clock keeps running. A second answer changes nothing. ``at``: when
        the answer was given, if before ``now`` (a follow-up written on LAPOR!)."""
        at = at or now
        if clock.responded_at is not None or clock.stage is not Stage.FIRST_RESPONSE:
            return clock if clock.responded_at else replace(clock, responded_at=at)
        return self._enter(clock, Stage.COMPLETION, now, responded_at=at)

    acknowledged = responded
    follow_up_given = responded

    def paused(self, clock: CaseClock, now: datetime, reason: str) -> CaseClock:
        """Waiting for the reporter or a field inspection: the completion clock stops.
        Pausing answers the first response (the unit has acted)."""
        if clock.paused_at is not None or clock.stage is Stage.DONE:
            return clock
        clock = self.responded(clock, now)
        return self.settled(replace(clock, paused_at=now, pause_reason=reason))

    def resumed(self, clock: CaseClock, now: datetime) -> CaseClock:
        """The wait is over: the completion deadline moves by the whole working days spent
        paused; a resolution waiting for the completion rule no longer closes the case."""
        if clock.paused_at is None:
            return clock
        spent = self.calendar.working_days_between(clock.paused_at, now)
        return self.settled(replace(clock, paused_at=None, pause_reason=None, closes_at=None,
                                    paused_days=clock.paused_days + spent))

    def resolved(self, clock: CaseClock, now: datetime, at: datetime | None = None) -> CaseClock:
        """The unit says it is done (``at``: when, if before ``now``): the completion clock
        stops while the resolution waits for validation, and the national completion rule
        closes the case ``completion_rule_days`` later unless someone answers."""
        at = at or now
        clock = self.responded(clock, now, at)
        if clock.stage is Stage.DONE:
            return clock
        paused = clock if clock.paused_at is not None else \
            replace(clock, paused_at=now, pause_reason="menunggu validasi penyelesaian")
        closes = self.calendar.add_working_days(at, self.policy.completion_rule_days)
        return self.settled(replace(paused, resolved_at=clock.resolved_at or at, closes_at=closes))

    def rerouted(self, clock: CaseClock, now: datetime, *, to_triage: bool, top_level: int) -> CaseClock:
        """A new unit (or back to triage). Time already spent is kept: the first-response
        clock still counts from the first assignment, completion from the anchor."""
        if to_triage:
            return self._enter(clock, Stage.TRIAGE, now, top_level=top_level)
        stage = Stage.COMPLETION if clock.responded_at else Stage.FIRST_RESPONSE
        return self._enter(clock, stage, now, top_level=top_level, assigned_at=clock.assigned_at or now)

    def reclassified(self, clock: CaseClock, sla_days: int) -> CaseClock:
        """Another category, maybe another SLA class: same anchor, same time spent."""
        self.policy.sla_class(sla_days)  # KeyError for an unknown class
        return self.settled(replace(clock, sla_days=sla_days))

    def stopped(self, clock: CaseClock, now: datetime) -> CaseClock:
        """Closed: nothing more is due. The first resolution instant stays (figures)."""
        return replace(clock, stage=Stage.DONE, stage_since=now, deadline_at=None, next_due_at=None,
                       closes_at=None, paused_at=None, resolved_at=clock.resolved_at or now)
