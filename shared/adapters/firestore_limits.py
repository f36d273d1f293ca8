"""FirestoreLimits: the abuse limits' state in ``limits/{sha256 of the key}``, written by
every instance, so a limit holds across all of them.

Price per decision (Firestore operations): ``hit`` 1 write (an atomic increment of the
window's counter, ``limits/{sha256}`` per key and window; no read, no transaction, so a
hot key does not contend); ``locked`` 1 read; ``fail`` 1 write (an increment of the
failures in the current window), 2 when it locks (an atomic maximum of the lock's end);
``clear`` 2 deletes. No transaction anywhere: concurrent failures from one address do
not contend (they did, and timed out, when ``fail`` was a transaction). Every document carries ``expire_at`` for
a TTL policy on ``limits`` (infra/terraform/firestore.tf), so old windows cost no storage.
A key's document takes about one sustained write per second (Firestore's guidance for
one document); the per-source intake limit is the hottest and stays far below that at
the city's volume. When Firestore cannot answer, the limit fails open (a WARNING log):
an outage of the limiter must not become an outage of intake."""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from google.api_core import exceptions as google_exceptions
from google.cloud import firestore

from shared import logs
from shared.domain.limits import (
    ALLOWED,
    DEFAULT_LOCKOUT,
    Decision,
    Failures,
    LockoutPolicy,
    Window,
    count_hit,
    lock_state,
    window_start,
)
from shared.ports.clock import Clock

LIMITS = "limits"


def document_id(kind: str, key: str) -> str:
    return hashlib.sha256(f"{kind}:{key}".encode()).hexdigest()


def _expires(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds + 60)


class FirestoreLimits:
    def __init__(self, client: firestore.Client, clock: Clock):
        self._client = client
        self._limits = client.collection(LIMITS)
        self._clock = clock

    def _now(self) -> float:
        return self._clock.now().timestamp()

    def hit(self, key: str, *, limit: int, window_seconds: float) -> Decision:
        """One write, no read: an atomic increment of the current window's counter, whose
        new value the commit answers (so a hot key never contends in a transaction)."""
        now = self._now()
        started = window_start(now, window_seconds)

        def decide() -> Decision:
            count = self._increment(document_id(f"rate:{started:.0f}", key), window_seconds)
            _, decision = count_hit(Window(started, count - 1), now, limit=limit, window_seconds=window_seconds)
            return decision

        return self._guarded("hit", decide)

    def add_hits(self, key: str, count: int, *, window_started: float, window_seconds: float) -> int | None:
        """Adds ``count`` hits to ``key``'s window counter at once (CoalescedLimits); the new
        total across instances, or None when Firestore could not answer (fail open)."""
        try:
            return self._increment(document_id(f"rate:{window_started:.0f}", key), window_seconds, count)
        except (google_exceptions.GoogleAPICallError, google_exceptions.RetryError, ValueError) as exc:
            logs.warning("limit not decided, allowed", operation="add_hits", error=type(exc).__name__)
            return None

    def locked(self, key: str) -> Decision:
        ref = self._limits.document(document_id("lock", key))
        def decide() -> Decision:
            doc = ref.get().to_dict() or {}
            return lock_state(Failures(0, 0.0, float(doc.get("locked_until", 0.0))), self._now())
        return self._guarded("locked", decide)

    def fail(self, key: str, policy: LockoutPolicy = DEFAULT_LOCKOUT) -> Decision:
        """An atomic increment of the failures in the current window; past the free ones, an
        atomic maximum of the lock's end: one write, two when it locks; never a transaction."""
        now = self._now()
        bucket = window_start(now, policy.forget_after_seconds)

        def decide() -> Decision:
            count = self._increment(document_id(f"fail:{bucket:.0f}", key), policy.forget_after_seconds)
            lock = policy.lock_seconds(count)
            if not lock:
                return ALLOWED
            batch = self._client.batch()
            batch.set(self._limits.document(document_id("lock", key)), {
                "locked_until": firestore.Maximum(now + lock), "expire_at": _expires(lock)}, merge=True)
            (result,) = batch.commit()
            until = result.transform_results[0]
            locked_until = until.double_value or float(until.integer_value)
            return lock_state(Failures(count, now, locked_until), now)

        return self._guarded("fail", decide)

    def clear(self, key: str) -> None:
        bucket = window_start(self._now(), DEFAULT_LOCKOUT.forget_after_seconds)

        def delete() -> Decision:
            batch = self._client.batch()
            batch.delete(self._limits.document(document_id("lock", key)))
            batch.delete(self._limits.document(document_id(f"fail:{bucket:.0f}", key)))
            batch.commit()
            return ALLOWED
        self._guarded("clear", delete)

    def _increment(self, document: str, keep_seconds: float, by: int = 1) -> int:
        batch = self._client.batch()
        batch.set(self._limits.document(document), {"count": firestore.Increment(by),
                                                    "expire_at": _expires(keep_seconds)}, merge=True)
        (result,) = batch.commit()
        return int(result.transform_results[0].integer_value)

    def _guarded(self, what: str, decide: Callable[[], Decision]) -> Decision:
        try:
            return decide()
        except (google_exceptions.GoogleAPICallError, google_exceptions.RetryError, ValueError) as exc:
            logs.warning("limit not decided, allowed", operation=what, error=type(exc).__name__)
            return ALLOWED

