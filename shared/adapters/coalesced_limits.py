"""CoalescedLimits: the shared abuse limits (FirestoreLimits) without a Firestore round trip
on every request.

- ``hit``: each instance counts its hits in memory and adds them to the key's shared
  window counter at most once per ``flush_seconds`` (one Increment by the hits since the
  last write, whose answer is the total across instances). A hit is decided on the last
  total the instance saw plus its own hits not yet written, so a limit still holds across
  instances, late by at most one flush interval per instance: with N instances a key can
  pass its limit by at most N x (its rate x ``flush_seconds``) before every instance
  refuses it. Cost: at most one write per key, instance and second, whatever the request
  rate, which also keeps a hot key (one intake source) within Firestore's guidance of
  about one sustained write per second per document.
- ``locked``: the shared lock is read at most once per ``flush_seconds`` per key and
  instance; a lock is seen at once on the instance that recorded the failure and within
  ``flush_seconds`` on the others. Failures (``fail``) and ``clear`` are rare and go
  straight to the shared state, as before.

Price per request on the hot path (intake, the unit API): about 0 reads and 0 writes
amortised, against 1 read and 2 writes without coalescing (docs/benchmarks.md)."""
from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from shared import logs
from shared.adapters.firestore_limits import FirestoreLimits
from shared.domain.limits import DEFAULT_LOCKOUT, Decision, LockoutPolicy, Window, count_hit, window_start
from shared.ports.clock import Clock

MAX_KEYS = 10_000  # keys remembered per instance before windows that have ended are forgotten


@dataclass
class _Counter:
    window: float
    known_total: int = 0   # the shared total the last write answered (every instance's hits)
    unwritten: int = 0     # this instance's hits since then
    written_at: float = float("-inf")
    writing: int = 0       # hits being written now (in no total yet)


Job = Callable[[], None]


def write_behind() -> Callable[[Job], None]:
    """Runs each job it is given, in order, on one daemon thread of its own."""
    jobs: queue.SimpleQueue[Job] = queue.SimpleQueue()

    def work() -> None:
        while True:
            jobs.get()()

    threading.Thread(target=work, name="limits-write-behind", daemon=True).start()
    return jobs.put


class CoalescedLimits:
    def __init__(self, shared: FirestoreLimits, clock: Clock, *, flush_seconds: float = 1.0,
                 write_behind: Callable[[Job], None] | None = None):
        """``write_behind``: where a window's due write runs; None: in the hit itself, which
        then decides on the total the write answers."""
        self._shared, self._clock, self._flush = shared, clock, flush_seconds
        self._behind = write_behind
        self._lock = threading.Lock()
        self._counters: dict[str, _Counter] = {}
        self._locks: dict[str, tuple[Decision, float]] = {}

    def hit(self, key: str, *, limit: int, window_seconds: float) -> Decision:
        now = self._clock.now().timestamp()
        started = window_start(now, window_seconds)
        with self._lock:
            counter = self._counters.get(key)
            if counter is None or counter.window != started:
                self._forget_ended(now)
                counter = self._counters[key] = _Counter(started)
            counter.unwritten += 1
            write = 0
            if not counter.writing and now - counter.written_at >= self._flush:
                write = counter.writing = counter.unwritten
                counter.unwritten, counter.written_at = 0, now
            seen = counter.known_total + counter.unwritten + counter.writing
        if write:
            def flush() -> None:
                self._write(key, counter, write, window_seconds)
            if self._behind is not None:
                self._behind(flush)
            else:
                flush()
                with self._lock:
                    seen = max(seen, counter.known_total + counter.unwritten + counter.writing)
        _, decision = count_hit(Window(started, seen - 1), now, limit=limit, window_seconds=window_seconds)
        return decision

    def _write(self, key: str, counter: _Counter, count: int, window_seconds: float) -> None:
        total: int | None = None
        try:
            total = self._shared.add_hits(key, count, window_started=counter.window, window_seconds=window_seconds)
        except Exception as exc:  # a write behind has no caller to fail: its hits are written later
            logs.warning("limit window not written", error=type(exc).__name__)
        with self._lock:
            counter.writing = 0
            if total is None:  # not written (the shared store failed open): count them again next time
                counter.unwritten += count
            else:
                counter.known_total = max(counter.known_total, total)

    def locked(self, key: str) -> Decision:
        now = self._clock.now().timestamp()
        with self._lock:
            cached = self._locks.get(key)
        if cached is not None:
            decision, checked_at = cached
            if decision.allowed and now - checked_at < self._flush:
                return decision
            if not decision.allowed and now < checked_at + decision.retry_after_seconds:
                return Decision.refuse(checked_at + decision.retry_after_seconds - now)
        decision = self._shared.locked(key)
        self._remember_lock(key, decision, now)
        return decision

    def fail(self, key: str, policy: LockoutPolicy = DEFAULT_LOCKOUT) -> Decision:
        decision = self._shared.fail(key, policy)
        self._remember_lock(key, decision, self._clock.now().timestamp())
        return decision

    def clear(self, key: str) -> None:
        self._shared.clear(key)
        with self._lock:
            self._locks.pop(key, None)

    def _remember_lock(self, key: str, decision: Decision, now: float) -> None:
        with self._lock:
            if len(self._locks) >= MAX_KEYS:
                self._locks.clear()
            self._locks[key] = (decision, now)

    def _forget_ended(self, now: float) -> None:
        if len(self._counters) >= MAX_KEYS:  # a window that began over an hour ago has ended
            self._counters = {k: c for k, c in self._counters.items() if now - c.window < 3600}
