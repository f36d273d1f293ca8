"""Routing never raises on a normal race (issue 14): a lost write is routed again on fresh state."""
import json

import pytest

from shared.ports import Conflict
from tests.fakes import FakeCaseStore, FakeUnitOfWork
from tests.route_race import ROUTE_ATTEMPTS, race


def test_a_write_lost_to_the_lapor_push_is_routed_again_and_keeps_the_tracking_id(capsys):
    store = FakeCaseStore()
    outcome, racing = race(FakeUnitOfWork(store), FakeUnitOfWork(store), "race-1", races=2)
    assert outcome == "assigned" and racing.commits == 3
    (case,) = store.cases.values()
    assert case.status.value == "assigned" and case.lapor_tracking_id == "LAP-2"
    severities = [json.loads(line)["severity"] for line in capsys.readouterr().out.splitlines()]
    assert "ERROR" not in severities and severities.count("INFO") >= 3


def test_only_a_write_that_keeps_losing_raises():
    store = FakeCaseStore()
    with pytest.raises(Conflict):
        race(FakeUnitOfWork(store), FakeUnitOfWork(store), "race-2", races=ROUTE_ATTEMPTS)
    (case,) = store.cases.values()
    assert case.status.value == "received"
