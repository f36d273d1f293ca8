"""Payloads at Sigap's boundaries, validated with pydantic (strict: no silent coercion)."""
from __future__ import annotations

from typing import Annotated, Optional

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

Text = lambda lo, hi: Annotated[str, StringConstraints(strip_whitespace=True, min_length=lo, max_length=hi)]  # noqa: E731


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class LocationIn(_Strict):
    kelurahan: Optional[Text(1, 100)] = None
    kecamatan: Optional[Text(1, 100)] = None
    address: Optional[Text(1, 500)] = None
    lat: Optional[Annotated[float, Field(ge=-90, le=90)]] = None
    lon: Optional[Annotated[float, Field(ge=-180, le=180)]] = None


class ReporterIn(_Strict):
    name: Optional[Text(1, 200)] = None
    phone: Optional[Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{6,20}$")]] = None
    email: Optional[Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]] = None
    anonymous: bool = False


class AttachmentIn(_Strict):
    url: Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://[^\s]+$")]
    content_type: Annotated[str, StringConstraints(max_length=100, pattern=r"^[\w.+-]+/[\w.+-]+$")]


class ComplaintIn(_Strict):
    """The body of ``POST /intake/sources/{source}/complaints``."""
    external_id: Text(1, 128)
    title: Text(5, 200)
    description: Text(10, 5000)
    category: Optional[Text(1, 64)] = None
    location: Optional[LocationIn] = None
    reporter: Optional[ReporterIn] = None
    secret: bool = False
    channel: Optional[Text(1, 50)] = None
    occurred_at: Optional[AwareDatetime] = None
    attachments: Annotated[list[AttachmentIn], Field(max_length=10)] = []
