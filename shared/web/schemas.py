"""Payloads at Sigap's boundaries, validated with pydantic (strict: no silent coercion).

Text refuses the characters it cannot hold (issue 14): a one-line field (``LINE``) no C0
or C1 control character nor U+FFFE/U+FFFF; a multi-line one (``TEXT``) the same but tab,
line feed and carriage return. So nothing stored can break an XML feed or a log line."""
from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

# A case id: never "." or "..", nor a name Firestore reserves (__x__). Unanchored: it also
# matches one path segment (shared/web/cases.py CASE_ID).
CASE_ID_PATTERN = r"(?!\.{1,2}$)(?!__[A-Za-z0-9._-]*__$)[A-Za-z0-9._-]{1,128}"


LINE = r"^[^\x00-\x1f\x7f-\x9f\uFFFE\uFFFF]*$"
TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\uFFFE\uFFFF]*$"


def _text(lo: int, hi: int, *, multiline: bool = False) -> StringConstraints:
    """Text stripped of surrounding whitespace, then lo..hi characters long, without
    control characters (``multiline``: tab and line breaks allowed)."""
    return StringConstraints(strip_whitespace=True, min_length=lo, max_length=hi,
                             pattern=TEXT if multiline else LINE)


EARLIEST, LATEST = datetime(1970, 1, 1, tzinfo=UTC), datetime(2999, 12, 31, tzinfo=UTC)


def within_range(instant: datetime) -> datetime:
    """An instant a case can hold (1970..2999, checked in UTC): the ends of the calendar
    overflow in any arithmetic (issue 14), so they are refused before any is done."""
    try:
        in_utc = instant.astimezone(UTC)
    except (OverflowError, ValueError):
        raise ValueError("the instant must lie within the years 1970..2999") from None
    if not EARLIEST <= in_utc <= LATEST:
        raise ValueError("the instant must lie within the years 1970..2999")
    return instant


Instant = Annotated[AwareDatetime, AfterValidator(within_range)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LocationIn(_Strict):
    kelurahan: Annotated[str, _text(1, 100)] | None = None
    kecamatan: Annotated[str, _text(1, 100)] | None = None
    address: Annotated[str, _text(1, 500, multiline=True)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


_PART = r"[^@\s\x00-\x1f\x7f]+"
_EMAIL = rf"^{_PART}@{_PART}\.{_PART}$"


class ReporterIn(_Strict):
    name: Annotated[str, _text(1, 200)] | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{6,20}$")] | None = None
    email: Annotated[str, StringConstraints(max_length=254, pattern=_EMAIL)] | None = None
    anonymous: bool = False


class AttachmentIn(_Strict):
    url: Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://[^\s\x00-\x1f\x7f]+$")]
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
    description: Annotated[str, _text(10, 5000, multiline=True)]
    category: Annotated[str, _text(1, 64)] | None = None
    location: LocationIn | None = None
    reporter: ReporterIn | None = None
    secret: bool = False
    channel: Annotated[str, _text(1, 50)] | None = None
    occurred_at: Instant | None = None
    attachments: Annotated[list[AttachmentIn], Field(max_length=10)] = []
