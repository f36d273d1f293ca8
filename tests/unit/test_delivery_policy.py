"""The one retry policy and the one Retry-After parser (shared/delivery/policy.py), and
the one decision after an attempt (shared/delivery/state.py::next_step)."""
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from shared.delivery.policy import MAX_RETRY_AFTER, RetryPolicy, parse_retry_after
from shared.delivery.state import Outcome, Verdict, next_step

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("value, seconds", [("120", 120.0), (" 7 ", 7.0), ("0", 0.0), ("1.5", 1.5), (30, 30.0),
                                            (2.5, 2.5)])
def test_delta_seconds_are_read(value, seconds):
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize("value", [
    format_datetime(NOW + timedelta(seconds=90), usegmt=True),   # IMF-fixdate: Mon, 23 Nov 2026 02:01:30 GMT
    (NOW + timedelta(seconds=90)).strftime("%A, %d-%b-%y %H:%M:%S GMT"),  # RFC 850, obsolete
    (NOW + timedelta(seconds=90)).strftime("%a %b %d %H:%M:%S %Y"),       # asctime: no zone, GMT by definition
])
def test_http_dates_are_read_against_the_clocks_now(value):
    assert parse_retry_after(value, NOW) == 90.0


def test_a_date_in_the_past_means_now():
    assert parse_retry_after(format_datetime(NOW - timedelta(hours=1), usegmt=True), NOW) == 0.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", NOW) == 0.0


@pytest.mark.parametrize("value", [None, "", "   ", "soon", "-5", "nan", "inf", "1e3", "12 s", "Mon, 99 Foo 2026",
                                   -1, float("nan"), float("inf"), True])
def test_garbage_is_none_so_the_policy_decides(value):
    assert parse_retry_after(value, NOW) is None


def test_every_form_is_capped():
    assert parse_retry_after("999999999", NOW) == MAX_RETRY_AFTER
    assert parse_retry_after("9" * 400, NOW) == MAX_RETRY_AFTER
    assert parse_retry_after(format_datetime(NOW + timedelta(days=30), usegmt=True), NOW) == MAX_RETRY_AFTER
    assert parse_retry_after("600", NOW, cap=60) == 60.0


def test_a_schedule_gives_its_waits_and_one_attempt_more_than_its_length():
    policy = RetryPolicy.scheduled((5, 300, 1800))
    assert policy.max_attempts == 4 and [policy.delay(n) for n in (1, 2, 3, 9)] == [5.0, 300.0, 1800.0, 1800.0]
    assert not policy.exhausted(3) and policy.exhausted(4)


def test_backoff_is_jittered_over_the_upper_half_and_capped_even_for_huge_attempt_counts():
    policy, rng = RetryPolicy(base_seconds=0.5, cap_seconds=8), random.Random(7)
    for attempt, ceiling in ((1, 0.5), (2, 1.0), (4, 4.0), (5, 8.0), (10_000, 8.0)):
        delays = [policy.delay(attempt, rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays) and len(set(delays)) > 1


def test_retry_after_wins_over_a_shorter_plan_up_to_the_policys_cap():
    policy = RetryPolicy.scheduled((5, 300), max_retry_after=3600)
    assert policy.wait(1) == 5.0 and policy.wait(1, 120) == 120.0 and policy.wait(2, 120) == 300.0
    assert policy.wait(1, 86400) == 3600.0 and policy.wait(1, -10) == 5.0


def test_a_policy_refuses_nonsense():
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy.scheduled((5, -1))
    assert RetryPolicy(base_seconds=2, cap_seconds=600).with_max_attempts(3) == RetryPolicy(max_attempts=3)


def test_the_next_step_after_an_attempt():
    policy = RetryPolicy.scheduled((60,))
    assert next_step(1, Outcome(204), NOW, policy).verdict is Verdict.DELIVERED
    assert next_step(1, Outcome(250), NOW, policy).verdict is Verdict.DELIVERED  # SMTP's "sent"
    retry = next_step(1, Outcome(503, "HTTP 503", retry_after=90), NOW, policy)
    assert (retry.verdict, retry.next_attempt_at) == (Verdict.RETRY, NOW + timedelta(seconds=90))
    assert next_step(2, Outcome(503, "HTTP 503"), NOW, policy).verdict is Verdict.PARKED       # the last attempt
    assert next_step(1, Outcome(422, "HTTP 422", transient=False), NOW, policy).verdict is Verdict.PARKED
    assert next_step(1, Outcome(200, "unreadable"), NOW, policy).verdict is Verdict.RETRY  # an error is no success
