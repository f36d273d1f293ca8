"""FirestoreAggregateStore: the report aggregates (docs/reports.md, shared/domain/reports/aggregates.py).

Collections: ``report_units`` (per unit, category, ISO week), ``report_kelurahan`` (per
kelurahan, category, week) and ``report_ledger`` (per case: the contribution applied, as
JSON text). One ``apply`` is one write batch: ``set(merge=True)`` of the increments
(``Increment``) and entries (``DELETE_FIELD`` to remove) on each aggregate document, and
the ledger document written only if it is still the version that was read (``create``
for a first contribution, ``update`` with ``last_update_time`` after that). No
transaction, so no lock: a concurrent writer makes the batch fail as a whole, and the
consumer reads again (EMULATORS.md: contended transactions abort on the emulator).
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.domain.reports.aggregates import KELURAHAN, NOW, Contribution, Key, document_fields

UNITS, KELURAHAN_DOCS, NOW_DOCS, LEDGER, META = ("report_units", "report_kelurahan", "report_now", "report_ledger",
                                                 "report_meta")
# One kelurahan's documents over a range of weeks: the recurring-problems page's kelurahan view
QUERY_SHAPES = ((KELURAHAN_DOCS, (("kelurahan", "=="), ("week", "asc"))),)
BACKFILL = "backfill"  # report_meta/backfill: {cursor, cases, complete} (infra/tools/backfill_aggregates.py)
_LOST = (gexc.AlreadyExists, gexc.FailedPrecondition, gexc.NotFound, gexc.Aborted, gexc.Conflict)


def collection_of(doc_id: str) -> str:
    kind = doc_id.split("|", 1)[0]
    return {KELURAHAN: KELURAHAN_DOCS, NOW: NOW_DOCS}.get(kind, UNITS)


class FirestoreAggregateStore:
    def __init__(self, client: firestore.Client):
        self._db = client
        self.reads = 0  # documents read by the last unit_documents() (the benchmark prints it)

    def applied(self, case_id: str) -> tuple[Contribution, Any]:
        snap = self._db.collection(LEDGER).document(case_id).get()
        if not snap.exists:
            return Contribution(), None
        return Contribution.from_json(json.loads((snap.to_dict() or {}).get("contribution") or "{}")), snap.update_time

    def apply(self, case_id: str, token: Any, new: Contribution, counts: Mapping[Key, int],
              entries: Mapping[Key, Any]) -> bool:
        batch = self._db.batch()
        for doc_id, data in _documents(counts, entries).items():
            batch.set(self._db.collection(collection_of(doc_id)).document(doc_id), data, merge=True)
        self._stage_ledger(batch, case_id, token, new)
        try:
            batch.commit()
        except _LOST:
            return False
        return True

    def _stage_ledger(self, batch: Any, case_id: str, token: Any, new: Contribution) -> None:
        """The case's new contribution, over the version read (create the first time)."""
        ledger = self._db.collection(LEDGER).document(case_id)
        record = {"contribution": json.dumps(new.to_json(), sort_keys=True), "digest": new.digest(),
                  "at": firestore.SERVER_TIMESTAMP}
        if token is None:
            batch.create(ledger, record)
        else:
            batch.update(ledger, record, option=self._db.write_option(last_update_time=token))

    def ledgers(self, case_ids: list[str]) -> dict[str, tuple[Contribution, Any]]:
        """``applied`` for many cases in one round trip (the backfill)."""
        refs = [self._db.collection(LEDGER).document(i) for i in case_ids]
        found = {i: (Contribution(), None) for i in case_ids}
        for snap in self._db.get_all(refs) if refs else ():
            if snap.exists:
                raw = json.loads((snap.to_dict() or {}).get("contribution") or "{}")
                found[snap.id] = (Contribution.from_json(raw), snap.update_time)
        return found

    def apply_page(self, items: Sequence[tuple[str, Any, Contribution, Mapping[Key, int], Mapping[Key, Any]]],
                   meta: Mapping[str, Any]) -> bool:
        """``apply`` for a page of cases, their increments summed, with the backfill's cursor:
        one batch, all or nothing (any case changed meanwhile: False, read the page again)."""
        counts: dict[Key, int] = defaultdict(int)
        entries: dict[Key, Any] = {}
        batch = self._db.batch()
        for case_id, token, new, case_counts, case_entries in items:
            for key, n in case_counts.items():
                counts[key] += n
            entries.update(case_entries)
            self._stage_ledger(batch, case_id, token, new)
        for doc_id, data in _documents({k: n for k, n in counts.items() if n}, entries).items():
            batch.set(self._db.collection(collection_of(doc_id)).document(doc_id), data, merge=True)
        batch.set(self._db.collection(META).document(BACKFILL), dict(meta), merge=True)
        try:
            batch.commit()
        except _LOST:
            return False
        return True

    @staticmethod
    def writes_of(items: Sequence[tuple[str, Any, Contribution, Mapping[Key, int], Mapping[Key, Any]]]) -> int:
        """The writes ``apply_page`` would send for ``items`` (ledgers, documents, the cursor)."""
        docs = {doc for _, _, _, counts, entries in items for doc, _ in (*counts, *entries)}
        return len(items) + len(docs) + 1

    def backfill_state(self) -> dict[str, Any]:
        snap = self._db.collection(META).document(BACKFILL).get()
        return (snap.to_dict() or {}) if snap.exists else {}

    def unit_documents(self, first_week: str, last_week: str) -> list[dict[str, Any]]:
        query = self._db.collection(UNITS).where(filter=FieldFilter("week", ">=", first_week)).where(
            filter=FieldFilter("week", "<=", last_week))
        docs = [snap.to_dict() or {} for snap in query.stream()]
        self.reads = len(docs)
        return docs

    def now_documents(self) -> list[dict[str, Any]]:
        docs = [snap.to_dict() or {} for snap in self._db.collection(NOW_DOCS).stream()]
        self.reads += len(docs)
        return docs

    def ready(self) -> bool:
        snap = self._db.collection(META).document(BACKFILL).get()
        return bool(snap.exists and (snap.to_dict() or {}).get("complete"))

    def kelurahan_documents(self, place: str, first_week: str, last_week: str) -> list[dict[str, Any]]:
        query = self._db.collection(KELURAHAN_DOCS).where(filter=FieldFilter("kelurahan", "==", place)).where(
            filter=FieldFilter("week", ">=", first_week)).where(filter=FieldFilter("week", "<=", last_week))
        docs = [snap.to_dict() or {} for snap in query.stream()]
        self.reads = len(docs)
        return docs


def _documents(counts: Mapping[Key, int], entries: Mapping[Key, Any]) -> dict[str, dict[str, Any]]:
    """Nested ``set(merge=True)`` data per document: only the leaves named are written."""
    docs: dict[str, dict[str, Any]] = defaultdict(dict)
    for (doc_id, path), value in [*((k, firestore.Increment(n)) for k, n in counts.items()),
                                  *((k, firestore.DELETE_FIELD if v is None else v) for k, v in entries.items())]:
        node = docs[doc_id]
        if not node:
            node.update(document_fields(doc_id))
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    return dict(docs)
