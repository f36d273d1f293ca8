"""Abuse limits, pure: a fixed-window rate limit and a failure lockout with back-off.

Both are decided on a small state the adapter keeps per key (``shared/ports/limits.py``):
the adapter reads the state, calls one of these functions with the time, and writes the
state it gets back (in one transaction, so the limit holds across instances)."""
from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """``allowed`` or refused; when refused, ``retry_after_seconds`` (>= 1) is the Retry-After."""
    allowed: bool
    retry_after_seconds: int = 0

    @classmethod
    def refuse(cls, seconds: float) -> Decision:
        return cls(False, max(1, math.ceil(seconds)))


ALLOWED = Decision(True)


@dataclass(frozen=True)
class Window:
    """Hits counted since ``started_at`` (epoch seconds, aligned: ``window_start``) in a fixed window."""
    started_at: float
    count: int


def window_start(now: float, window_seconds: float) -> float:
    """Windows are aligned on multiples of their length, so every instance counts in the same one."""
    return now - now % window_seconds


def count_hit(window: Window | None, now: float, *, limit: int, window_seconds: float) -> tuple[Window, Decision]:
    """One more hit: allowed while the window holds at most ``limit`` hits."""
    if limit < 1 or window_seconds <= 0:
        raise ValueError("a rate limit needs limit >= 1 and window_seconds > 0")
    if window is None or now >= window.started_at + window_seconds or now < window.started_at:
        window = Window(window_start(now, window_seconds), 0)
    window = Window(window.started_at, window.count + 1)
    if window.count <= limit:
        return window, ALLOWED
    return window, Decision.refuse(window.started_at + window_seconds - now)


@dataclass(frozen=True)
class LockoutPolicy:
    """``free_failures`` failures are allowed; each further one locks the key for
    ``base_seconds`` doubled per failure past the free ones, at most ``max_seconds``;
    failures are counted per aligned window of ``forget_after_seconds`` (``window_start``),
    so the count needs no read-modify-write (an atomic increment suffices)."""
    free_failures: int = 5
    base_seconds: float = 30.0
    max_seconds: float = 3600.0
    forget_after_seconds: float = 3600.0

    def lock_seconds(self, failures: int) -> float:
        past = failures - self.free_failures
        if past < 1:
            return 0.0
        return min(self.max_seconds, self.base_seconds * 2.0 ** min(past - 1, 30))


DEFAULT_LOCKOUT = LockoutPolicy()


@dataclass(frozen=True)
class Failures:
    count: int
    last_at: float
    locked_until: float = 0.0


def lock_state(failures: Failures | None, now: float) -> Decision:
    """Whether an attempt may be evaluated at all now."""
    if failures is None or now >= failures.locked_until:
        return ALLOWED
    return Decision.refuse(failures.locked_until - now)


def record_failure(failures: Failures | None, now: float, policy: LockoutPolicy) -> tuple[Failures, Decision]:
    """One more failure; the decision says whether the key is locked from now on."""
    if failures is None or window_start(now, policy.forget_after_seconds) != window_start(
            failures.last_at, policy.forget_after_seconds):
        failures = Failures(0, now, failures.locked_until if failures else 0.0)
    count = failures.count + 1
    lock = policy.lock_seconds(count)
    updated = Failures(count, now, max(failures.locked_until, now + lock) if lock else failures.locked_until)
    return updated, lock_state(updated, now)


