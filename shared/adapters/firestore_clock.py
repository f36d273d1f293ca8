"""CaseClock <-> the `clock` map of a case document (docs/firestore-schema.md).
The case document also carries `next_due_at` and `escalation_level` at the top level,
copies of the clock's, so the escalation tick and the digest can query them."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # loaded by clock_from_map: a new case (intake) has no clock to read
    from shared.domain.clock.deadlines import CaseClock

_INSTANTS = ("anchor_at", "stage_since", "deadline_at", "assigned_at", "responded_at", "paused_at",
             "next_due_at", "last_paged_at", "resolved_at", "closes_at")


def clock_to_map(clock: CaseClock | None) -> dict[str, Any] | None:
    if clock is None:
        return None
    return {**{k: getattr(clock, k) for k in _INSTANTS}, "sla_days": clock.sla_days,
            "stage": clock.stage.value, "top_level": clock.top_level, "level": clock.level,
            "reminded": clock.reminded, "pause_reason": clock.pause_reason, "paused_days": clock.paused_days,
            "late_on_arrival_days": clock.late_on_arrival_days}


def clock_from_map(raw: Mapping[str, Any] | None) -> CaseClock | None:
    if not raw:
        return None
    from shared.domain.clock.deadlines import CaseClock, Stage
    instants: dict[str, Any] = {k: raw.get(k) for k in _INSTANTS}  # Firestore timestamps, or absent
    return CaseClock(**instants, sla_days=int(raw["sla_days"]),
                     stage=Stage(raw["stage"]), top_level=int(raw["top_level"]), level=int(raw.get("level", 0)),
                     reminded=bool(raw.get("reminded")), pause_reason=raw.get("pause_reason"),
                     paused_days=int(raw.get("paused_days", 0)),
                     late_on_arrival_days=raw.get("late_on_arrival_days"))


def clock_fields(clock: CaseClock | None) -> dict[str, Any]:
    """The top-level fields of a case document that mirror its clock."""
    return {"clock": clock_to_map(clock), "next_due_at": clock.next_due_at if clock else None,
            "deadline_at": clock.deadline_at if clock else None,
            "escalation_level": clock.level if clock else 0}
