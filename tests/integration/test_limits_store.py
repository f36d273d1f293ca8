"""FirestoreLimits on the emulator: two instances (two clients) share one limit."""
from concurrent.futures import ThreadPoolExecutor

from google.cloud import firestore

from shared.adapters.firestore_limits import FirestoreLimits
from shared.domain.limits import LockoutPolicy
from tests.fakes import FakeClock
from tests.integration.conftest import PROJECT


def two_instances():
    clock = FakeClock()
    return (FirestoreLimits(firestore.Client(project=PROJECT), clock),
            FirestoreLimits(firestore.Client(project=PROJECT), clock), clock)


def test_a_rate_limit_holds_across_instances_under_concurrency(stack):
    first, second, _ = two_instances()
    with ThreadPoolExecutor(max_workers=8) as pool:
        decisions = list(pool.map(lambda n: (first if n % 2 else second).hit("source:demo", limit=10,
                                                                                window_seconds=60), range(16)))
    assert sum(d.allowed for d in decisions) == 10
    assert all(1 <= d.retry_after_seconds <= 60 for d in decisions if not d.allowed)


def test_a_lockout_recorded_by_one_instance_holds_on_the_other_and_clears(stack):
    first, second, clock = two_instances()
    policy = LockoutPolicy(free_failures=2, base_seconds=30)
    assert [first.fail("auth:203.0.113.7", policy).allowed for _ in range(3)] == [True, True, False]
    locked = second.locked("auth:203.0.113.7")
    assert not locked.allowed and locked.retry_after_seconds == 30
    assert second.locked("auth:203.0.113.8").allowed
    clock.advance(seconds=30)
    assert second.locked("auth:203.0.113.7").allowed
    first.clear("auth:203.0.113.7")
    assert first.fail("auth:203.0.113.7", policy).allowed
