"""Decoding a scheduler tick (Cloud Scheduler -> Pub/Sub -> function).

A tick's instant is the clock's. Only when SIGAP_ALLOW_CLOCK_OVERRIDE is set (the test
stack, never production) may the message carry ``{"as_of": "<RFC 3339>"}`` to run the
tick at another instant; otherwise an ``as_of`` is ignored and the log says so.
"""
from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from shared import logs
from shared.ports import Clock


def tick_instant(cloud_event: Any, *, allow_override: bool, clock: Clock) -> datetime:
    try:
        payload = json.loads(base64.b64decode(cloud_event.data["message"].get("data") or b"") or b"{}")
    except (KeyError, TypeError, ValueError, AttributeError):
        payload = {}  # a tick carries no information we need; a malformed one is still a tick
    as_of = payload.get("as_of") if isinstance(payload, dict) else None
    if as_of is None:
        return clock.now()
    if not allow_override:
        logs.warning("tick: as_of ignored (SIGAP_ALLOW_CLOCK_OVERRIDE is not set)")
        return clock.now()
    try:
        instant = datetime.fromisoformat(str(as_of))
    except ValueError:
        logs.error("tick: as_of is not an RFC 3339 instant; using the clock", as_of=str(as_of)[:40])
        return clock.now()
    if instant.tzinfo is None:
        logs.error("tick: as_of has no time zone; using the clock")
        return clock.now()
    return instant
