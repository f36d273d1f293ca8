"""A person's browser session (docs/people.md): after a one-time sign-in link, an
HttpOnly, SameSite=Lax cookie (Secure outside loopback) holding the person's id, a random
session id and an expiry, signed with the link secret (itsdangerous). Nothing else is
kept: signing out clears the cookie, and changing SIGAP_LINK_SECRET ends every session.

Every form carries a CSRF token bound to the session id (HMAC of it under the same
secret), checked before any action; SameSite=Lax alone would not stop a same-site form.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets as _random
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Request, Response
from itsdangerous import BadData, URLSafeSerializer

COOKIE = "sigap_sesi"
LIFETIME = timedelta(hours=10)  # one working day
_SALT = "sigap.session.v1"
CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class Session:
    person_id: str
    sid: str
    expires: int


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def issue(person_id: str, *, secret: str, now: datetime) -> str:
    expires = int((now + LIFETIME).timestamp())
    return str(_serializer(secret).dumps({"p": person_id, "s": _random.token_urlsafe(16), "e": expires}))


def read(value: str | None, *, secret: str, now: datetime) -> Session | None:
    if not value:
        return None
    try:
        data = _serializer(secret).loads(value)
    except BadData:  # a bad signature, or a payload that does not decode
        return None
    if not isinstance(data, dict) or not isinstance(data.get("e"), int) or data["e"] <= now.timestamp():
        return None
    if not isinstance(data.get("p"), str) or not isinstance(data.get("s"), str):
        return None
    return Session(data["p"], data["s"], data["e"])


def of_request(request: Request, *, secret: str, now: datetime) -> Session | None:
    return read(request.cookies.get(COOKIE), secret=secret, now=now)


def csrf_token(session: Session, secret: str) -> str:
    return hmac.new(secret.encode(), f"csrf:{session.sid}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(session: Session | None, given: str | None, secret: str) -> bool:
    return session is not None and bool(given) and hmac.compare_digest(csrf_token(session, secret), given or "")


def secure_cookie(request: Request) -> bool:
    """Secure everywhere but on loopback over plain http (the local stack)."""
    host = (request.host or "").rsplit(":", 1)[0].strip("[]")
    return request.is_secure or host not in ("127.0.0.1", "localhost", "::1")


def set_cookie(response: Response, value: str, request: Request) -> Response:
    response.set_cookie(COOKIE, value, max_age=int(LIFETIME.total_seconds()), httponly=True, samesite="Lax",
                        secure=secure_cookie(request), path="/")
    return response


def clear_cookie(response: Response, request: Request) -> Response:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="Lax", secure=secure_cookie(request))
    return response
