"""Where the reports read their facts (shared/services/reports.py, docs/reports.md), and
the incremental aggregates the ``reports_ingest`` consumer keeps (shared/services/reports_ingest.py)."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from shared.domain.reports.aggregates import Contribution, Key
from shared.domain.reports.figures import CaseFacts, Period


class ReportSource(Protocol):
    def facts(self, period: Period, now: datetime) -> list[CaseFacts]: ...


class CaseFactsReader(Protocol):
    def case_facts(self, case_id: str) -> tuple[CaseFacts, int] | None:
        """A case's facts now and its version (timeline length); None when there is no such case."""
        ...


class AggregateStore(Protocol):
    """The aggregate documents and, per case, the contribution already applied to them."""

    def applied(self, case_id: str) -> tuple[Contribution, Any]:
        """The contribution applied for a case and a token for ``apply`` (None: nothing yet)."""
        ...

    def apply(self, case_id: str, token: Any, new: Contribution, counts: Mapping[Key, int],
              entries: Mapping[Key, Any]) -> bool:
        """Writes the increments, the entries and the case's new contribution atomically,
        only if the case's contribution is still the one ``token`` was read with; False
        when another writer got there first (read again and retry)."""
        ...

    def unit_documents(self, first_week: str, last_week: str) -> list[dict[str, Any]]:
        """The (unit, category, week) documents of the weeks ``first_week``..``last_week``."""
        ...

    def kelurahan_documents(self, place: str, first_week: str, last_week: str) -> list[dict[str, Any]]:
        """The (kelurahan, category, week) documents of one kelurahan (its ``place_key``)."""
        ...

    def now_documents(self) -> list[dict[str, Any]]:
        """The (unit, category) documents of the open cases."""
        ...

    def ready(self) -> bool:
        """Whether the aggregates hold every case (the backfill has completed once)."""
        ...
