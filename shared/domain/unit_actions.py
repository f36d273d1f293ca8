"""What a unit (and the coordinator) can do to a case: one pure function per action,
checked against the status table, with its timeline entry, its clock effect, its
events and what the national platform must be told. No I/O.

What people write is kept: every note or reason goes into the timeline entry's detail
with its actor. LAPOR! is told, in one change and in delivery order (items of one seq
sort dispose < follow_up < status): a re-route as a disposition to the unit's LAPOR!
account, a public follow-up or a resolution as a tindak lanjut, and the case's status
after the change whenever that status changed or a public follow-up was told.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any

from shared.domain.case import Case, CaseStatus, TimelineEntry, can_transition
from shared.domain.catalog import Catalog
from shared.domain.clock.deadlines import CaseClock, ClockRules
from shared.domain.events import (
    COMPLAINT_ASSIGNED,
    COMPLAINT_RESOLVED,
    COMPLAINT_TRIAGED,
    COMPLAINT_UPDATED,
    DomainEvent,
)
from shared.domain.integrations.lapor import OutboxItem, dispose_item, follow_up_item, status_item

S = CaseStatus
WORKING = frozenset({S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_REPORTER})
COORDINATOR_ACTIONS = frozenset({"accept", "reject", "reassign", "merge", "reopen", "change_category"})


class Refusal(str, Enum):
    """Why an action is refused. The value is the public error code; which HTTP status
    each kind answers is the web layer's to say (``shared/web/refusals.py``)."""
    INVALID_TRANSITION = "invalid_transition"            # the status table does not allow it now
    COORDINATOR_ONLY = "coordinator_only"                # the coordinator's (Diskominfo) to do
    CASE_NOT_FOUND = "case_not_found"                    # no such case, or not the actor's to see
    INVALID_FIELD = "invalid_field"                      # a parameter that cannot apply
    UNKNOWN_UNIT = "unknown_unit"
    UNKNOWN_CATEGORY = "unknown_category"
    MISSING_IDEMPOTENCY_KEY = "missing_idempotency_key"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"    # the same key for another request


class ActionRefused(Exception):
    """An action that does not apply: its kind, a message for people, the input it concerns."""

    def __init__(self, kind: Refusal, message: str, field: str | None = None):
        super().__init__(message)
        self.kind, self.message, self.field = kind, message, field

    @property
    def code(self) -> str:
        return self.kind.value


@dataclass(frozen=True)
class Actor:
    id: str                       # who, for the timeline: "unit:dlh:<key id>" or "admin"
    unit_id: str | None = None    # the unit a key is scoped to; None for the admin token
    coordinator: bool = False     # the admin token, or a key of the triage unit (diskominfo)


