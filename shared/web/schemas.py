"""Payloads at Sigap's boundaries, validated with pydantic (strict: no silent coercion)."""
from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

# A case id: never "." or "..", nor a name Firestore reserves (__x__). Unanchored: it also
# matches one path segment (shared/web/cases.py CASE_ID).
CASE_ID_PATTERN = r"(?!\.{1,2}$)(?!__[A-Za-z0-9._-]*__$)[A-Za-z0-9._-]{1,128}"


def _text(lo: int, hi: int) -> StringConstraints:
    """Text stripped of surrounding whitespace, then lo..hi characters long."""
    return StringConstraints(strip_whitespace=True, min_length=lo, max_length=hi)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LocationIn(_Strict):
    kelurahan: Annotated[str, _text(1, 100)] | None = None
    kecamatan: Annotated[str, _text(1, 100)] | None = None
    address: Annotated[str, _text(1, 500)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class ReporterIn(_Strict):
    name: Annotated[str, _text(1, 200)] | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{6,20}$")] | None = None
    email: Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")] | None = None
    anonymous: bool = False


class AttachmentIn(_Strict):
    url: Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://[^\s]+$")]
    content_type: Annotated[str, StringConstraints(max_length=100, pattern=r"^[\w.+-]+/[\w.+-]+$")]


class ComplaintIn(_Strict):
    """The body of ``POST /intake/sources/{source}/complaints``."""
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "external_id": "sipp-001", "title": "Jalan berlubang di Jl. Ki Hajar Dewantara",
        "description": "Lubang besar di tengah jalan, sudah ada motor yang jatuh.", "category": "jalan-jembatan",
        "location": {"kelurahan": "Iringmulyo", "lat": -5.113, "lon": 105.307},
        "reporter": {"name": "Budi", "anonymous": True}, "occurred_at": "2026-11-23T08:00:00+07:00"}]})
    external_id: Annotated[str, _text(1, 128)]
    title: Annotated[str, _text(5, 200)]
    description: Annotated[str, _text(10, 5000)]
    category: Annotated[str, _text(1, 64)] | None = None
    location: LocationIn | None = None
    reporter: ReporterIn | None = None
    secret: bool = False
    channel: Annotated[str, _text(1, 50)] | None = None
    occurred_at: AwareDatetime | None = None
    attachments: Annotated[list[AttachmentIn], Field(max_length=10)] = []
