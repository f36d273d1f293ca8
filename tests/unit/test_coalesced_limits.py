"""CoalescedLimits: hits counted in memory and written to the shared counter at most once a
second per key and instance, a limit still holding across instances; lock checks cached
for a second. The shared store here is an in-memory stand-in of FirestoreLimits's
counters; on the emulator: tests/integration/test_coalesced_limits.py."""
from __future__ import annotations

import functools
from typing import Any

from shared.adapters.coalesced_limits import CoalescedLimits
from shared.domain.limits import ALLOWED, DEFAULT_LOCKOUT, Decision, LockoutPolicy
from tests.fakes import FakeClock, FakeLimits


class SharedCounters(FakeLimits):
    """FakeLimits plus FirestoreLimits.add_hits: window totals across instances; counts calls."""

    def __init__(self, clock: FakeClock):
        super().__init__(clock)
        self.totals: dict[tuple[str, float], int] = {}
        self.writes = self.lock_reads = 0
        self.down = False

    def add_hits(self, key: str, count: int, *, window_started: float, window_seconds: float) -> int | None:
        if self.down:
            return None
        self.writes += 1
        self.totals[key, window_started] = self.totals.get((key, window_started), 0) + count
        return self.totals[key, window_started]

    def locked(self, key: str) -> Decision:
        self.lock_reads += 1
        return super().locked(key)


def instances(count: int) -> tuple[FakeClock, SharedCounters, list[CoalescedLimits]]:
    clock = FakeClock()
    shared = SharedCounters(clock)
    return clock, shared, [CoalescedLimits(shared, clock) for _ in range(count)]  # type: ignore[arg-type]


def hits(limits: CoalescedLimits, n: int, limit: int = 10) -> list[bool]:
    return [limits.hit("addr:intake:203.0.113.7", limit=limit, window_seconds=60).allowed for _ in range(n)]


def test_one_instance_refuses_past_the_limit_with_one_write():
    _, shared, (one,) = instances(1)
    assert hits(one, 12) == [True] * 10 + [False] * 2
    assert shared.writes == 1  # the first hit; the others within the same second stay in memory
    refused = one.hit("addr:intake:203.0.113.7", limit=10, window_seconds=60)
    assert refused.retry_after_seconds >= 1


def test_writes_grow_with_seconds_not_with_requests():
    clock, shared, (one,) = instances(1)
    for _ in range(100):
        hits(one, 10, limit=100_000)
        clock.advance(seconds=0.1)
    assert shared.writes <= 11  # 1,000 hits over 10 s
    assert sum(shared.totals.values()) >= 1000 - 100  # all but the last second's hits are shared


def test_the_limit_holds_across_instances_within_a_flush_interval():
    clock, shared, (a, b) = instances(2)
    assert hits(a, 6) == [True] * 6
    clock.advance(seconds=1.5)
    assert hits(a, 1) == [True]  # writes its 6 more (7 in all) and learns the total
    assert hits(b, 1) == [True]  # first hit of b: writes 1, learns 8
    clock.advance(seconds=1.5)
    outcome = hits(b, 3)
    assert outcome == [True, True, False]  # 9, 10 allowed, the 11th across both instances refused


def test_a_new_window_starts_from_zero():
    clock, _, (one,) = instances(1)
    assert hits(one, 11)[-1] is False
    clock.advance(seconds=61)
    assert hits(one, 1) == [True]


def test_when_the_shared_store_fails_hits_are_allowed_and_written_later():
    clock, shared, (one,) = instances(1)
    shared.down = True
    assert hits(one, 3, limit=100) == [True] * 3
    shared.down = False
    clock.advance(seconds=2)
    hits(one, 1, limit=100)
    assert sum(shared.totals.values()) == 4  # nothing counted was lost


def test_lock_checks_are_read_once_a_second_and_a_local_failure_is_seen_at_once():
    clock, shared, (a, b) = instances(2)
    key = "auth:203.0.113.7"
    assert all(a.locked(key).allowed for _ in range(20))
    assert shared.lock_reads == 1
    policy = LockoutPolicy(free_failures=1, base_seconds=30)
    a.fail(key, policy)
    assert a.fail(key, policy).allowed is False
    assert a.locked(key).allowed is False  # at once on the instance that saw the failures
    assert b.locked(key).allowed is False  # b had not cached the key: it reads the shared lock
    clock.advance(seconds=31)
    assert a.locked(key).allowed


