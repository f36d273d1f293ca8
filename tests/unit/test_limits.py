"""The abuse limits' decisions (shared/domain/limits.py) and the fake that keeps their state."""
import pytest

from shared.domain.limits import Decision, LockoutPolicy, count_hit, lock_state, record_failure
from tests.fakes import FakeClock, FakeLimits


def test_a_window_allows_its_limit_then_refuses_until_it_ends():
    window, decisions = None, []
    for second in range(4):
        window, decision = count_hit(window, 1200.0 + second, limit=3, window_seconds=60)
        decisions.append(decision)
    assert decisions[:3] == [Decision(True)] * 3
    assert decisions[3] == Decision(False, 57)
    _, fresh = count_hit(window, 1260.0, limit=3, window_seconds=60)
    assert fresh.allowed


def test_a_clock_going_back_starts_a_new_window():
    window, _ = count_hit(None, 1000.0, limit=1, window_seconds=60)
    _, decision = count_hit(window, 900.0, limit=1, window_seconds=60)
    assert decision.allowed


@pytest.mark.parametrize("limit, window", [(0, 60), (1, 0)])
def test_a_limit_must_make_sense(limit, window):
    with pytest.raises(ValueError):
        count_hit(None, 0.0, limit=limit, window_seconds=window)


POLICY = LockoutPolicy(free_failures=3, base_seconds=30, max_seconds=100, forget_after_seconds=600)


def test_failures_past_the_free_ones_lock_with_back_off_up_to_the_cap():
    failures, locks = None, []
    for _ in range(7):
        failures, decision = record_failure(failures, 0.0, POLICY)
        locks.append(decision.retry_after_seconds)
    assert locks == [0, 0, 0, 30, 60, 100, 100]
    assert lock_state(failures, 99.0) == Decision(False, 1)
    assert lock_state(failures, 100.0).allowed


def test_failures_are_forgotten_after_a_quiet_while():
    failures = None
    for _ in range(3):
        failures, _ = record_failure(failures, 0.0, POLICY)
    failures, decision = record_failure(failures, 601.0, POLICY)
    assert decision.allowed and failures.count == 1


def test_the_fake_keeps_state_per_key_on_its_clock():
    clock = FakeClock()
    limits = FakeLimits(clock)
    assert [limits.hit("a", limit=1, window_seconds=10).allowed for _ in range(2)] == [True, False]
    assert limits.hit("b", limit=1, window_seconds=10).allowed
    clock.advance(seconds=10)
    assert limits.hit("a", limit=1, window_seconds=10).allowed
    for _ in range(4):
        limits.fail("x", POLICY)
    assert not limits.locked("x").allowed and limits.locked("y").allowed
    limits.clear("x")
    assert limits.locked("x").allowed
