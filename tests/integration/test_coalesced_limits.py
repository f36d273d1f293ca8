"""CoalescedLimits over the real FirestoreLimits on the emulator: two instances share one
window counter through Firestore, written at most once a second each."""
from __future__ import annotations

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
