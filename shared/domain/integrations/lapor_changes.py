"""What happens on LAPOR! does to the case in Sigap: a report's arrival with its
history, and every later change pulled (a unit's tindak lanjut, a disposition by the
city admin, a reporter's reply, a new title or text, a closing status). Pure, no I/O.

LAPOR! is a second workspace of the same case (docs/lapor-contract.md, "Both sides"):
- a follow-up by a unit (``instansi``) answers the first response; with a closing
  status (``Selesai``) it resolves the case, which the national completion rule then
  closes (docs/escalation.md);
- a disposition by the city admin to a unit's account re-routes the case (rule
  ``lapor_disposition``), keeping the time already spent;
- a reporter's reply after a resolution reopens the case; on a closed case it is
  recorded only (the national rules: a finished report stays finished);
- Sigap's own follow-ups and dispositions coming back (``client_ref``) change nothing.

``lapor_state`` (on the case) keeps what Sigap last saw of the report and what it told
LAPOR!: ``version``, ``status``, ``follow_up_ids``, ``disposition``, ``answered_at``
(first follow-up by a unit) and ``told_status`` (the last status Sigap pushed).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from shared.domain.case import Case, CaseStatus, TimelineEntry, can_transition
from shared.domain.catalog import Catalog
from shared.domain.clock.deadlines import ClockRules
from shared.domain.events import (
    COMPLAINT_ASSIGNED,
    COMPLAINT_RESOLVED,
    COMPLAINT_TRIAGED,
    COMPLAINT_UPDATED,
    DomainEvent,
)
from shared.domain.integrations.lapor import (
    ADMIN,
    ARSIP,
    BELUM_DITINDAKLANJUTI,
    BELUM_TERVERIFIKASI,
    CLOSING,
    INSTANSI,
    PELAPOR,
    PROSES,
    SELESAI,
    FollowUp,
    Report,
)

ACTOR = "lapor"
S = CaseStatus
WORKING = frozenset({S.ASSIGNED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.WAITING_REPORTER})
# National statuses in the order a report moves through them: Sigap never pushes one backwards.
RANK: Mapping[str, int] = {BELUM_TERVERIFIKASI: 0, BELUM_DITINDAKLANJUTI: 1, PROSES: 2, SELESAI: 3, ARSIP: 3}


def rank(status: str | None) -> int:
    return RANK.get(status or "", -1)


def shown_rank(state: Mapping[str, Any] | None) -> int:
    """How far LAPOR! is known to show the report: what was pulled or what Sigap pushed."""
    state = state or {}
    return max(rank(state.get("status")), rank(state.get("told_status")))


def is_ours(case_id: str, client_ref: str | None) -> bool:
    """Sigap's own follow-ups, dispositions and submissions carry its outbox item id."""
    return bool(client_ref) and str(client_ref).startswith(f"{case_id}~")


def seen_follow_up_ids(state: Mapping[str, Any] | None, report: Report) -> set[str]:
    state = state or {}
    if "follow_up_ids" in state:
        return set(state["follow_up_ids"])
    return {f.id for f in report.follow_ups[: int(state.get("follow_ups", 0))]}  # cases stored before ids


def first_answer(report: Report, case_id: str) -> datetime | None:
    """When a unit first answered on LAPOR! (Sigap's own follow-ups count too: they are answers)."""
    answers = [f.at for f in report.follow_ups if f.author == INSTANSI]
    return min(answers) if answers else None


def last_answer(report: Report) -> datetime | None:
    answers = [f.at for f in report.follow_ups if f.author == INSTANSI]
    return max(answers) if answers else None


def state_of(report: Report, case_id: str, previous: Mapping[str, Any] | None = None) -> dict[str, Any]:
    previous = previous or {}
    answered = first_answer(report, case_id)
    known = previous.get("answered_at")
    return {**previous, "version": report.version, "status": report.status,
            "follow_up_ids": sorted({f.id for f in report.follow_ups} | set(previous.get("follow_up_ids") or ())),
            "disposition": report.disposition.account if report.disposition else previous.get("disposition"),
            "answered_at": min(a for a in (answered, known) if a) if (answered or known) else None,
            "last_answered_at": last_answer(report) or previous.get("last_answered_at")}


def _follow_up_entry(case: Case, f: FollowUp, now: datetime, secret: bool) -> tuple[Case, TimelineEntry]:
    text = {} if secret else {"text": f.text}
    if f.author == INSTANSI:
        return case.with_entry(now, f"lapor:{f.account or INSTANSI}", "follow_up", visibility="public",
                               origin="lapor", follow_up_id=f.id, written_at=f.at, **text)
    if f.author == PELAPOR:
        return case.with_entry(now, "lapor:pelapor", "reporter_replied", origin="lapor", follow_up_id=f.id,
                               written_at=f.at, **text)
    return case.with_entry(now, f"lapor:{ADMIN}", "lapor_note", origin="lapor", follow_up_id=f.id,
                           written_at=f.at, **text)


