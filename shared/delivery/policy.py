"""RetryPolicy: when to try again after a failed attempt, and when to stop. Pure.

One type for every sender: outbound webhooks and notifications use a fixed schedule
(the Standard Webhooks one by default), the LAPOR! push and the LAPOR! client's own
short in-call retries use jittered exponential backoff. Every one of them waits at
least as long as a ``Retry-After`` asks, up to ``max_retry_after``.
"""
from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

MAX_RETRY_AFTER = 86400.0  # one day: no Retry-After is honoured for longer than this
_DELTA_SECONDS = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class RetryPolicy:
    """``schedule``: seconds to wait after attempt n failed (n = 1..len; past its end the
    last entry repeats); without one, exponential backoff from ``base_seconds`` doubling
    up to ``cap_seconds``, jittered uniformly over the upper half ``[ceiling/2, ceiling]``
    so retries never bunch up and never come much sooner than planned. After
    ``max_attempts`` attempts (the first included) the job is parked."""
    max_attempts: int = 8
    base_seconds: float = 2.0
    cap_seconds: float = 600.0
    schedule: tuple[float, ...] = ()
    max_retry_after: float = MAX_RETRY_AFTER

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_seconds < 0 or self.cap_seconds < 0 or self.max_retry_after < 0:
            raise ValueError("waits must not be negative")
        if any(not math.isfinite(s) or s < 0 for s in self.schedule):
            raise ValueError("schedule entries must be finite and not negative")

    @classmethod
    def scheduled(cls, schedule: tuple[float, ...], *, max_retry_after: float = MAX_RETRY_AFTER) -> RetryPolicy:
        """A fixed schedule: ``len(schedule) + 1`` attempts in all."""
        return cls(max_attempts=len(schedule) + 1, schedule=tuple(float(s) for s in schedule),
                   max_retry_after=max_retry_after)

    def with_max_attempts(self, max_attempts: int) -> RetryPolicy:
        """The same waits, another number of attempts (a setting such as SIGAP_LAPOR_MAX_ATTEMPTS)."""
        return replace(self, max_attempts=max_attempts)

    def exhausted(self, attempts: int) -> bool:
        """True when ``attempts`` attempts (the last one included) are all there may be."""
        return attempts >= self.max_attempts

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """The wait after attempt ``attempt`` (1-based) failed, before any Retry-After."""
        n = max(1, attempt)
        if self.schedule:
            return float(self.schedule[min(n, len(self.schedule)) - 1])
        ceiling = min(self.cap_seconds, self.base_seconds * 2.0 ** min(n - 1, 64))
        return (rng or random).uniform(ceiling / 2, ceiling)

    def wait(self, attempt: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
        """The wait after attempt ``attempt`` failed: never sooner than ``retry_after``
        asks, but a Retry-After longer than ``max_retry_after`` counts as that cap."""
        planned = self.delay(attempt, rng)
        if retry_after is None:
            return planned
        return max(planned, min(max(0.0, retry_after), self.max_retry_after))


def parse_retry_after(value: str | int | float | None, now: datetime,
                      cap: float = MAX_RETRY_AFTER) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (RFC 9110 section 10.2.3): either
    delta-seconds (``120``; a number, as Telegram sends in JSON, is read the same) or an
    HTTP-date (``Wed, 21 Oct 2015 07:28:00 GMT``), counted from ``now``. A date in the
    past is 0; the result is at most ``cap``; anything unreadable (negative, not a
    number, not a date) is None, so the caller falls back to its own policy."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = float(value)
        return min(seconds, cap) if math.isfinite(seconds) and seconds >= 0 else None
    text = value.strip()
    if not text:
        return None
    if _DELTA_SECONDS.fullmatch(text):
        return min(float(text), cap)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # asctime form or "-0000": HTTP dates are always GMT
        when = when.replace(tzinfo=UTC)
    return min(max(0.0, (when - now).total_seconds()), cap)
