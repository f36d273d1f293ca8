"""Signed links for people (itsdangerous): case links addressed to one recipient, and
one-time sign-in links.

- A **case link** ``{base}/reports/kasus/{case_id}?t=<token>`` lets its recipient read
  that case without signing in (read-only; acting needs a session). The token binds the
  case id, the recipient (a ``Person.id`` from ``shared.domain.people``, or the address
  the message went to) and an expiry; it is signed with the link secret
  (``SIGAP_LINK_SECRET``) under its own salt, so it can never pass for a sign-in token.
- A **sign-in link** ``{base}/reports/masuk/{token}`` is short-lived and single use: it
  carries the person's id, an expiry and a random nonce; the page that honours it records
  the nonce as used (``shared/ports/sign_in.py``) before it sets the session cookie.

Time is passed in (``now``), never read here: expiry is part of the signed payload, so
tests and the emulated clock decide what "expired" means.
"""
from __future__ import annotations

import secrets as _random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from itsdangerous import BadData, URLSafeSerializer

CASE_LINK_TTL = timedelta(days=14)     # an escalation may be read a week or two later
SIGN_IN_TTL = timedelta(minutes=15)    # a sign-in link: minutes, once
_CASE_SALT, _SIGN_IN_SALT = "sigap.case-link.v1", "sigap.sign-in.v1"


class LinkRefused(ValueError):
    """A link that does not open. ``reason``: invalid | expired | other_case | used."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class SignIn:
    person_id: str
    nonce: str
    expires_at: datetime


def _serializer(secret: str, salt: str) -> URLSafeSerializer:
    if not secret:
        raise ValueError("the link secret is not set (SIGAP_LINK_SECRET)")
    return URLSafeSerializer(secret, salt=salt)


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _load(token: str, secret: str, salt: str, now: datetime) -> dict[str, Any]:
    try:
        data = _serializer(secret, salt).loads(token)
    except BadData:  # a bad signature, or a payload that does not decode
        raise LinkRefused("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("e"), int):
        raise LinkRefused("invalid")
    if data["e"] <= now.timestamp():
        raise LinkRefused("expired")
    return data


def case_token(case_id: str, recipient: str, *, secret: str, now: datetime, ttl: timedelta = CASE_LINK_TTL) -> str:
    return str(_serializer(secret, _CASE_SALT).dumps({"c": case_id, "r": recipient, "e": _epoch(now + ttl)}))


def signed_case_url(base_url: str, case_id: str, recipient: str, *, secret: str, now: datetime,
                    ttl: timedelta = CASE_LINK_TTL) -> str:
    """The case page's link for one recipient: ``{base_url}/reports/kasus/{case_id}?t=...``."""
    token = case_token(case_id, recipient, secret=secret, now=now, ttl=ttl)
    return f"{base_url.rstrip('/')}/reports/kasus/{quote(case_id, safe='')}?{urlencode({'t': token})}"


def verify_case_token(token: str, case_id: str, *, secret: str, now: datetime) -> str:
    """The recipient the link was addressed to; raises LinkRefused (invalid, expired, other_case)."""
    data = _load(token, secret, _CASE_SALT, now)
    if not isinstance(data.get("r"), str):
        raise LinkRefused("invalid")
    if data.get("c") != case_id:
        raise LinkRefused("other_case")
    return str(data["r"])


def sign_in_token(person_id: str, *, secret: str, now: datetime, ttl: timedelta = SIGN_IN_TTL,
                  nonce: str | None = None) -> str:
    payload = {"p": person_id, "n": nonce or _random.token_urlsafe(16), "e": _epoch(now + ttl)}
    return str(_serializer(secret, _SIGN_IN_SALT).dumps(payload))


def sign_in_url(base_url: str, person_id: str, *, secret: str, now: datetime, ttl: timedelta = SIGN_IN_TTL) -> str:
    """A one-time sign-in link: ``{base_url}/reports/masuk/{token}``."""
    return f"{base_url.rstrip('/')}/reports/masuk/{sign_in_token(person_id, secret=secret, now=now, ttl=ttl)}"


def verify_sign_in_token(token: str, *, secret: str, now: datetime) -> SignIn:
    """The sign-in it carries (not yet marked used: the caller records the nonce); raises LinkRefused."""
    data = _load(token, secret, _SIGN_IN_SALT, now)
    if not isinstance(data.get("p"), str) or not isinstance(data.get("n"), str):
        raise LinkRefused("invalid")
    return SignIn(data["p"], data["n"], datetime.fromtimestamp(data["e"], UTC))
