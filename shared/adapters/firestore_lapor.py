"""FirestoreLaporStore: the runs' leases (and the pull's cursor) and the ``lapor_outbox``
of what Sigap owes the national platform (docs/firestore-schema.md).

No read-write transactions: the lease is a document claimed with create() or a
``last_update_time`` precondition. A page of the pull is stored by the unit of work
(shared/adapters/firestore_uow.py) in one batch that also moves the cursor under the
lease's precondition, so the cursor can never pass a page that was not stored, and a
run whose lease was taken over cannot write at all; new outbox items are staged there
too. ``reads``/``writes`` count billed document operations (benchmarks).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.domain.integrations.lapor import ItemKind, ItemState, OutboxItem
from shared.ports.conflict import Conflict
from shared.ports.lapor import LaporStore, Lease

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
            doc = snap.to_dict() or {}
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

    # ---- push: lapor_outbox -----------------------------------------------------------
    def items(self, limit: int, case_id: str | None = None) -> list[OutboxItem]:
        """Pending and dead items, in delivery order (by case, then seq): the document id."""
        query: firestore.Query | firestore.CollectionReference = self._db.collection(LAPOR_OUTBOX)
        if case_id:
            query = query.where(filter=firestore.FieldFilter("case_id", "==", case_id))
        docs = list(query.order_by("__name__").limit(limit).stream())
        self.reads += max(1, len(docs))
        return [_item_from(d) for d in docs]

    def save_item(self, item: OutboxItem) -> OutboxItem:
        ref = self._db.collection(LAPOR_OUTBOX).document(item.id)
        try:
            result = ref.set(item_document(item)) if item.version is None else \
                ref.update(item_document(item), option=self._db.write_option(last_update_time=item.version))
        except _FAILED as exc:
            raise Conflict(str(exc)) from exc
        self.writes += 1
        return _with_version(item, result.update_time)

    def remove_item(self, item: OutboxItem) -> None:
        self.writes += 1
        self._db.collection(LAPOR_OUTBOX).document(item.id).delete()


def item_document(item: OutboxItem) -> dict[str, Any]:
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


if TYPE_CHECKING:  # the adapter implements the port's Protocol: drift fails mypy
    def _conforms(store: FirestoreLaporStore) -> LaporStore:
        return store
