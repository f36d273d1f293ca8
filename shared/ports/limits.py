"""Abuse limits (issue 14): a rate limiter and a failure lockout, keyed by strings such as
``intake:source:citizen-app`` or ``auth:admin:203.0.113.7``. The decisions are the domain's
(shared/domain/limits.py); the Firestore adapter keeps the state so a limit holds across
instances (shared/adapters/firestore_limits.py, priced in docs/operations.md); the fake is
tests/fakes.py ``FakeLimits``. Keys are hashed by the adapter before they are stored."""
from __future__ import annotations

from typing import Protocol

from shared.domain.limits import DEFAULT_LOCKOUT, Decision, LockoutPolicy

__all__ = ["Decision", "Limits", "LockoutPolicy"]


class Limits(Protocol):
    def hit(self, key: str, *, limit: int, window_seconds: float) -> Decision:
        """Counts one hit of ``key``: refused once more than ``limit`` hits fall in the
        current fixed window of ``window_seconds`` (Retry-After: until the window ends)."""
        ...

    def locked(self, key: str) -> Decision:
        """Whether ``key`` is locked out now (check it before evaluating a credential)."""
        ...

    def fail(self, key: str, policy: LockoutPolicy = DEFAULT_LOCKOUT) -> Decision:
        """Records an authentication failure of ``key``; refused when it is locked from now on."""
        ...

    def clear(self, key: str) -> None:
        """Forgets ``key``'s failures (after a successful sign-in)."""
        ...
