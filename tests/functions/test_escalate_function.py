"""The escalate and digest entry points: a scheduler tick through Pub/Sub push, and the
as_of override honoured only when SIGAP_ALLOW_CLOCK_OVERRIDE is set."""
from datetime import UTC, datetime

from tests.escalation_support import routed
from tests.functions.conftest import pubsub_push

MONDAY = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
LATE = "2026-11-25T09:00:00+00:00"  # Wednesday 16:00 WIB: the first-response deadline


def test_a_tick_escalates_due_cases_at_the_clock_instant(app, client):
    case = routed(app.repo, "f-1", MONDAY)
    escalate = client("escalate", "cloudevent")
    app.clock.current = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert escalate.post("/", json=pubsub_push({"schedule": "escalate"})).status_code == 200
    assert app.repo.get(case.id).clock.level == 1
    assert escalate.post("/", json=pubsub_push({"schedule": "escalate"}, "2")).status_code == 200
    assert app.publisher.types() == ["complaint.escalated"]


def test_as_of_is_ignored_unless_the_override_is_allowed(app, client):
    case = routed(app.repo, "f-2", MONDAY)
    escalate = client("escalate", "cloudevent")
    app.clock.current = MONDAY
    assert escalate.post("/", json=pubsub_push({"as_of": LATE})).status_code == 200
    assert app.repo.get(case.id).clock.level == 0 and not app.publisher.published
    app.settings = app.settings.model_copy(update={"allow_clock_override": True})
    assert escalate.post("/", json=pubsub_push({"as_of": LATE})).status_code == 200
    assert app.repo.get(case.id).clock.level == 1
    assert escalate.post("/", json=pubsub_push({"as_of": "not a time"})).status_code == 200


def test_the_digest_tick_publishes_one_digest_for_the_day(app, client):
    routed(app.repo, "f-3", MONDAY)
    app.clock.current = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    digest = client("digest", "cloudevent")
    assert digest.post("/", json=pubsub_push({"schedule": "digest"})).status_code == 200
    [event] = app.publisher.published
    assert event.type == "digest.daily" and event.id == "digest-2026-11-25"
    assert event.data["totals"]["due_today"] == 1