def arrival_entries(case: Case, report: Report, now: datetime) -> tuple[Case, list[TimelineEntry]]:
    """A report's follow-ups from before Sigap saw it, as follow-ups on the case (after ``received``)."""
    entries = []
    for f in sorted(report.follow_ups, key=lambda f: (f.at, f.id)):
        case, entry = _follow_up_entry(case, f, now, report.secret)
        entries.append(entry)
    return case, entries


def adopt_history(case: Case, rules: ClockRules | None, now: datetime) -> tuple[Case, list[TimelineEntry]]:
    """Right after routing: the state the report's national history gives the case (its
    status, its first answer). The clock already counts from the national disposition."""
    state = case.lapor_state or {}
    national, answered = state.get("status"), state.get("answered_at")
    clock = case.clock
    if national in CLOSING:
        if clock is not None and rules is not None:  # resolved by the last answer the unit gave there
            resolved = state.get("last_answered_at") or answered
            clock = rules.stopped(replace(clock, responded_at=clock.responded_at or answered,
                                          resolved_at=clock.resolved_at or resolved), now)
        case, entry = case.with_entry(now, ACTOR, "lapor_closed", lapor_status=national,
                                      reason="closed on LAPOR! before Sigap saw it")
        return case.moved_to(S.CLOSED, now, entry, clock=clock), [entry]
    if answered is None:
        return case, []
    if clock is not None and rules is not None:
        clock = rules.responded(clock, now, at=answered)
    case, entry = case.with_entry(now, ACTOR, "lapor_answered", lapor_status=national, answered_at=answered,
                                  reason="a unit answered on LAPOR! before Sigap saw it")
    if can_transition(case.status, S.IN_PROGRESS):
        return case.moved_to(S.IN_PROGRESS, now, entry, clock=clock), [entry]
    return replace(case, clock=clock), [entry]


class Change:
    """A pulled report's effects on one case, built up step by step."""

    def __init__(self, case: Case, now: datetime, rules: ClockRules | None):
        self.case, self.now, self.rules = case, now, rules
        self.entries: list[TimelineEntry] = []
        self.events: list[DomainEvent] = []

    def entry(self, actor: str, action: str, **detail: Any) -> TimelineEntry:
        self.case, entry = self.case.with_entry(self.now, actor, action, **detail)
        self.entries.append(entry)
        return entry

    def move(self, status: CaseStatus, entry: TimelineEntry, clock_effect: str | None = None, *args: Any,
             event: str | None = None, **changes: Any) -> None:
        before = self.case.status
        clock = self.case.clock
        if clock_effect and clock is not None and self.rules is not None:
            clock = getattr(self.rules, clock_effect)(clock, self.now, *args)
        moved = self.case.moved_to(status, self.now, entry, clock=clock, **changes) if status is not before else \
            replace(self.case, clock=clock, **changes)
        self.case = moved
        data = {"action": entry.action, "from": before.value, "to": status.value, "unit_id": moved.unit_id,
                "origin": "lapor"}
        self.events.append(DomainEvent(f"{moved.id}.{entry.id}", COMPLAINT_UPDATED, moved.id, self.now, data))
        if event:
            self.events.append(DomainEvent(f"{moved.id}.{entry.id}.{event}", event, moved.id, self.now,
                                           {"unit_id": moved.unit_id, "category": moved.category}))

    def clock(self, effect: str, *args: Any, **kwargs: Any) -> None:
        if self.case.clock is not None and self.rules is not None:
            self.case = replace(self.case, clock=getattr(self.rules, effect)(self.case.clock, self.now,
                                                                            *args, **kwargs))


def apply_report(case: Case, report: Report, catalog: Catalog, rules: ClockRules | None,
                 now: datetime) -> tuple[Case, list[TimelineEntry], list[DomainEvent]]:
    """A newer version of the case's report: what changed on LAPOR!, applied to the case.
    Returns the case (with its new ``lapor_state``), its new timeline entries and events;
    no entries when nothing but Sigap's own echo changed."""
    state = dict(case.lapor_state or {})
    change = Change(case, now, rules)
    _text(change, report)
    answered_now = _follow_ups(change, report, seen_follow_up_ids(state, report))
    _disposition(change, report, state, catalog)
    _status(change, report, state, answered_now)
    final = replace(change.case, lapor_state=state_of(report, case.id, state),
                    lapor_tracking_id=case.lapor_tracking_id or report.tracking_id)
    return final, change.entries, change.events


def _text(change: Change, report: Report) -> None:
    case = change.case
    if report.title == case.title and report.content == case.description:
        return
    old = {"secret": True} if case.secret else {"old_title": case.title, "old_description": case.description}
    change.entry(ACTOR, "lapor_text_changed", **old)
    change.case = replace(change.case, title=report.title, description=report.content)


