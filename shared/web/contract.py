"""What an HTTP operation promises, declared next to its route: its query, headers and
body models (pydantic, the same that validate the request), its answers per status and
who may call it. ``shared/web/openapi.py`` writes the OpenAPI document from these."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict

JSON = "application/json"
# Models that only describe answers (for the OpenAPI document, never to validate a request)
# are built when the document is first asked for, not when a function starts (cold start).
DESCRIBES = ConfigDict(extra="forbid", defer_build=True)


class ErrorDetail(BaseModel):
    model_config = DESCRIBES
    code: str                              # machine-readable: invalid_field, case_not_found, ...
    message: str                           # for people
    field: str | None                   # the input it concerns (a body field, a header, a parameter)
    current_status: str | None = None   # on 409: the case's status now


class ErrorOut(BaseModel):
    """``{"error": {"code", "message", "field"}}``: the one error shape of every Sigap API."""
    model_config = DESCRIBES
    error: ErrorDetail


class AnyObject(BaseModel):
    """A JSON object (an OpenAPI document itself)."""
    model_config = ConfigDict(extra="allow", defer_build=True)


@dataclass(frozen=True)
class Reply:
    description: str
    model: type[BaseModel] | None = ErrorOut   # the body's model; None: no body, or ``schema``
    media: str = JSON
    schema: Mapping[str, Any] | None = None    # a body that is not a model (text, HTML, CSV)
    headers: Mapping[str, str] = field(default_factory=dict)  # response header -> what it says


@dataclass(frozen=True)
class HeaderParam:
    name: str
    description: str
    required: bool = False
    schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "string"})


@dataclass(frozen=True)
class Operation:
    summary: str
    replies: Mapping[int, Reply]
    body: type[BaseModel] | None = None
    body_media: str = JSON
    body_required: bool = True
    query: type[BaseModel] | None = None
    headers: tuple[HeaderParam, ...] = ()
    security: tuple[tuple[str, ...], ...] = ()  # alternatives, each the schemes needed together; () = public
    description: str = ""


ERRORS = {
    400: "malformed_json, invalid_page_token, ...: the request cannot be read",
    401: "unauthorized: the credentials are missing or wrong",
    403: "coordinator_only: not this caller's to do",
    404: "not_found, or the named thing does not exist (or is not the caller's to see)",
    405: "method_not_allowed: the path answers other methods (see Allow)",
    409: "invalid_transition: the action does not apply to the case's status (current_status)",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_field and kin: a field, parameter or header is invalid; field names it",
    429: "rate_limited: too many requests, or too many failed authentications (see Retry-After)",
}


def errors(*statuses: int, **described: str) -> dict[int, Reply]:
    """Error replies in the one error shape; ``described`` overrides a description (``e404="..."``)."""
    out = {s: Reply(described.get(f"e{s}", ERRORS[s])) for s in statuses}
    out[405] = Reply(ERRORS[405], headers={"Allow": "the methods the path answers"})
    out[429] = Reply(ERRORS[429], headers={"Retry-After": "seconds to wait (shared/web/limits.py)"})
    return out
