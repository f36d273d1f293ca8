"""Reading cases: by id, page by page, by unit, by period, and the escalation queries.

Writes go through the unit of work (shared/unit_of_work.py), never through these ports.
Inside a Protocol class an annotation ``list[...]`` would name the class's own ``list``
method, hence ``builtins.list``.
"""
from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shared.domain.case import Case, CaseStatus, TimelineEntry


@dataclass(frozen=True)
class Page:
    cases: Sequence[Case]
    next_page_token: str | None


class InvalidPageToken(ValueError):
    pass


class CaseReader(Protocol):
    """What services read of cases (inside or outside a unit of work): committed state only."""
    def get(self, case_id: str) -> Case | None: ...

    def get_many(self, case_ids: Sequence[str]) -> dict[str, Case]:
        """The cases of those ids that exist, by id."""
        ...

    def case_for_delivery(self, source: str, delivery_id: str) -> str | None:
        """The case a webhook delivery (source + webhook-id) created, if any."""
        ...


class CaseRepository(CaseReader, Protocol):
    """Every read of the case store: services' reads plus the admin and unit APIs' queries."""
    def timeline(self, case_id: str) -> builtins.list[TimelineEntry]: ...

    def list(self, *, unit_id: str | None, status: CaseStatus | None, page_size: int,
             page_token: str | None) -> Page:
        """Newest first; raises InvalidPageToken for a token this store did not give."""
        ...

    def list_for_unit(self, *, unit_id: str | None, status: CaseStatus | None, category: str | None,
                      due_before: datetime | None, page_size: int, page_token: str | None) -> Page:
        """A unit's work list: newest first, or by deadline when ``due_before`` is given."""
        ...

    def search(self, *, category: str | None, statuses: Sequence[CaseStatus] | None,
               created_from: datetime, created_to: datetime, limit: int) -> builtins.list[Case]:
        """Cases created in [created_from, created_to], newest first."""
        ...


class DueCases(Protocol):
    """The escalation queries: indexed on the clock fields, so their cost follows the
    number of cases returned, not the number of open cases."""
    def due(self, as_of: datetime, limit: int) -> list[Case]:
        """Cases whose clock runs and whose next due instant is at or before ``as_of``, oldest first."""
        ...

    def deadlines_until(self, until: datetime, limit: int) -> list[Case]:
        """Cases whose clock runs and whose running deadline is at or before ``until``."""
        ...


class SentBackCases(Protocol):
    """The cases a unit sent back (``request_reroute``): they leave its work list, yet it
    still reads them (read-only, with where they went). A collection-group query on the
    timeline entries, indexed (infra/firestore.indexes.json)."""
    def sent_back_by(self, unit_id: str, limit: int) -> list[str]:
        """Ids of the cases ``unit_id`` sent back, the latest first, each once."""
        ...
