"""Who is calling: the admin bearer token and a unit's API key (the security schemes the
OpenAPI documents name are in ``shared/web/security.py``). Tokens and keys are compared
in constant time (keys by their SHA-256 digest) and never logged. A caller's address
locked out after repeated failures (shared/web/limits.py) is answered 429 before its
credential is looked at; each wrong credential counts as a failure; a unit key is
limited to ``SIGAP_LIMIT_KEY_PER_MINUTE`` requests."""
from __future__ import annotations

import hmac
from typing import Any

from flask import Request, Response

from shared.domain.api_keys import key_digest
from shared.domain.unit_actions import Actor
from shared.web import limits
from shared.web.responses import error
from shared.web.security import BEARER, OPEN311_KEY, SCHEMES, SESSION, SIGNED, UNIT_KEY

__all__ = ["BEARER", "OPEN311_KEY", "SCHEMES", "SESSION", "SIGNED", "UNIT_KEY", "admin_refusal", "unit_actor"]

def admin_refusal(request: Request, app: Any) -> Response | None:
    """None when the request carries the admin token; otherwise the 401 (or 429) to answer."""
    locked = limits.locked_out(request, app)
    if locked is not None:
        return locked
    token = app.settings.require_admin_token()
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(errors="replace"), token.encode()):
        return None
    refusal = error(401, "unauthorized", "send Authorization: Bearer <admin token>", "Authorization",
                    headers={"WWW-Authenticate": "Bearer"})
    return limits.failed(request, app, refusal) if given or scheme else refusal


def unit_actor(request: Request, app: Any) -> Actor | Response:
    """The unit API's caller: a unit key's unit (coordinator when it is the triage unit's),
    or the admin token (the coordinator); otherwise the 401 to answer."""
    given = request.headers.get("X-Api-Key")
    if given:
        locked = limits.locked_out(request, app)
        if locked is not None:
            return locked
        key = app.api_keys.find(key_digest(given))
        if key is None or not key.allows("unit") or key.unit_id is None:
            return limits.failed(request, app, error(
                401, "unauthorized", "the API key is unknown, revoked or not a unit key", "X-Api-Key"))
        limited = limits.per_minute(app, f"key:{key.key_id}", app.settings.limit_key_per_minute,
                                    "requests with this API key")
        if limited is not None:
            return limited
        return Actor(f"unit:{key.unit_id}:{key.key_id}", key.unit_id, key.unit_id == app.catalog.triage_unit)
    refusal = admin_refusal(request, app)
    return refusal if refusal is not None else Actor("admin", None, True)
