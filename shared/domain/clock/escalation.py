"""What one escalation tick does to one due case: remind, or climb one level. Pure.

Level 0 is the unit's SP4N-LAPOR! admins; level L >= 1 is the head of the L-th unit
of the chain of authority (the unit itself, its parent, ... up to ``walikota``).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from shared.domain.case import Case, CaseStatus
from shared.domain.catalog import Catalog
from shared.domain.clock.deadlines import CaseClock, ClockRules, Stage
from shared.domain.clock.policy import Contact, EscalationPolicy, UnitContacts

REMINDER, ESCALATION, CLOSE = "reminder", "escalation", "close"
# Statuses whose clock can run; waiting_reporter is paused, resolved waits for validation, closed is done.
CLOCK_STATUSES = (CaseStatus.TRIAGE, CaseStatus.ASSIGNED, CaseStatus.ACKNOWLEDGED, CaseStatus.IN_PROGRESS)
# What the escalation tick reads: running clocks, and resolutions the completion rule will close.
DUE_STATUSES = (*CLOCK_STATUSES, CaseStatus.RESOLVED)

_STAGE_TEXT = {Stage.TRIAGE: "penelaahan (triase)", Stage.FIRST_RESPONSE: "tanggapan pertama",
               Stage.COMPLETION: "penyelesaian"}
_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
           "Oktober", "November", "Desember")


@dataclass(frozen=True)
class Step:
    kind: str          # REMINDER, ESCALATION or CLOSE (the national completion rule)
    stage: Stage
    level: int         # the level after the step
    deadline_at: datetime  # the deadline reminded about, the one missed, or when the rule closes the case
    clock: CaseClock   # the clock after the step
    due_at: datetime | None = None  # when the step fell due (the level's instant, or the reminder's)

    def __post_init__(self) -> None:
        if self.due_at is None:
            object.__setattr__(self, "due_at", self.deadline_at)


@dataclass(frozen=True)
class Escalation:
    """Everything escalation needs, loaded once: policy, calendar (in ``rules``), contacts."""
    rules: ClockRules
    contacts: Mapping[str, UnitContacts]

    @property
    def policy(self) -> EscalationPolicy:
        return self.rules.policy


def due_step(case: Case, rules: ClockRules, now: datetime) -> Step | None:
    """The one step due on ``case`` at ``now``, or None (answered, paused, not yet due)."""
    clock = case.clock
    if clock is None or clock.next_due_at is None or now < clock.next_due_at:
        return None
    if case.status is CaseStatus.RESOLVED:
        if clock.closes_at is not None and now >= clock.closes_at:
            return Step(CLOSE, clock.stage, clock.level, clock.closes_at, rules.stopped(clock, now))
        return None
    if case.status not in CLOCK_STATUSES or not clock.running:
        return None
    missed = rules.level_deadline(clock)
    if missed is not None and now >= missed and clock.deadline_at is not None:
        after = rules.settled(replace(clock, level=clock.level + 1, reminded=True, last_paged_at=now))
        return Step(ESCALATION, clock.stage, after.level, clock.deadline_at, after, missed)
    reminder = rules.reminder_at(clock)
    if reminder is not None and now >= reminder and clock.deadline_at is not None:  # a reminder implies a deadline
        return Step(REMINDER, clock.stage, 0, clock.deadline_at, rules.settled(replace(clock, reminded=True)),
                    reminder)
    return None


def stage_unit(case: Case, catalog: Catalog) -> str:
    return catalog.triage_unit if case.status is CaseStatus.TRIAGE or not case.unit_id else case.unit_id


def chain_length(catalog: Catalog, unit_id: str) -> int:
    return len(catalog.chain_of_authority(unit_id))


def _recipient(unit_id: str, role: str, contact: Contact) -> dict[str, Any]:
    return {"unit_id": unit_id, "role": role, "name": contact.name, "title": contact.role,
            "addresses": dict(contact.addresses)}


def late_recipients(unit_id: str, catalog: Catalog, escalation: Escalation) -> list[dict[str, Any]]:
    """Who hears that a case arrived late: the unit's admins and the coordinator's (Diskominfo)."""
    contacts, triage = escalation.contacts, catalog.triage_unit
    told = [_recipient(unit_id, "admin", c) for c in contacts[unit_id].admins]
    return told + ([_recipient(triage, "copy", c) for c in contacts[triage].admins] if unit_id != triage else [])


def recipients(unit_id: str, level: int, catalog: Catalog, escalation: Escalation) -> list[dict[str, Any]]:
    """Who is told at ``level``: the unit's admins always; from level 1 the head of the
    level's unit; the admins of each unit the policy copies on that level."""
    contacts = escalation.contacts
    told = [_recipient(unit_id, "admin", c) for c in contacts[unit_id].admins]
    if level >= 1:
        head_unit = catalog.chain_of_authority(unit_id)[level - 1].id
        told.append(_recipient(head_unit, "head", contacts[head_unit].head))
    for copied, levels in sorted(escalation.policy.copies.items()):
        if level in levels and copied != unit_id:
            told += [_recipient(copied, "copy", c) for c in contacts[copied].admins]
    return told


def indonesian_datetime(instant: datetime, rules: ClockRules) -> str:
    local = instant.astimezone(rules.calendar.tz)
    return (f"{_DAYS[local.weekday()]}, {local.day} {_MONTHS[local.month - 1]} {local.year} "
            f"pukul {local:%H.%M} WIB")


def message(case: Case, step: Step, unit_name: str, rules: ClockRules) -> str:
    """The text staff receive, in Bahasa Indonesia. Never the complaint's text."""
    when = indonesian_datetime(step.deadline_at, rules)
    what = _STAGE_TEXT[step.stage]
    if step.kind == REMINDER:
        return (f"Pengingat: laporan {case.id} di {unit_name} belum mendapat {what}. "
                f"Batas waktu {what}: {when}.")
    # "tanpa jawaban" only when nobody answered (the notifications say the same, issue 11)
    if case.clock is None or case.clock.responded_at is None:
        state = "tanpa jawaban"
    elif case.status is CaseStatus.IN_PROGRESS:
        state = "sudah ditindaklanjuti, belum selesai"
    else:
        state = "sudah diterima, belum ada tindak lanjut"
    return (f"Eskalasi tingkat {step.level}: laporan {case.id} di {unit_name} melewati batas waktu "
            f"{what} ({when}), {state}. Mohon segera ditindaklanjuti.")


def late_message(case: Case, clock: CaseClock, unit_name: str, next_title: str | None, rules: ClockRules) -> str:
    """The late-on-arrival notice, in Bahasa Indonesia: how late, and when the next level is paged."""
    what = _STAGE_TEXT.get(clock.stage, "penyelesaian")
    days = clock.late_on_arrival_days or 0
    late = f"{days} hari kerja" if days else "kurang dari 1 hari kerja"
    when = indonesian_datetime(clock.deadline_at, rules) if clock.deadline_at else "-"
    text = (f"Laporan {case.id} di {unit_name} baru diterima Sigap dan sudah terlambat {late} dari batas waktu "
            f"{what} ({when}). Mohon segera ditindaklanjuti.")
    nxt = rules.level_deadline(clock)
    if next_title and nxt is not None:
        text += f" Tanpa jawaban, eskalasi ke {next_title} pada {indonesian_datetime(nxt, rules)}."
    return text
