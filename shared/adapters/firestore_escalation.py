"""FirestoreDueCases: the escalation queries on the case store.

``due`` reads only the cases whose ``next_due_at`` has come (composite index status +
next_due_at, declared in infra/firestore.indexes.json and listed in QUERY_SHAPES of
firestore_cases.py). ``documents_read`` counts the documents these queries return, for
the benchmark and the logs.
"""
from __future__ import annotations

from datetime import datetime

from google.cloud import firestore

from shared.adapters.firestore_cases import CASES
from shared.adapters.firestore_mapping import case_from_document
from shared.domain.case import Case
from shared.domain.clock.escalation import CLOCK_STATUSES, DUE_STATUSES

_RUNNING = [s.value for s in CLOCK_STATUSES]
_DUE = [s.value for s in DUE_STATUSES]  # running clocks, and resolutions the completion rule closes


class FirestoreDueCases:
    def __init__(self, client: firestore.Client):
        self._db = client
        self.documents_read = 0

    def _query(self, field: str, until: datetime, limit: int, statuses: list[str] = _RUNNING) -> list[Case]:
        query = (self._db.collection(CASES)
                 .where(filter=firestore.FieldFilter("status", "in", statuses))
                 .where(filter=firestore.FieldFilter(field, "<=", until))
                 .order_by(field).limit(limit))
        cases = [case_from_document(d.id, d.to_dict() or {}, d.update_time) for d in query.stream()]
        self.documents_read += len(cases)
        return cases

    def due(self, as_of: datetime, limit: int) -> list[Case]:
        return self._query("next_due_at", as_of, limit, _DUE)

    def deadlines_until(self, until: datetime, limit: int) -> list[Case]:
        return self._query("deadline_at", until, limit)
