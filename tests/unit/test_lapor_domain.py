"""The pure LAPOR! rules: status tables, backoff, case keys, settings."""
import random
from datetime import UTC, datetime

import pytest

from shared.config import ConfigError, Settings
from shared.delivery.policy import RetryPolicy
from shared.delivery.state import Outcome
from shared.domain.case import CaseStatus
from shared.domain.integrations.lapor import (
    LAPOR_STATUSES,
    PUSH_RETRY,
    TO_LAPOR,
    ItemKind,
    ItemState,
    OutboxItem,
    Report,
    after_failure,
    case_from_report,
    case_id_for_report,
)

AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def test_every_sigap_status_has_a_platform_status_or_none():
    assert set(TO_LAPOR) == set(CaseStatus)
    assert {s for s in TO_LAPOR.values() if s} <= set(LAPOR_STATUSES)


def test_backoff_grows_with_jitter_and_is_capped():
    backoff, rng = RetryPolicy(base_seconds=2, cap_seconds=60), random.Random(3)
    for attempt, ceiling in ((1, 2), (2, 4), (3, 8), (10, 60)):
        delays = [backoff.delay(attempt, rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays) and len(set(delays)) > 1


def test_an_item_dies_at_its_last_attempt_and_retry_after_wins_over_a_shorter_backoff():
    item = OutboxItem("c-1", 2, ItemKind.FOLLOW_UP, {"text": "x"}, AT)
    once = after_failure(item, Outcome(429, "HTTP 429", retry_after=90), AT, PUSH_RETRY.with_max_attempts(2))
    assert once.state is ItemState.PENDING and once.next_attempt_at is not None
    assert (once.next_attempt_at - AT).total_seconds() >= 90
    assert after_failure(once, Outcome(500, "HTTP 500"), AT, PUSH_RETRY.with_max_attempts(2)).state is ItemState.DEAD
    assert item.id == "c-1~00002-follow_up" < OutboxItem("c-1", 10, ItemKind.STATUS, {}, AT).id


def test_a_report_sigap_submitted_maps_back_to_its_city_case():
    own = Report("77", 1, "t", "c", "Proses", AT, client_ref="c-abc~00001-submit")
    assert case_id_for_report(own) == "c-abc"
    assert case_id_for_report(Report("77", 1, "t", "c", "Proses", AT)) == "lapor-77"


def test_an_anonymous_reporter_is_kept_marked_anonymous():
    case = case_from_report(Report("9", 1, "Judul", "Isi", "Proses", AT, anonymous=True,
                                   reporter={"name": "Siti", "phone": None, "email": None}), AT)
    assert case.reporter.anonymous and case.anonymous and case.national_received_at == AT


def test_lapor_settings_are_validated_and_the_token_hidden():
    base = {"SIGAP_PROJECT_ID": "p"}
    with pytest.raises(ConfigError, match="SIGAP_LAPOR_TOKEN"):
        Settings.from_env({**base, "SIGAP_LAPOR_BASE_URL": "https://lapor.example"})
    with pytest.raises(ConfigError, match="SIGAP_LAPOR_PAGE_SIZE"):
        Settings.from_env({**base, "SIGAP_LAPOR_PAGE_SIZE": "500"})
    settings = Settings.from_env({**base, "SIGAP_LAPOR_BASE_URL": "https://lapor.example",
                                  "SIGAP_LAPOR_TOKEN": "secret-token-value", "SIGAP_LAPOR_SUBMIT_SOURCES": "a, b"})
    assert "secret-token-value" not in repr(settings) and settings.lapor_submit_sources == ("a", "b")
