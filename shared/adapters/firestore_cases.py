"""FirestoreCaseRepository and FirestoreOutbox: reading the case store on Firestore.

Nothing here writes a case: every change is one batch of the unit of work
(shared/adapters/firestore_uow.py), guarded by preconditions instead of read-write
transactions (docs/firestore-schema.md). The outbox's sweep deletes published events.
"""
from __future__ import annotations

import base64
import builtins
import hashlib
import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from google.cloud import firestore

from shared.adapters.firestore_group_commit import GroupCommit, Write
from shared.adapters.firestore_mapping import case_from_document, entry_from_document
from shared.adapters.retention import EXPIRE_AT, expire_at
from shared.domain.case import Case, CaseStatus, TimelineEntry
from shared.domain.events import DomainEvent
from shared.ports.cases import CaseRepository, InvalidPageToken, Page
from shared.ports.events import Outbox

Query = firestore.Query | firestore.CollectionReference  # a query being built
_CASE_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
CASES, TIMELINE, DELIVERIES, OUTBOX, PRIVATE = "cases", "timeline", "deliveries", "outbox", "private"

# Every query shape this module runs; tests check each has its index in infra/firestore.indexes.json.
QUERY_SHAPES = (
    (CASES, (("unit_id", "=="), ("created_at", "desc"))),
    (CASES, (("status", "=="), ("created_at", "desc"))),
    (CASES, (("unit_id", "=="), ("status", "=="), ("created_at", "desc"))),
    (CASES, (("category", "=="), ("created_at", "desc"))),
    (CASES, (("category", "=="), ("status", "=="), ("created_at", "desc"))),
    # shared/adapters/firestore_escalation.py (status "in" uses the equality index)
    (CASES, (("status", "=="), ("next_due_at", "asc"))),
    (CASES, (("status", "=="), ("deadline_at", "asc"))),
    # list_for_unit: unit, optional status and category, newest first or by deadline
    (CASES, (("unit_id", "=="), ("deadline_at", "asc"))),
    (CASES, (("unit_id", "=="), ("category", "=="), ("created_at", "desc"))),
    (CASES, (("unit_id", "=="), ("category", "=="), ("deadline_at", "asc"))),
    # sent_back_by: a collection-group query on the timeline entries (scope COLLECTION_GROUP)
    (TIMELINE, (("action", "=="), ("detail.from_unit", "=="), ("at", "desc"))),
    (CASES, (("unit_id", "=="), ("status", "=="), ("deadline_at", "asc"))),
    (CASES, (("unit_id", "=="), ("status", "=="), ("category", "=="), ("created_at", "desc"))),
    (CASES, (("unit_id", "=="), ("status", "=="), ("category", "=="), ("deadline_at", "asc"))),
)


def delivery_key(source: str, delivery_id: str) -> str:
    return hashlib.sha256(json.dumps([source, delivery_id]).encode()).hexdigest()


def outbox_document(event: DomainEvent, now: datetime) -> dict[str, Any]:
    return {"type": event.type, "case_id": event.case_id, "occurred_at": event.occurred_at,
            "data": dict(event.data), "created_at": now,
            # from the write, not the event: an adopted LAPOR! event may have occurred months ago
            EXPIRE_AT: expire_at(max(now, datetime.now(UTC)))}


