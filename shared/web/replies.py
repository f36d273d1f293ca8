"""The bodies Sigap's JSON APIs answer, as pydantic models: the OpenAPI documents take
their schemas from here, and the contract tests hold every answer to them. Closed
(``extra="forbid"``): a field added to a view without its model fails the contract."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from shared.domain.case import CaseStatus


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitRef(_Out):
    id: str
    name: str


class ReporterOut(_Out):
    """An anonymous reporter shows as ``{"anonymous": true}`` and nothing more."""
    anonymous: bool
    name: str | None = None
    phone: str | None = None
    email: str | None = None


class DeadlineOut(_Out):
    stage: str
    deadline_at: datetime | None
    escalation_level: int
    responded_at: datetime | None
    paused_at: datetime | None
    pause_reason: str | None


class EntryOut(_Out):
    seq: int
    at: datetime
    actor: str
    action: str
    detail: dict[str, Any]


class CaseOut(_Out):
    id: str
    status: CaseStatus
    category: str | None
    unit: UnitRef | None
    routing: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime | None
    source: str
    external_id: str
    title: str
    description: str
    secret: bool
    channel: str | None
    location: dict[str, Any] | None
    occurred_at: datetime | None
    attachments: list[dict[str, Any]]
    reporter: ReporterOut | None
    deadline: DeadlineOut | None
    lapor_tracking_id: str | None


class CaseWithTimeline(CaseOut):
    timeline: list[EntryOut]


class CasePage(_Out):
    """Newest first (by deadline with ``due_before``); ``next_page_token`` is null on the last page."""
    cases: list[CaseOut]
    next_page_token: str | None


class ActionEntry(_Out):
    seq: int
    action: str
    actor: str
    at: datetime


class ActionDone(_Out):
    """The action made, or the recorded answer of an earlier request with the same Idempotency-Key."""
    id: str
    status: CaseStatus
    unit_id: str | None
    entry: ActionEntry
