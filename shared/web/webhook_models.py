"""Request and answer models of the webhook admin API (function ``webhooks``)."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from shared.delivery.state import DeliveryStatus
from shared.domain.events import TOPICS
from shared.web.schemas import LINE

EVENT_TYPES = tuple(sorted(set(TOPICS) | {"*"}))
CODES = {
    "url": ("invalid_field", "url must be a string of at most 2048 characters, no control characters"),
    "event_types": ("invalid_field", f"event_types must be a non-empty list of {list(EVENT_TYPES)}"),
    "description": ("invalid_field", "description must be a string of at most 500 characters, no control "
                                   "characters"),
    "status": ("invalid_status", "status must be pending, delivered or parked"),
}


def _known(event_type: str) -> str:
    if event_type not in EVENT_TYPES:
        raise ValueError("not an event type")
    return event_type


EventType = Annotated[str, AfterValidator(_known), WithJsonSchema({"type": "string", "enum": list(EVENT_TYPES)})]


class SubscriptionIn(BaseModel):
    """The body of ``POST /webhooks/subscriptions`` (other fields are ignored)."""
    model_config = ConfigDict(extra="ignore", strict=True, frozen=True, json_schema_extra={"examples": [
        {"url": "http://127.0.0.1:9/hooks/sigap", "event_types": ["complaint.assigned"], "description": "SIMPEL"}]})
    url: Annotated[str, StringConstraints(max_length=2048, pattern=LINE), Field(description="https (SSRF-checked)")]
    event_types: Annotated[list[EventType], Field(min_length=1, description="event types, or '*' for all")]
    description: Annotated[str, StringConstraints(max_length=500, pattern=LINE)] = ""


class DeliveriesQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    status: Annotated[DeliveryStatus, Field(description="which deliveries")] = DeliveryStatus.PARKED


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubscriptionOut(_Out):
    id: str
    url: str
    event_types: list[str]
    description: str
    active: bool
    flagged_at: datetime | None   # set when a delivery was parked
    created_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str                      # whsec_...: shown once, here


class SubscriptionList(_Out):
    subscriptions: list[SubscriptionOut]


class DeliveryOut(_Out):
    id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: int
    last_status: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None


class DeliveryList(_Out):
    deliveries: list[DeliveryOut]


class Redriven(_Out):
    redriven: int
