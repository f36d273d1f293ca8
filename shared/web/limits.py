"""Abuse limits at the HTTP boundary (issue 14): 429 with Retry-After, per source, per API
key and per client address, and a lockout with back-off after repeated authentication
failures from one address (admin token, API keys, dashboard sign-in, unknown intake
sources). The state is shared by every instance (``app.limits``, shared/ports/limits.py);
the edge (Cloud Armor, infra/terraform/edge.tf) limits per address before any of this.

Keys: ``auth:{address}`` (failures), ``addr:{function}:{address}``, ``source:{source}``,
``key:{key_id}``. An app without ``limits`` (a test double) is unlimited."""
from __future__ import annotations

from typing import Any

from flask import Request, Response

from shared import logs
from shared.domain.limits import Decision, LockoutPolicy
from shared.web.responses import error

WINDOW_SECONDS = 60.0


def client_address(request: Request, trusted_hops: int = 0) -> str:
    """The caller's address: with ``trusted_hops`` proxies of ours in front (each appends
    to X-Forwarded-For), the entry the outermost of them added; else the peer's address.
    Entries a client wrote itself (to the left) are never trusted."""
    if trusted_hops > 0:
        entries = [e.strip() for e in request.headers.get("X-Forwarded-For", "").split(",") if e.strip()]
        if len(entries) >= trusted_hops:
            return entries[-trusted_hops][:64]
    return (request.remote_addr or "unknown")[:64]


def too_many(decision: Decision, what: str) -> Response:
    return error(429, "rate_limited", f"too many {what}; retry after {decision.retry_after_seconds} s",
                 headers={"Retry-After": str(decision.retry_after_seconds)})


def _limits(app: Any) -> Any:
    return getattr(app, "limits", None)


def _address(request: Request, app: Any) -> str:
    return client_address(request, app.settings.trusted_proxy_hops)


def per_minute(app: Any, key: str, limit: int, what: str) -> Response | None:
    """None while ``key`` is within ``limit`` hits a minute (0: unlimited); else the 429."""
    limits = _limits(app)
    if limits is None or limit <= 0:
        return None
    decision = limits.hit(key, limit=limit, window_seconds=WINDOW_SECONDS)
    if decision.allowed:
        return None
    logs.warning("rate limited", limit=key.split(":")[0], retry_after=decision.retry_after_seconds)
    return too_many(decision, what)


def address_limited(request: Request, app: Any, function: str) -> Response | None:
    return per_minute(app, f"addr:{function}:{_address(request, app)}", app.settings.limit_address_per_minute,
                      "requests from this address")


def locked_out(request: Request, app: Any) -> Response | None:
    """The 429 when the caller's address is locked out after authentication failures;
    check it before evaluating any credential."""
    limits = _limits(app)
    if limits is None:
        return None
    decision = limits.locked(f"auth:{_address(request, app)}")
    return None if decision.allowed else too_many(decision, "failed authentications")


def failed(request: Request, app: Any, refusal: Response) -> Response:
    """Records an authentication failure of the caller's address and answers ``refusal``,
    or the 429 when the address is locked out from now on."""
    limits = _limits(app)
    if limits is None:
        return refusal
    policy = LockoutPolicy(free_failures=app.settings.lockout_free_failures)
    decision = limits.fail(f"auth:{_address(request, app)}", policy)
    if decision.allowed:
        return refusal
    logs.warning("authentication locked out", retry_after=decision.retry_after_seconds)
    return too_many(decision, "failed authentications")


def succeeded(request: Request, app: Any) -> None:
    """After a successful sign-in: the address's failures are forgotten."""
    limits = _limits(app)
    if limits is not None:
        limits.clear(f"auth:{_address(request, app)}")