def _follow_ups(change: Change, report: Report, seen: set[str]) -> FollowUp | None:
    """New follow-ups written on LAPOR!, each once, in the order they were written. The
    unit's last one on a report now ``Selesai`` resolves the case at that instant, so a
    reporter's reply written after it (pulled in the same version) reopens it.
    Returns the last new answer by a unit."""
    answered = None
    closing = last_answer(report) if report.status == SELESAI else None
    for f in sorted(report.follow_ups, key=lambda f: (f.at, f.id)):
        if f.id in seen or is_ours(change.case.id, f.client_ref):
            continue
        change.case, entry = _follow_up_entry(change.case, f, change.now, report.secret)
        change.entries.append(entry)
        status = change.case.status
        if f.author == INSTANSI:
            answered = f
            change.clock("responded", at=f.at)
            if f.at == closing and status in WORKING:
                _resolve(change, f.at)
            elif status in (S.ASSIGNED, S.ACKNOWLEDGED):
                change.move(S.IN_PROGRESS, entry)
        elif f.author == PELAPOR and status is S.RESOLVED:
            reopened = change.entry(ACTOR, "reopened", reason="the reporter replied after the resolution",
                                    status=S.IN_PROGRESS.value)
            change.move(S.IN_PROGRESS, reopened, "resumed")
        elif f.author == PELAPOR and status is S.WAITING_REPORTER:
            change.move(S.IN_PROGRESS, entry, "resumed")
    return answered


def _resolve(change: Change, at: datetime) -> None:
    entry = change.entry(ACTOR, "resolved", lapor_status=SELESAI, origin="lapor", resolved_at=at,
                         reason="a unit closed the report on LAPOR! with its follow-up")
    change.move(S.RESOLVED, entry, "resolved", at, event=COMPLAINT_RESOLVED)


def _disposition(change: Change, report: Report, state: Mapping[str, Any], catalog: Catalog) -> None:
    d = report.disposition
    if d is None or d.account == state.get("disposition") or is_ours(change.case.id, d.client_ref):
        return
    unit = catalog.unit_for_lapor_account(d.account)
    case = change.case
    if unit is None:
        change.entry(ACTOR, "lapor_disposition_ignored", account=d.account, reason="no unit has this LAPOR! account")
        return
    if unit.id == case.unit_id or case.status not in WORKING | {S.TRIAGE}:
        change.entry(ACTOR, "lapor_disposed", account=d.account, unit_id=unit.id, recorded_only=True)
        return
    to_triage = unit.id == catalog.triage_unit
    routing = {**(case.routing or {}), "rule": "lapor_disposition", "unit_id": unit.id, "decided_at": change.now,
               "reason": f"disposed on LAPOR! to account {d.account}"}
    entry = change.entry("lapor:admin", "rerouted", rule="lapor_disposition", account=d.account,
                         from_unit=case.unit_id, unit_id=unit.id, status=(S.TRIAGE if to_triage else S.ASSIGNED).value)
    top = len(catalog.chain_of_authority(unit.id))
    clock = case.clock
    if clock is not None and change.rules is not None:
        clock = change.rules.rerouted(clock, change.now, to_triage=to_triage, top_level=top)
    change.case = replace(change.case, clock=clock)
    change.move(S.TRIAGE if to_triage else S.ASSIGNED, entry, event=COMPLAINT_TRIAGED if to_triage
                else COMPLAINT_ASSIGNED, unit_id=unit.id, routing=routing)


def _status(change: Change, report: Report, state: Mapping[str, Any], answered: FollowUp | None) -> None:
    """A status set on LAPOR! without a new follow-up: Selesai after a unit's answer
    resolves (at its last answer), Selesai or Arsip without one closes; the status Sigap
    pushed itself coming back is no news."""
    national, case = report.status, change.case
    if national in (state.get("status"), state.get("told_status")) or \
            any(e.action in ("resolved", "reopened") for e in change.entries):  # the follow-ups said it all
        return
    answers = [a for a in (state.get("last_answered_at"), last_answer(report)) if a is not None]
    answer_at = max(answers) if answers else None
    replied = any(f.author == PELAPOR and answer_at is not None and f.at > answer_at for f in report.follow_ups)
    if national == SELESAI and answer_at is not None and case.status in WORKING and not replied:
        _resolve(change, answer_at)  # the reporter has not objected since the unit's last answer
    elif national == SELESAI and answer_at is not None:  # answered, but the reporter objected since: work goes on
        change.entry(ACTOR, "lapor_updated", lapor_status=national, version=report.version,
                     note="the reporter replied after the last answer: not resolved")
    elif national in CLOSING and case.status not in (S.RESOLVED, S.CLOSED) and can_transition(case.status, S.CLOSED):
        entry = change.entry(ACTOR, "lapor_closed", lapor_status=national)
        change.move(S.CLOSED, entry, "stopped")
    else:
        change.entry(ACTOR, "lapor_updated", lapor_status=national, version=report.version)
