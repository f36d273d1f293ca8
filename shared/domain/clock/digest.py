"""The daily digest for leadership: per unit, the cases due today, overdue and
escalated, instead of one message per case at the upper levels. Pure; ids only."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from shared.domain.case import Case
from shared.domain.catalog import Catalog
from shared.domain.clock.escalation import Escalation, stage_unit


def build_digest(cases: Iterable[Case], catalog: Catalog, escalation: Escalation, as_of: datetime) -> dict[str, Any]:
    """``cases`` are those whose running deadline falls on or before the end of today."""
    units: dict[str, dict[str, Any]] = {}
    for case in cases:
        clock = case.clock
        if clock is None or clock.deadline_at is None:
            continue
        unit_id = stage_unit(case, catalog)
        row = units.setdefault(unit_id, {"name": catalog.unit(unit_id).name, "due_today": [], "overdue": [],
                                         "escalated": []})
        row["overdue" if clock.deadline_at < as_of else "due_today"].append(case.id)
        if clock.level >= 1:
            row["escalated"].append(case.id)
    leaders = _leadership(units, catalog, escalation)
    total = {k: sum(len(u[k]) for u in units.values()) for k in ("due_today", "overdue", "escalated")}
    day = escalation.rules.calendar.local_date(as_of)
    text = (f"Ringkasan harian SP4N-LAPOR! Kota Metro {day:%d-%m-%Y}: {total['due_today']} laporan jatuh tempo "
            f"hari ini, {total['overdue']} melewati batas waktu, {total['escalated']} telah dieskalasi.")
    return {"date": day.isoformat(), "units": dict(sorted(units.items())), "totals": total,
            "recipients": leaders, "message": text}


def _leadership(units: dict[str, Any], catalog: Catalog, escalation: Escalation) -> list[dict[str, Any]]:
    """The heads at the digest levels of every unit in the digest."""
    first = escalation.policy.digest_from_level
    heads: dict[str, dict[str, Any]] = {}
    for unit_id in units:
        for unit in catalog.chain_of_authority(unit_id)[first - 1:]:
            contact = escalation.contacts[unit.id].head
            heads[unit.id] = {"unit_id": unit.id, "role": "head", "name": contact.name, "title": contact.role,
                              "addresses": dict(contact.addresses)}
    return [heads[k] for k in sorted(heads)]