class FirestoreCaseRepository:
    def __init__(self, client: firestore.Client):
        self._db = client

    def _case_ref(self, case_id: str):
        return self._db.collection(CASES).document(case_id)

    def get(self, case_id: str) -> Case | None:
        snap = self._case_ref(case_id).get()
        return case_from_document(snap.id, snap.to_dict() or {}, snap.update_time) if snap.exists else None

    def timeline(self, case_id: str) -> builtins.list[TimelineEntry]:
        docs = self._case_ref(case_id).collection(TIMELINE).order_by("seq").stream()
        return [entry_from_document(d.to_dict() or {}) for d in docs]

    def get_many(self, case_ids: Sequence[str]) -> dict[str, Case]:
        refs = [self._case_ref(i) for i in case_ids]
        return {s.id: case_from_document(s.id, s.to_dict() or {}, s.update_time)
                for s in self._db.get_all(refs) if s.exists} if refs else {}

    def case_for_delivery(self, source: str, delivery_id: str) -> str | None:
        snap = self._db.collection(DELIVERIES).document(delivery_key(source, delivery_id)).get()
        return snap.get("case_id") if snap.exists else None

    def list(self, *, unit_id: str | None, status: CaseStatus | None, page_size: int,
             page_token: str | None) -> Page:
        query: Query = self._db.collection(CASES)
        if unit_id:
            query = query.where(filter=firestore.FieldFilter("unit_id", "==", unit_id))
        if status:
            query = query.where(filter=firestore.FieldFilter("status", "==", status.value))
        query = query.order_by("created_at", direction=firestore.Query.DESCENDING)
        if page_token:
            query = query.start_after(self._cursor(page_token))
        docs = list(query.limit(page_size + 1).stream())
        cases = [case_from_document(d.id, d.to_dict() or {}, d.update_time) for d in docs[:page_size]]
        more = len(docs) > page_size
        return Page(cases, self._token(cases[-1].id) if more else None)

    def list_for_unit(self, *, unit_id: str | None, status: CaseStatus | None, category: str | None,
                      due_before: datetime | None, page_size: int, page_token: str | None) -> Page:
        """A unit's work list: newest first, or by deadline when ``due_before`` is given."""
        query: Query = self._db.collection(CASES)
        for name, value in (("unit_id", unit_id), ("status", status.value if status else None),
                            ("category", category)):
            if value is not None:
                query = query.where(filter=firestore.FieldFilter(name, "==", value))
        if due_before is not None:
            query = (query.where(filter=firestore.FieldFilter("deadline_at", "<=", due_before))
                     .order_by("deadline_at"))
        else:
            query = query.order_by("created_at", direction=firestore.Query.DESCENDING)
        if page_token:
            query = query.start_after(self._cursor(page_token))
        docs = list(query.limit(page_size + 1).stream())
        cases = [case_from_document(d.id, d.to_dict() or {}, d.update_time) for d in docs[:page_size]]
        return Page(cases, self._token(cases[-1].id) if len(docs) > page_size else None)

    def sent_back_by(self, unit_id: str, limit: int) -> builtins.list[str]:
        """The cases whose timeline has this unit's ``reroute_requested``, the latest first."""
        query = (self._db.collection_group(TIMELINE)
                 .where(filter=firestore.FieldFilter("action", "==", "reroute_requested"))
                 .where(filter=firestore.FieldFilter("detail.from_unit", "==", unit_id))
                 .order_by("at", direction=firestore.Query.DESCENDING).limit(limit * 2))
        ids: builtins.list[str] = []
        for doc in query.stream():
            parent = doc.reference.parent.parent
            if parent is not None and parent.id not in ids:
                ids.append(parent.id)
        return ids[:limit]

    def search(self, *, category: str | None, statuses: Sequence[CaseStatus] | None,
               created_from: datetime, created_to: datetime, limit: int) -> builtins.list[Case]:
        query: Query = self._db.collection(CASES)
        if category:
            query = query.where(filter=firestore.FieldFilter("category", "==", category))
        if statuses:
            query = query.where(filter=firestore.FieldFilter("status", "in", [s.value for s in statuses]))
        query = (query.where(filter=firestore.FieldFilter("created_at", ">=", created_from))
                 .where(filter=firestore.FieldFilter("created_at", "<=", created_to))
                 .order_by("created_at", direction=firestore.Query.DESCENDING).limit(limit))
        return [case_from_document(d.id, d.to_dict() or {}, d.update_time) for d in query.stream()]

    def _cursor(self, token: str):
        try:
            case_id = base64.urlsafe_b64decode(token.encode() + b"==").decode()
        except (ValueError, UnicodeDecodeError):
            raise InvalidPageToken("page_token is not valid") from None
        if not _CASE_ID.fullmatch(case_id):
            raise InvalidPageToken("page_token is not valid")
        snap = self._case_ref(case_id).get()
        if not snap.exists:
            raise InvalidPageToken("page_token is not valid")
        return snap

    @staticmethod
    def _token(case_id: str) -> str:
        return base64.urlsafe_b64encode(case_id.encode()).decode().rstrip("=")


class FirestoreOutbox:
    def __init__(self, client: firestore.Client, group: GroupCommit | None = None):
        self._db, self._group = client, group

    def pending(self, created_before: datetime, limit: int) -> list[DomainEvent]:
        query = (self._db.collection(OUTBOX)
                 .where(filter=firestore.FieldFilter("created_at", "<", created_before))
                 .order_by("created_at").limit(limit))
        return [DomainEvent(d.id, (doc := d.to_dict() or {})["type"], doc["case_id"], doc["occurred_at"],
                            doc.get("data") or {}) for d in query.stream()]

    def oldest_pending(self) -> datetime | None:
        query = self._db.collection(OUTBOX).order_by("created_at").limit(1).select(["created_at"])
        return next(((d.to_dict() or {}).get("created_at") for d in query.stream()), None)

    def remove(self, event_id: str) -> None:
        """Deleted after its publish; with a group, in the same commit as other instances' writes."""
        ref = self._db.collection(OUTBOX).document(event_id)
        if self._group is None:
            ref.delete()
        else:
            self._group.commit([Write("delete", ref)])

    def remove_all(self, event_ids: Sequence[str]) -> None:
        """One commit per 100 events (with a group, beside other instances' writes)."""
        refs = [self._db.collection(OUTBOX).document(event_id) for event_id in event_ids]
        for start in range(0, len(refs), 100):
            writes = [Write("delete", ref) for ref in refs[start:start + 100]]
            if self._group is None:
                batch = self._db.batch()
                for write in writes:
                    batch.delete(write.ref)
                batch.commit()
            else:
                self._group.commit(writes)


if TYPE_CHECKING:  # the adapters implement the ports' Protocols: drift fails mypy
    def _conforms(repo: FirestoreCaseRepository, outbox: FirestoreOutbox) -> tuple[CaseRepository, Outbox]:
        return repo, outbox
