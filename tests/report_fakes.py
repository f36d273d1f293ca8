"""Fakes for the report aggregates: an in-memory AggregateStore and the case readers over
a FakeCaseStore (tests/fakes.py)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from shared.domain.reports.aggregates import Contribution, Key, apply_changes
from shared.domain.reports.figures import REPORT_ACTIONS, CaseFacts, facts_from_case
from tests.fakes import FakeReportSource


class FakeAggregateStore:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Any]] = {}
        self.ledger: dict[str, tuple[Contribution, int]] = {}
        self.lose_next = 0  # the next n apply() calls lose their precondition (a concurrent writer)

    def applied(self, case_id: str) -> tuple[Contribution, Any]:
        found = self.ledger.get(case_id)
        return (found[0], found[1]) if found else (Contribution(), None)

    def apply(self, case_id: str, token: Any, new: Contribution, counts: Mapping[Key, int],
              entries: Mapping[Key, Any]) -> bool:
        current = self.ledger.get(case_id)
        if self.lose_next or (current[1] if current else None) != token:
            self.lose_next = max(0, self.lose_next - 1)
            return False
        apply_changes(self.docs, counts, entries)
        self.ledger[case_id] = (new, (token or 0) + 1)
        return True

    def unit_documents(self, first_week: str, last_week: str) -> list[dict[str, Any]]:
        return [d for d in self.docs.values() if d["kind"] == "u" and first_week <= d["week"] <= last_week]

    def kelurahan_documents(self, place: str, first_week: str, last_week: str) -> list[dict[str, Any]]:
        return [d for d in self.docs.values()
                if d["kind"] == "k" and d["kelurahan"] == place and first_week <= d["week"] <= last_week]

    def now_documents(self) -> list[dict[str, Any]]:
        return [d for d in self.docs.values() if d["kind"] == "n"]

    def ready(self) -> bool:
        return True


class FactsOf:
    """CaseFactsReader over a dict of facts (the property test's world)."""

    def __init__(self, facts: dict[str, tuple[CaseFacts, int]]):
        self.facts = facts

    def case_facts(self, case_id: str) -> tuple[CaseFacts, int] | None:
        return self.facts.get(case_id)


class StoreFacts(FakeReportSource):
    """ReportSource (every case) and CaseFactsReader (one case) over a FakeCaseStore, as the
    Firestore source is both."""

    def case_facts(self, case_id: str) -> tuple[CaseFacts, int] | None:
        case = self.store.cases.get(case_id)
        if case is None:
            return None
        entries = [e for e in self.store.timeline(case_id) if e.action in REPORT_ACTIONS]
        return facts_from_case(case, entries), case.timeline_length


if TYPE_CHECKING:
    from shared.ports.reports import AggregateStore, CaseFactsReader
    from tests.fakes import FakeCaseStore
    _store: AggregateStore = FakeAggregateStore()
    _reader: CaseFactsReader = FactsOf({})
    _facts: CaseFactsReader = StoreFacts(FakeCaseStore())
