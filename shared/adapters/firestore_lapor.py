"""FirestoreLaporStore: the sync's lease and cursor, its page writes, and the
``lapor_outbox`` of what Sigap owes the national platform (docs/firestore-schema.md).

No read-write transactions (see firestore_cases.py): the lease is a document claimed
with create() or a ``last_update_time`` precondition, and every page is one batch that
stores its cases *and* moves the cursor under the lease's precondition, so the cursor
can never pass a page that was not stored, and a run whose lease was taken over cannot
write at all. ``reads``/``writes`` count billed document operations (benchmarks).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Sequence

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.adapters.firestore_cases import CASES, OUTBOX, PRIVATE, TIMELINE, _outbox_document
from shared.adapters.firestore_mapping import (case_from_document, case_to_document, entry_to_document,
                                               private_reporter_document)
from shared.domain.case import Case, Entries, as_entries
from shared.domain.events import DomainEvent
from shared.domain.integrations.lapor import ItemKind, ItemState, OutboxItem
from shared.ports import Conflict, Lease, PageChange

SYNC, LAPOR_OUTBOX = "lapor_sync", "lapor_outbox"
_FAILED = (gexc.FailedPrecondition, gexc.AlreadyExists, gexc.Conflict, gexc.Aborted, gexc.NotFound)


class FirestoreLaporStore:
    def __init__(self, client: firestore.Client):
        self._db = client
        self.reads = self.writes = 0

    # ---- lease and cursor ------------------------------------------------------------
    def claim(self, name: str, owner: str, now: datetime, seconds: float) -> Lease | None:
        ref = self._db.collection(SYNC).document(name)
        fields = {"lease_owner": owner, "lease_until": now + timedelta(seconds=seconds)}
        snap = ref.get()
        self.reads += 1
        try:
            self.writes += 1
            if not snap.exists:
                result = ref.create({**fields, "cursor": None})
                return Lease(name, owner, result.update_time, None)
            doc = snap.to_dict()
            if doc.get("lease_owner") and doc.get("lease_until") and doc["lease_until"] > now:
                return None
            result = ref.update(fields, option=self._db.write_option(last_update_time=snap.update_time))
            return Lease(name, owner, result.update_time, doc.get("cursor"))
        except _FAILED:
            return None  # another run claimed it between our read and our write

    def release(self, lease: Lease) -> None:
        try:
            self.writes += 1
            self._db.collection(SYNC).document(lease.name).update(
                {"lease_owner": None, "lease_until": None},
                option=self._db.write_option(last_update_time=lease.version))
        except _FAILED:
            pass  # taken over after it expired: the other run owns it now

    # ---- pull: one page ---------------------------------------------------------------
    def cases(self, case_ids: Sequence[str]) -> dict[str, Case]:
        refs = [self._db.collection(CASES).document(i) for i in case_ids]
        self.reads += len(refs)
        return {s.id: case_from_document(s.id, s.to_dict(), s.update_time)
                for s in self._db.get_all(refs) if s.exists}

    def store_page(self, lease: Lease, cursor: str | None, new: Sequence[PageChange],
                   changed: Sequence[PageChange]) -> Lease:
        """One atomic commit: new cases, changed cases, and the cursor under the lease."""
        batch, count = self._db.batch(), 1
        for case, entries, events in new:
            ref = self._db.collection(CASES).document(case.id)
            batch.create(ref, case_to_document(case))
            private = private_reporter_document(case)
            if private:
                batch.create(ref.collection(PRIVATE).document("reporter"), private)
                count += 1
            count += 1 + self._stage(batch, ref, entries, events, case.created_at)
        for case, entries, events in changed:
            ref = self._db.collection(CASES).document(case.id)
            document = {k: v for k, v in case_to_document(case).items() if k != "created_at"}
            batch.update(ref, document, option=self._db.write_option(last_update_time=case.version))
            count += 1 + self._stage(batch, ref, entries, events, case.updated_at or case.created_at)
        sync_ref = self._db.collection(SYNC).document(lease.name)
        batch.update(sync_ref, {"cursor": cursor}, option=self._db.write_option(last_update_time=lease.version))
        try:
            results = batch.commit()
        except _FAILED as exc:
            raise Conflict(str(exc)) from exc
        self.writes += count
        return Lease(lease.name, lease.owner, results[-1].update_time, cursor)

    def _stage(self, batch, ref, entries: Entries, events: Sequence[DomainEvent], now: datetime) -> int:
        """Stages timeline entries and outbox events; returns how many writes."""
        staged = as_entries(entries)
        for entry in staged:
            batch.create(ref.collection(TIMELINE).document(entry.id), entry_to_document(entry))
        for event in events:
            batch.create(self._db.collection(OUTBOX).document(event.id), _outbox_document(event, now))
        return len(staged) + len(events)

    # ---- push: lapor_outbox -----------------------------------------------------------
    def add_item(self, item: OutboxItem) -> bool:
        try:
            self.writes += 1
            self._db.collection(LAPOR_OUTBOX).document(item.id).create(_item_document(item))
            return True
        except gexc.AlreadyExists:
            return False

    def commit_change(self, case: Case, entry: Entries, events: Sequence[DomainEvent],
                      items: Sequence[OutboxItem], records: Sequence[tuple[str, str, dict]] = ()) -> None:
        """The case change, its timeline entries, its events and its outbox items: one commit.
        ``records`` are further documents (collection, id, data) created in the same commit,
        e.g. the unit API's Idempotency-Key answers; one that exists already fails it all."""
        batch = self._db.batch()
        ref = self._db.collection(CASES).document(case.id)
        document = {k: v for k, v in case_to_document(case).items() if k != "created_at"}
        batch.update(ref, document, option=self._db.write_option(last_update_time=case.version))
        count = 1 + self._stage(batch, ref, entry, events, case.updated_at or case.created_at)
        for item in items:
            batch.create(self._db.collection(LAPOR_OUTBOX).document(item.id), _item_document(item))
        for collection, doc_id, data in records:
            batch.create(self._db.collection(collection).document(doc_id), data)
        try:
            batch.commit()
        except _FAILED as exc:
            raise Conflict(str(exc)) from exc
        self.writes += count + len(items) + len(records)

    def recorded_answer(self, record_id: str) -> dict | None:
        """The unit API's recorded answer to an Idempotency-Key (shared/services/unit_actions.py)."""
        snap = self._db.collection("idempotency_keys").document(record_id).get()
        return snap.to_dict() if snap.exists else None

    def items(self, limit: int, case_id: str | None = None) -> list[OutboxItem]:
        """Pending and dead items, in delivery order (by case, then seq): the document id."""
        query = self._db.collection(LAPOR_OUTBOX)
        if case_id:
            query = query.where(filter=firestore.FieldFilter("case_id", "==", case_id))
        docs = list(query.order_by("__name__").limit(limit).stream())
        self.reads += max(1, len(docs))
        return [_item_from(d) for d in docs]

    def save_item(self, item: OutboxItem) -> OutboxItem:
        ref = self._db.collection(LAPOR_OUTBOX).document(item.id)
        try:
            result = ref.set(_item_document(item)) if item.version is None else \
                ref.update(_item_document(item), option=self._db.write_option(last_update_time=item.version))
        except _FAILED as exc:
            raise Conflict(str(exc)) from exc
        self.writes += 1
        return _with_version(item, result.update_time)

    def remove_item(self, item: OutboxItem) -> None:
        self.writes += 1
        self._db.collection(LAPOR_OUTBOX).document(item.id).delete()


def _item_document(item: OutboxItem) -> dict[str, Any]:
    return {"case_id": item.case_id, "seq": item.seq, "kind": item.kind.value, "payload": dict(item.payload),
            "created_at": item.created_at, "state": item.state.value, "attempts": item.attempts,
            "next_attempt_at": item.next_attempt_at, "last_error": item.last_error}


def _item_from(snap) -> OutboxItem:
    doc = snap.to_dict()
    return OutboxItem(doc["case_id"], int(doc["seq"]), ItemKind(doc["kind"]), doc.get("payload") or {},
                      doc["created_at"], ItemState(doc["state"]), int(doc.get("attempts", 0)),
                      doc.get("next_attempt_at"), doc.get("last_error"), version=snap.update_time)


def _with_version(item: OutboxItem, version: Any) -> OutboxItem:
    from dataclasses import replace
    return replace(item, version=version)