def test_another_instances_lock_is_seen_within_a_second():
    clock, _, (a, b) = instances(2)
    key = "auth:198.51.100.9"
    assert b.locked(key) == ALLOWED
    policy = LockoutPolicy(free_failures=0, base_seconds=30)
    assert a.fail(key, policy).allowed is False
    assert b.locked(key) == ALLOWED  # cached for up to a second
    clock.advance(seconds=1.1)
    assert b.locked(key).allowed is False


def test_clear_forgets_the_cached_lock():
    _, shared, (one,) = instances(1)
    key: Any = "auth:192.0.2.1"
    one.fail(key, LockoutPolicy(free_failures=0, base_seconds=30))
    assert one.locked(key).allowed is False
    one.clear(key)
    assert one.locked(key).allowed
    assert DEFAULT_LOCKOUT.free_failures >= 1


class HeldWrites:
    """A write-behind that holds each window write until the test lets it run."""

    def __init__(self) -> None:
        self.jobs: list[Any] = []

    def __call__(self, job: Any) -> None:
        self.jobs.append(job)

    def run(self) -> None:
        jobs, self.jobs = self.jobs, []
        for job in jobs:
            job()


def behind(count: int) -> tuple[FakeClock, SharedCounters, HeldWrites, list[CoalescedLimits]]:
    clock = FakeClock()
    shared, held = SharedCounters(clock), HeldWrites()
    return clock, shared, held, [CoalescedLimits(shared, clock, write_behind=held)  # type: ignore[arg-type]
                                 for _ in range(count)]


def test_behind_no_hit_waits_for_its_write_and_hits_in_flight_still_count():
    _, shared, held, (one,) = behind(1)
    assert hits(one, 4) == [True] * 4
    assert shared.writes == 0 and len(held.jobs) == 1  # the first hit's write is queued, not done
    assert hits(one, 7) == [True] * 6 + [False]  # the hit in flight counts: the 11th is refused
    held.run()
    assert list(shared.totals.values()) == [1]  # the one hit written; the 10 others wait for the next write
    assert hits(one, 1) == [False]


def test_behind_the_limit_holds_across_instances_from_the_hit_after_the_write():
    clock, shared, held, (a, b) = behind(2)
    assert hits(a, 9) == [True] * 9
    held.run()  # a's first hit written
    clock.advance(seconds=1.5)
    hits(a, 1)  # a's second write carries its 9 other hits: 10 in all
    held.run()
    assert hits(b, 1) == [True]  # b's first hit: decided on what b knew (nothing); its write is queued
    held.run()  # b learns the shared total: 11
    assert hits(b, 1) == [False]


def test_behind_a_failed_write_loses_no_hit_and_the_next_write_carries_it():
    clock, shared, held, (one,) = behind(1)
    shared.down = True
    hits(one, 3, limit=100)
    held.run()
    shared.down = False
    clock.advance(seconds=2)
    hits(one, 1, limit=100)
    held.run()
    assert sum(shared.totals.values()) == 4


def test_behind_an_unexpected_failure_of_the_write_frees_the_counter():
    clock, shared, held, (one,) = behind(1)

    def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("boom")
    shared.add_hits = broken  # type: ignore[method-assign]
    hits(one, 2, limit=100)
    held.run()
    del shared.add_hits
    clock.advance(seconds=2)
    hits(one, 1, limit=100)
    held.run()
    assert sum(shared.totals.values()) == 3  # the 2 whose write failed, carried by the next one


def test_the_write_behind_thread_runs_jobs_in_order():
    import threading

    from shared.adapters.coalesced_limits import write_behind
    run: list[int] = []
    done = threading.Event()
    submit = write_behind()
    for i in range(5):
        submit(functools.partial(run.append, i))
    submit(done.set)
    assert done.wait(5) and run == [0, 1, 2, 3, 4]
