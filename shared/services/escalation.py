"""escalate_due and daily_digest: the timed climb up the chain of authority.

Each due case is one commit of the unit of work (the case under its version, the
timeline entry and the outbox events together): two ticks at once, or a tick
delivered twice, find the case already moved on, and the step happens once.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import datetime, time

from shared import logs
from shared.domain.case import Case, CaseStatus
from shared.domain.catalog import Catalog
from shared.domain.clock.digest import build_digest
from shared.domain.clock.escalation import CLOSE, REMINDER, Escalation, Step, due_step, message, recipients, stage_unit
from shared.domain.events import COMPLAINT_ESCALATED, COMPLAINT_REMINDER, COMPLAINT_UPDATED, DIGEST_DAILY, DomainEvent
from shared.domain.integrations.lapor import status_item
from shared.ports import Conflict, DueCases, EventPublisher
from shared.services.outbox import announce
from shared.unit_of_work import UnitOfWork

ACTOR = "sigap:escalation"


def escalate_due(*, queue: DueCases, uow: UnitOfWork, publisher: EventPublisher, catalog: Catalog,
                 escalation: Escalation, as_of: datetime, limit: int = 500, tell_lapor: bool = False) -> dict[str, int]:
    """Handles every case due at ``as_of`` (at most ``limit``; the rest wait for the next
    tick). Returns how many were reminded, escalated, closed by the national completion
    rule, lost to a concurrent tick, not due. A tick delivered twice, a burst of ticks or
    ticks running at once move each case at most one level per step: the step's spacing
    is in the clock (``last_paged_at``), and each step is one optimistic write. With
    ``tell_lapor``, a case closed by the national completion rule tells LAPOR! in the same commit."""
    cases = queue.due(as_of, limit)
    outcomes = Counter(escalate_case(case, uow=uow, publisher=publisher, catalog=catalog, escalation=escalation,
                                     as_of=as_of, tell_lapor=tell_lapor) for case in cases)
    if len(cases) >= limit:
        logs.warning("escalate: more cases due than one tick handles; the rest wait", limit=limit)
    logs.info("escalation tick", as_of=as_of.isoformat(), due=len(cases), **outcomes)
    return dict(outcomes)


def escalate_case(case: Case, *, uow: UnitOfWork, publisher: EventPublisher, catalog: Catalog,
                  escalation: Escalation, as_of: datetime, tell_lapor: bool = False) -> str:
    """One step on one case: 'reminder', 'escalation', 'close', 'not-due' or 'lost-race'."""
    rules = escalation.rules
    step = due_step(case, rules, as_of)
    if step is None:
        return _rescheduled(case, uow=uow, escalation=escalation, as_of=as_of)
    if step.kind == CLOSE:
        return _closed(case, step, uow=uow, publisher=publisher, as_of=as_of, tell_lapor=tell_lapor,
                       days=escalation.policy.completion_rule_days)
    unit_id = stage_unit(case, catalog)
    reminder = step.kind == REMINDER
    reason = f"{step.stage.value} deadline " + ("near" if reminder else "missed")
    entry = case.next_entry(as_of, ACTOR, "reminded" if reminder else "escalated", stage=step.stage.value,
                            level=step.level, unit_id=unit_id, deadline_at=step.deadline_at, reason=reason)
    digest = not reminder and step.level >= escalation.policy.digest_from_level
    data = {"unit_id": unit_id, "stage": step.stage.value, "level": step.level,
            "deadline_at": step.deadline_at.isoformat(), "due_at": (step.due_at or step.deadline_at).isoformat(),
            "reason": reason,
            "delivery": "digest" if digest else "direct",
            "recipients": recipients(unit_id, step.level, catalog, escalation),
            "message": message(case, step, catalog.unit(unit_id).name, rules)}
    event = DomainEvent(f"{case.id}.{entry.id}", COMPLAINT_REMINDER if reminder else COMPLAINT_ESCALATED,
                        case.id, as_of, data)
    moved = replace(case, clock=step.clock, updated_at=as_of, timeline_length=entry.seq)
    with uow:
        uow.cases.update(moved, entry)
        uow.add_events([event])
        try:
            done = uow.commit()
        except Conflict:
            logs.info("escalate: the case changed meanwhile (another tick or an answer)", case_id=case.id)
            return "lost-race"
    logs.info("case " + ("reminded" if reminder else "escalated"), case_id=case.id, unit_id=unit_id,
              stage=step.stage.value, level=step.level)
    announce(done.events, outbox=uow.outbox, publisher=publisher)
    return step.kind


def _closed(case: Case, step: Step, *, uow: UnitOfWork, publisher: EventPublisher, as_of: datetime,
            tell_lapor: bool, days: int) -> str:
    """The national completion rule: a resolution nobody answered for ``days`` working days closes the case."""
    entry = case.next_entry(as_of, ACTOR, "closed", status=CaseStatus.CLOSED.value, rule="national_completion",
                            reason=f"resolved and {days} working days without a reply (national completion rule)")
    moved = case.moved_to(CaseStatus.CLOSED, as_of, entry, clock=step.clock)
    event = DomainEvent(f"{case.id}.{entry.id}", COMPLAINT_UPDATED, case.id, as_of,
                        {"action": "closed", "from": case.status.value, "to": "closed", "unit_id": case.unit_id})
    item = status_item(moved, entry.seq, CaseStatus.CLOSED, as_of, "selesai: aturan penyelesaian nasional")
    with uow:
        uow.cases.update(moved, entry)
        uow.add_events([event])
        if tell_lapor and item is not None and (case.lapor_tracking_id or case.source == "lapor"):
            uow.add_lapor_items([item])
        try:
            done = uow.commit()
        except Conflict:
            return "lost-race"
    logs.info("case closed by the national completion rule", case_id=case.id)
    announce(done.events, outbox=uow.outbox, publisher=publisher)
    return "close"


def _rescheduled(case: Case, *, uow: UnitOfWork, escalation: Escalation, as_of: datetime) -> str:
    """A case the query found due with no step to take: its stored next_due_at predates a
    policy change (or a bug). Recompute it, so it cannot sit in the due set for ever,
    crowding out the cases really due."""
    clock = case.clock
    if clock is None or clock.next_due_at is None or clock.next_due_at > as_of:
        return "not-due"
    settled = replace(clock, next_due_at=clock.closes_at) if case.status is CaseStatus.RESOLVED else \
        escalation.rules.settled(clock)
    if settled.next_due_at is not None and settled.next_due_at <= as_of:
        logs.error("escalate: a due case has no step to take", case_id=case.id)
        return "stuck"
    entry = case.next_entry(as_of, ACTOR, "rescheduled", reason="next due instant recomputed (policy changed)",
                            next_due_at=settled.next_due_at, stale_next_due_at=clock.next_due_at)
    with uow:
        uow.cases.update(replace(case, clock=settled, updated_at=as_of, timeline_length=entry.seq), entry)
        try:
            uow.commit()
        except Conflict:
            return "lost-race"
    logs.warning("escalate: stale next due instant recomputed", case_id=case.id)
    return "rescheduled"


def daily_digest(*, queue: DueCases, publisher: EventPublisher, catalog: Catalog, escalation: Escalation,
                 as_of: datetime, limit: int = 10_000) -> DomainEvent:
    """Publishes ``digest.daily`` for the local day of ``as_of``: per unit, the cases due
    today, overdue and escalated. Its id is the date: a redelivered tick publishes the
    same event again, which consumers drop by id."""
    calendar = escalation.rules.calendar
    day = calendar.local_date(as_of)
    end_of_day = datetime.combine(day, time.max, calendar.tz)
    cases = queue.deadlines_until(end_of_day, limit)
    data = build_digest(cases, catalog, escalation, as_of)
    event = DomainEvent(f"digest-{day.isoformat()}", DIGEST_DAILY, "", as_of, data)
    publisher.publish(event)
    logs.info("daily digest published", day=day.isoformat(), units=len(data["units"]), cases=len(cases))
    return event
