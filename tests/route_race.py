"""The route vs LAPOR! push race (issue 14, item 6), for the fakes and the emulator alike:
a unit of work whose next commits each lose to another writer recording a tracking id."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from shared.services.routing import ROUTE_ATTEMPTS, route_case
from tests.escalation_support import CATALOG, ESCALATION, RULES, received
from tests.fakes import FakeClock, FakePublisher

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


class RacingUnitOfWork:
    """Delegates to ``uow``; before each of its next ``races`` commits, ``other`` (a second
    writer: another unit of work) records a LAPOR! tracking id on the case first."""

    def __init__(self, uow: Any, other: Any, case_id: str, races: int):
        self.uow, self.other, self.case_id, self.races = uow, other, case_id, races
        self.commits = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.uow, name)

    def __enter__(self) -> RacingUnitOfWork:
        self.uow.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.uow.__exit__(*exc)

    def commit(self) -> Any:
        self.commits += 1
        if self.races:
            self.races -= 1
            with self.other:
                case = self.other.cases.get(self.case_id)
                self.other.cases.update(replace(case, lapor_tracking_id=f"LAP-{self.commits}"))
                self.other.commit()
        return self.uow.commit()


def race(uow: Any, other: Any, external_id: str, races: int) -> tuple[str, RacingUnitOfWork]:
    """Creates a case and routes it while ``races`` commits lose; returns the outcome."""
    case, entry = received(external_id, NOW)
    with uow:
        uow.cases.add(case, entry)
        uow.commit()
    racing = RacingUnitOfWork(uow, other, case.id, races)
    outcome = route_case(case.id, uow=racing, publisher=FakePublisher(), catalog=CATALOG, rules=RULES,
                         clock=FakeClock(NOW), escalation=ESCALATION)
    return outcome, racing


__all__ = ["ROUTE_ATTEMPTS", "NOW", "RacingUnitOfWork", "race"]
