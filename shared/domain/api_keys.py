"""API keys for city systems and units: issued once, stored only as a digest, scoped.

A key reads ``sgp_<key id>_<secret>``; the key id is public (logs, revocation), the
secret is shown once when issued. Keys are 256-bit random tokens, so one SHA-256
digest is the right storage (no password stretching needed), looked up directly.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

SCOPES = frozenset({"open311", "unit"})


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    owner: str
    scopes: tuple[str, ...]
    created_at: datetime
    unit_id: str | None = None  # a unit-scoped key sees only that unit's cases
    revoked_at: datetime | None = field(default=None)

    def allows(self, scope: str) -> bool:
        return self.revoked_at is None and scope in self.scopes


def key_digest(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()


def issue_key(*, owner: str, scopes: tuple[str, ...], now: datetime, key_id: str, secret: str,
              unit_id: str | None = None) -> tuple[ApiKey, str]:
    """The key record and its plaintext. ``key_id`` and ``secret`` come from the caller's
    random source, so this stays pure."""
    unknown = set(scopes) - SCOPES
    if not scopes or unknown:
        raise ValueError(f"scopes must be among {sorted(SCOPES)}")
    return ApiKey(key_id, owner, tuple(scopes), now, unit_id), f"sgp_{key_id}_{secret}"
