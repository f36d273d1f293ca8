"""Decoding Sigap's events from the CloudEvent a Pub/Sub trigger delivers."""
from __future__ import annotations

import base64
import json
from typing import Any


class BadMessage(ValueError):
    """A message that can never be processed: log it and ack it (no redelivery)."""


def event_message(cloud_event: Any) -> dict[str, Any]:
    try:
        message = cloud_event.data["message"]
        payload = json.loads(base64.b64decode(message.get("data") or b""))
    except (KeyError, TypeError, ValueError) as exc:
        raise BadMessage(f"not a Sigap event message: {type(exc).__name__}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("case_id"), str):
        raise BadMessage("the event has no case_id")
    return payload
