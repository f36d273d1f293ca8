"""The bodies of the unit API's actions (``POST /units/cases/{id}/{action}``), strict:
unknown fields are refused and types are not coerced. Every action reads one."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shared.domain.unit_actions import ACTIONS
from shared.web.schemas import CASE_ID_PATTERN, LINE, TEXT

Url = Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://[^\s\x00-\x1f\x7f]+$")]


def _text(lo: int, hi: int, *, multiline: bool = True) -> StringConstraints:
    """No control characters (shared/web/schemas.py): notes, reasons and texts may span lines."""
    return StringConstraints(strip_whitespace=True, min_length=lo, max_length=hi, pattern=TEXT if multiline else LINE)


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class NoteBody(ActionBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "Diterima, tim segera dijadwalkan."}]})
    note: Annotated[str, _text(1, 1000)] | None = None


class FollowUpBody(ActionBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"text": "Truk dijadwalkan besok pagi.", "visibility": "public"}]})
    text: Annotated[str, _text(5, 5000)]
    # stated every time: public reaches LAPOR!, internal stays in Sigap
    visibility: Literal["public", "internal"]
    attachments: Annotated[list[Url], Field(max_length=10)] = []


class ReasonBody(ActionBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Menunggu foto lokasi dari pelapor."}]})
    reason: Annotated[str, _text(5, 1000)]


class RerouteBody(ReasonBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"reason": "Bukan kewenangan DLH: saluran drainase.", "suggested_unit": "dinas-pupr"}]})
    suggested_unit: Annotated[str, _text(1, 64, multiline=False)] | None = None


class ResolveBody(ActionBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"resolution": "Sampah sudah diangkut seluruhnya.", "evidence": ["https://files.example/foto.jpg"]}]})
    resolution: Annotated[str, _text(10, 5000)]
    evidence: Annotated[list[Url], Field(max_length=10)] = []


class ReassignBody(ActionBody):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"unit_id": "dinas-pupr", "reason": "Saluran, bukan sampah"}]})
    unit_id: Annotated[str, _text(1, 64, multiline=False)]
    reason: Annotated[str, _text(1, 1000)] | None = None


class MergeBody(ActionBody):
    model_config = ConfigDict(regex_engine="python-re")  # the pattern looks ahead
    into: Annotated[str, StringConstraints(strip_whitespace=True, pattern=f"^(?:{CASE_ID_PATTERN})$")]  # another case


class CategoryBody(ActionBody):
    model_config = ConfigDict(json_schema_extra={"examples": [{"category": "drainase"}]})
    category: Annotated[str, _text(1, 64, multiline=False)]


BODIES: dict[str, type[ActionBody]] = {
    "acknowledge": NoteBody, "follow_up": FollowUpBody, "request_reroute": RerouteBody, "wait_reporter": ReasonBody,
    "resume": NoteBody, "resolve": ResolveBody, "accept": NoteBody, "reject": ReasonBody, "reassign": ReassignBody,
    "merge": MergeBody, "reopen": ReasonBody, "change_category": CategoryBody,
}
assert set(BODIES) == set(ACTIONS)
HINTS = {"visibility": ": 'public' (sent to LAPOR!) or 'internal' (stays in Sigap)"}  # for a missing field
SUMMARIES = {
    "acknowledge": "The unit claims the case (answers the first response)",
    "follow_up": "A tindak lanjut: public (told to LAPOR!) or internal",
    "request_reroute": "Bukan kewenangan: back to triage at Diskominfo, with a suggested unit",
    "wait_reporter": "Pause: wait for the reporter or a field inspection",
    "resume": "Resume after waiting for the reporter",
    "resolve": "The unit says it is done; the coordinator validates",
    "accept": "Coordinator: accept the resolution (closes the case)",
    "reject": "Coordinator: reject the resolution (back in progress at the same unit)",
    "reassign": "Coordinator: give the case to another unit",
    "merge": "Coordinator: merge into another open case (closes this one)",
    "reopen": "Coordinator: reopen a closed case",
    "change_category": "Coordinator: change the category (and its SLA)",
}
