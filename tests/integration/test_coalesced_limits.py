"""CoalescedLimits over the real FirestoreLimits on the emulator: two instances share one
window counter through Firestore, written at most once a second each."""
from __future__ import annotations

from typing import Any

from shared.adapters.coalesced_limits import CoalescedLimits
from shared.adapters.firestore_limits import FirestoreLimits
from tests.fakes import FakeClock


def test_two_instances_share_a_limit_through_firestore_with_few_writes(db):
    clock = FakeClock()
    shared = FirestoreLimits(db, clock)
    a, b = CoalescedLimits(shared, clock), CoalescedLimits(shared, clock)
    key = "source:citizen-app"

    def hit(instance: CoalescedLimits) -> bool:
        return instance.hit(key, limit=50, window_seconds=60).allowed
    assert all(hit(a) for _ in range(30))  # 1 written, 29 in memory
    clock.advance(seconds=1.5)
    assert hit(a)  # writes its 30 more: the shared count is 31
    assert all(hit(b) for _ in range(10))  # b's first write learns 32; 9 more in memory (41)
    clock.advance(seconds=1.5)
    outcomes = [hit(b) for _ in range(12)]
    assert outcomes == [True] * 9 + [False] * 3  # 42..50 allowed, the 51st refused across both
    documents = list(db.collection("limits").stream())
    assert len(documents) == 1 and documents[0].to_dict()["count"] == 42  # 4 writes carried 42 hits


def test_behind_the_writes_reach_firestore_and_the_limit_holds_across_instances(db):
    import threading

    from shared.adapters.coalesced_limits import write_behind
    clock = FakeClock()
    shared = FirestoreLimits(db, clock)
    behind_a, behind_b = write_behind(), write_behind()
    a, b = CoalescedLimits(shared, clock, write_behind=behind_a), CoalescedLimits(shared, clock, write_behind=behind_b)
    key = "source:sipp"

    def written(behind: Any) -> int:
        """Waits for the writes queued so far (the thread runs them in order); the shared count."""
        done = threading.Event()
        behind(done.set)
        assert done.wait(10)
        (document,) = db.collection("limits").stream()
        return int(document.to_dict()["count"])

    def hit(instance: CoalescedLimits) -> bool:
        return instance.hit(key, limit=32, window_seconds=60).allowed
    assert all(hit(a) for _ in range(30))  # the first hit's write runs behind; 29 in memory
    assert written(behind_a) == 1
    clock.advance(seconds=1.5)
    assert hit(a)
    assert written(behind_a) == 31
    assert hit(b)  # b knew nothing: allowed, and its write tells it the total
    assert written(behind_b) == 32
    assert not hit(b)  # the 33rd across both instances, refused
