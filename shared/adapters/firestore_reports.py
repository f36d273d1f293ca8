"""FirestoreReportSource: the case facts a report needs, by rescanning (docs/reports.md).

Three queries and one batched get, all without reading a reporter or a secret text:
1. cases created in the period (single-field index on ``created_at``);
2. open cases (``status in`` the open statuses: single-field index);
3. timeline entries ``escalated`` / ``reroute_requested`` / ``resolved`` since the
   period start (collection group ``timeline``: index ``(action, at)``);
4. ``get_all`` of the cases those entries belong to that 1 and 2 did not return.
Reads = cases in the period + open cases + entries of interest (+ their stray cases).

For the incremental aggregates (shared/services/reports_ingest.py) the same source reads
one case's facts (``case_facts``: the case and its timeline entries of interest).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from google.cloud import firestore
from google.cloud.firestore_v1.base_query import FieldFilter

from shared.adapters.firestore_clock import clock_from_map
from shared.domain.case import Case, CaseStatus, TimelineEntry
from shared.domain.reports.figures import REPORT_ACTIONS, CaseFacts, Period, facts_from_case

CASES, TIMELINE = "cases", "timeline"
OPEN = [s.value for s in CaseStatus if s not in (CaseStatus.CLOSED, CaseStatus.RESOLVED)]
_FIELDS = ["status", "category", "unit_id", "location", "routing", "created_at", "national_received_at",
           "clock", "secret", "title", "timeline_length"]

# Query shapes (tests/unit/test_indexes.py); single-field ones need no composite index.
QUERY_SHAPES = ((TIMELINE, (("action", "=="), ("at", "asc"))),)


class FirestoreReportSource:
    def __init__(self, client: firestore.Client):
        self._db = client
        self.reads = 0  # documents read by the last facts() call (the benchmark reports it)

    def facts(self, period: Period, now: datetime) -> list[CaseFacts]:
        self.reads = 0
        cases: dict[str, Any] = {}
        col = self._db.collection(CASES)
        in_period = col.where(filter=FieldFilter("created_at", ">=", period.start)).where(
            filter=FieldFilter("created_at", "<", period.end)).select(_FIELDS)
        open_now = col.where(filter=FieldFilter("status", "in", OPEN)).select(_FIELDS)
        for query in (in_period, open_now):
            for snap in query.stream():
                self.reads += 1
                cases[snap.id] = snap.to_dict()
        entries: dict[str, list[TimelineEntry]] = defaultdict(list)
        timeline = self._db.collection_group(TIMELINE).where(
            filter=FieldFilter("action", "in", list(REPORT_ACTIONS))).where(
            filter=FieldFilter("at", ">=", period.start)).order_by("at")
        for snap in timeline.stream():
            self.reads += 1
            doc = snap.to_dict() or {}
            entries[snap.reference.parent.parent.id].append(_entry(doc))
        stray = [col.document(case_id) for case_id in entries if case_id not in cases]
        for snap in self._db.get_all(stray, field_paths=_FIELDS) if stray else ():
            self.reads += 1
            if snap.exists:
                cases[snap.id] = snap.to_dict()
        return [facts_from_case(_case(case_id, doc), entries.get(case_id, ())) for case_id, doc in cases.items()]


    def case_facts(self, case_id: str) -> tuple[CaseFacts, int] | None:
        ref = self._db.collection(CASES).document(case_id)
        snap = ref.get(field_paths=_FIELDS)
        if not snap.exists:
            return None
        doc = snap.to_dict() or {}
        entries = [_entry(e.to_dict() or {}) for e in ref.collection(TIMELINE).where(
            filter=FieldFilter("action", "in", list(REPORT_ACTIONS))).stream()]
        return facts_from_case(_case(case_id, doc), entries), int(doc.get("timeline_length") or 0)


def _entry(doc: dict[str, Any]) -> TimelineEntry:
    return TimelineEntry(doc["seq"], doc["at"], doc["actor"], doc["action"], doc.get("detail") or {})


def _case(case_id: str, doc: dict[str, Any]) -> Case:
    """A Case carrying only what facts_from_case reads (no reporter, no description)."""
    return Case(id=case_id, source="", external_id="", title=doc.get("title") or "", description="",
                created_at=doc["created_at"], status=CaseStatus(doc["status"]), category=doc.get("category"),
                unit_id=doc.get("unit_id"), routing=doc.get("routing"), location=doc.get("location"),
                secret=bool(doc.get("secret")), national_received_at=doc.get("national_received_at"),
                clock=clock_from_map(doc.get("clock")))