@dataclass(frozen=True)
class Change:
    case: Case
    entry: TimelineEntry
    events: tuple[DomainEvent, ...] = ()
    lapor_items: tuple[OutboxItem, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Context:
    catalog: Catalog
    rules: ClockRules | None  # None when escalation is not configured
    now: datetime


def _refuse(case: Case, action: str) -> ActionRefused:
    return ActionRefused(Refusal.INVALID_TRANSITION,
                         f"'{action}' does not apply to a case in status '{case.status.value}'", "status")


def _move(case: Case, ctx: Context, actor: Actor, action: str, to: CaseStatus, *, clock: CaseClock | None = None,
          tell: str | None = None, lapor_note: str | None = None, dispose_to: str | None = None,
          dispose_note: str | None = None,
          events: tuple[str, ...] = (), same: bool = False, **detail: Any) -> Change:
    """The change of one action; ``same`` lets an action keep the status it finds.

    ``tell``: a tindak lanjut for LAPOR!; ``lapor_note``: the note of the status item;
    ``dispose_to``: the unit the report is disposed to on LAPOR! (a re-route)."""
    if not (same and case.status is to) and not can_transition(case.status, to):
        raise _refuse(case, action)
    entry = case.next_entry(ctx.now, actor.id, action, status=to.value, **detail)
    moved = case.moved_to(to, ctx.now, entry) if case.status is not to else \
        replace(case, updated_at=ctx.now, timeline_length=entry.seq)
    if clock is not None:
        moved = replace(moved, clock=clock)
    if "unit_id" in detail and detail["unit_id"] != case.unit_id:
        moved = replace(moved, unit_id=detail["unit_id"])
    if "category" in detail:
        moved = replace(moved, category=detail["category"])
    data = {"action": action, "from": case.status.value, "to": to.value, "unit_id": moved.unit_id}
    made = [DomainEvent(f"{case.id}.{entry.id}", COMPLAINT_UPDATED, case.id, ctx.now, data)]
    made += [DomainEvent(f"{case.id}.{entry.id}.{kind}", kind, case.id, ctx.now,
                         {"unit_id": moved.unit_id, "category": moved.category}) for kind in events]
    items = _told(case, moved, entry, ctx, tell=tell, lapor_note=lapor_note, dispose_to=dispose_to,
                  dispose_note=dispose_note)
    return Change(moved, entry, tuple(made), items)


def _told(case: Case, moved: Case, entry: TimelineEntry, ctx: Context, *, tell: str | None, lapor_note: str | None,
          dispose_to: str | None, dispose_note: str | None) -> tuple[OutboxItem, ...]:
    """What LAPOR! must be told of one change, all with the entry's seq, in delivery order:
    the disposition (when the unit has a LAPOR! account), the tindak lanjut, then the status
    after the change when it changed or a public follow-up was told (LAPOR! shows "Proses").
    The push drops a status LAPOR! already shows, so none is deduplicated here."""
    items: list[OutboxItem] = []
    if dispose_to is not None and (account := ctx.catalog.unit(dispose_to).lapor_account) is not None:
        items.append(dispose_item(moved, entry.seq, dispose_to, account, ctx.now, dispose_note))
    if tell is not None:
        items.append(follow_up_item(moved, entry.seq, tell, moved.unit_id, ctx.now))
    if tell is not None or moved.status is not case.status:
        if (item := status_item(moved, entry.seq, moved.status, ctx.now, lapor_note)) is not None:
            items.append(item)
    return tuple(items)


def _clock(ctx: Context, case: Case, effect: Callable[[ClockRules, CaseClock], CaseClock]) -> CaseClock | None:
    """The case's clock after one of ClockRules' effects (responded, paused, ...), if it has one."""
    if ctx.rules is None or case.clock is None:
        return None
    return effect(ctx.rules, case.clock)


def _unit(ctx: Context, unit_id: Any, field_name: str) -> str:
    if not isinstance(unit_id, str) or unit_id not in ctx.catalog.units:
        raise ActionRefused(Refusal.UNKNOWN_UNIT, f"{field_name} must be a known unit id", field_name)
    return unit_id


def acknowledge(case: Case, p: Mapping[str, Any], actor: Actor, ctx: Context) -> Change:
    return _move(case, ctx, actor, "acknowledged", S.ACKNOWLEDGED,
                 clock=_clock(ctx, case, lambda r, c: r.responded(c, ctx.now)), note=p.get("note"))


def follow_up(case: Case, p: Mapping[str, Any], actor: Actor, ctx: Context) -> Change:
    if case.status not in WORKING:
        raise _refuse(case, "follow_up")
    clock = _clock(ctx, case, lambda r, c: r.resumed(r.responded(c, ctx.now), ctx.now))
    public = p["visibility"] == "public"
    return _move(case, ctx, actor, "follow_up", S.IN_PROGRESS, clock=clock, tell=p["text"] if public else None,
                 same=True, text=p["text"], visibility=p["visibility"], attachments=list(p.get("attachments") or []))


def request_reroute(case: Case, p: Mapping[str, Any], actor: Actor, ctx: Context) -> Change:
    if case.status not in WORKING:
        raise _refuse(case, "request_reroute")
    suggested = _unit(ctx, p["suggested_unit"], "suggested_unit") if p.get("suggested_unit") else None
    triage = ctx.catalog.triage_unit
    top_level = len(ctx.catalog.chain_of_authority(triage))
    clock = _clock(ctx, case, lambda r, c: r.rerouted(c, ctx.now, to_triage=True, top_level=top_level))
    return _move(case, ctx, actor, "reroute_requested", S.TRIAGE, clock=clock, events=(COMPLAINT_TRIAGED,),
                 dispose_to=triage, dispose_note=p["reason"],
                 reason=p["reason"], suggested_unit=suggested, from_unit=case.unit_id, unit_id=triage)


def wait_reporter(case: Case, p: Mapping[str, Any], actor: Actor, ctx: Context) -> Change:
    return _move(case, ctx, actor, "waiting_reporter", S.WAITING_REPORTER,
                 clock=_clock(ctx, case, lambda r, c: r.paused(c, ctx.now, p["reason"])), reason=p["reason"])


def resume(case: Case, p: Mapping[str, Any], actor: Actor, ctx: Context) -> Change:
    if case.status is not S.WAITING_REPORTER:
        raise _refuse(case, "resume")
    return _move(case, ctx, actor, "resumed", S.IN_PROGRESS,
                 clock=_clock(ctx, case, lambda r, c: r.resumed(c, ctx.now)), note=p.get("note"))


def resolve(case: Case, p: Mapping[str, Any], actor: Actor, ctx: Context) -> Change:
    if case.status not in WORKING:
        raise _refuse(case, "resolve")
    return _move(case, ctx, actor, "resolved", S.RESOLVED, events=(COMPLAINT_RESOLVED,), tell=p["resolution"],
                 clock=_clock(ctx, case, lambda r, c: r.resolved(c, ctx.now)),
                 resolution=p["resolution"], evidence=list(p.get("evidence") or []))


def accept(case: Case, p: Mapping[str, Any], actor: Actor, ctx: Context) -> Change:
    if case.status is not S.RESOLVED:
        raise _refuse(case, "accept")
    return _move(case, ctx, actor, "resolution_accepted", S.CLOSED,
                 clock=_clock(ctx, case, lambda r, c: r.stopped(c, ctx.now)),
                 lapor_note=p.get("note"), note=p.get("note"))


def reject(case: Case, p: Mapping[str, Any], actor: Actor, ctx: Context) -> Change:
    if case.status is not S.RESOLVED:
        raise _refuse(case, "reject")
    return _move(case, ctx, actor, "resolution_rejected", S.IN_PROGRESS,
                 clock=_clock(ctx, case, lambda r, c: r.resumed(c, ctx.now)), reason=p["reason"])


def reassign(case: Case, p: Mapping[str, Any], actor: Actor, ctx: Context) -> Change:
    unit_id = _unit(ctx, p["unit_id"], "unit_id")
    if case.status not in WORKING | {S.TRIAGE}:
        raise _refuse(case, "reassign")
    top_level = len(ctx.catalog.chain_of_authority(unit_id))
    clock = _clock(ctx, case, lambda r, c: r.rerouted(c, ctx.now, to_triage=False, top_level=top_level))
    return _move(case, ctx, actor, "reassigned", S.ASSIGNED, clock=clock, events=(COMPLAINT_ASSIGNED,), same=True,
                 dispose_to=unit_id, dispose_note=p.get("reason"),
                 unit_id=unit_id, from_unit=case.unit_id, reason=p.get("reason"))


def merge(case: Case, p: Mapping[str, Any], actor: Actor, ctx: Context) -> Change:
    if p["into"] == case.id:
        raise ActionRefused(Refusal.INVALID_FIELD, "a case cannot be merged into itself", "into")
    return _move(case, ctx, actor, "merged", S.CLOSED,
                 clock=_clock(ctx, case, lambda r, c: r.stopped(c, ctx.now)),
                 into=p["into"], lapor_note=f"digabung ke laporan {p['into']}")


def reopen(case: Case, p: Mapping[str, Any], actor: Actor, ctx: Context) -> Change:
    if case.status is not S.CLOSED:
        raise _refuse(case, "reopen")
    unit_id = case.unit_id or ctx.catalog.triage_unit
    top_level = len(ctx.catalog.chain_of_authority(unit_id))
    clock = _clock(ctx, case, lambda r, c: r.rerouted(c, ctx.now, to_triage=False, top_level=top_level))
    return _move(case, ctx, actor, "reopened", S.IN_PROGRESS, clock=clock, reason=p["reason"])


def change_category(case: Case, p: Mapping[str, Any], actor: Actor, ctx: Context) -> Change:
    category = ctx.catalog.categories.get(p["category"])
    if category is None:
        raise ActionRefused(Refusal.UNKNOWN_CATEGORY, "category must be a known code", "category")
    if case.status in (S.RECEIVED, S.CLOSED):  # not routed yet, or done
        raise _refuse(case, "change_category")
    return _move(case, ctx, actor, "recategorised", case.status, same=True,
                 clock=_clock(ctx, case, lambda r, c: r.reclassified(c, category.sla_days)),
                 category=category.code, from_category=case.category)


ACTIONS: Mapping[str, Callable[[Case, Mapping[str, Any], Actor, Context], Change]] = {
    "acknowledge": acknowledge, "follow_up": follow_up, "request_reroute": request_reroute,
    "wait_reporter": wait_reporter, "resume": resume, "resolve": resolve,
    "accept": accept, "reject": reject, "reassign": reassign, "merge": merge, "reopen": reopen,
    "change_category": change_category,
}


def apply_action(case: Case, action: str, params: Mapping[str, Any], actor: Actor, ctx: Context) -> Change:
    if action in COORDINATOR_ACTIONS and not actor.coordinator:
        raise ActionRefused(Refusal.COORDINATOR_ONLY, f"'{action}' is the coordinator's (Diskominfo) to do", "action")
    return ACTIONS[action](case, params, actor, ctx)
