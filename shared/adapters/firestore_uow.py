"""FirestoreUnitOfWork: everything a unit of work staged, as one batched write.

No read-write transactions (docs/firestore-schema.md, "How writes stay consistent"):
contended ones stall for the emulator's lock timeout and abort. Every staged write
carries its precondition instead, and the batch commits all of them or none:

    new case          create() of cases/{id}, private/reporter (anonymous reporter),
                      deliveries/{sha256([source, webhook-id])}
    changed case      update() of cases/{id} with last_update_time = case.version
    timeline entry    create() of cases/{id}/timeline/{seq:05d}-{action}
    event             create() of outbox/{event id} (created_at: the event's occurred_at)
    LAPOR! item       create() of lapor_outbox/{id}
    idempotency       create() of idempotency_keys/{key}
    cursor            update() of lapor_sync/{name} with last_update_time = lease.version

A failed precondition fails the whole batch, raised as Conflict. ``reads``/``writes``
count billed document operations (benchmarks).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from google.api_core import exceptions as gexc
from google.cloud import firestore

from shared.adapters.firestore_cases import (
    CASES,
    OUTBOX,
    PRIVATE,
    TIMELINE,
    FirestoreCaseRepository,
    FirestoreOutbox,
    delivery_key,
    outbox_document,
)
from shared.adapters.firestore_group_commit import GroupCommit, Write
from shared.adapters.firestore_mapping import case_to_document, entry_to_document, private_reporter_document
from shared.adapters.retention import EXPIRE_AT, expire_at
from shared.adapters.uow_staging import StagingUnitOfWork
from shared.domain.case import Case
from shared.ports.conflict import Conflict
from shared.unit_of_work import CaseWrite, Committed, IdempotencyRecord, Staged, UnitOfWork

IDEMPOTENCY, DELIVERIES = "idempotency_keys", "deliveries"
_FAILED = (gexc.FailedPrecondition, gexc.AlreadyExists, gexc.Conflict, gexc.Aborted, gexc.NotFound)


class _CountingReader:
    """The repository's reads the unit of work makes, counted."""

    def __init__(self, uow: FirestoreUnitOfWork, repo: FirestoreCaseRepository):
        self._uow, self._repo = uow, repo

    def get(self, case_id: str) -> Case | None:
        self._uow.reads += 1
        return self._repo.get(case_id)

    def get_many(self, case_ids: Sequence[str]) -> dict[str, Case]:
        self._uow.reads += len(case_ids)
        return self._repo.get_many(case_ids)

    def case_for_delivery(self, source: str, delivery_id: str) -> str | None:
        self._uow.reads += 1
        return self._repo.case_for_delivery(source, delivery_id)


class FirestoreUnitOfWork(StagingUnitOfWork):
    def __init__(self, client: firestore.Client, group: GroupCommit | None = None):
        self._db, self._group = client, group or GroupCommit(client)
        self.reads = self.writes = 0
        super().__init__(_CountingReader(self, FirestoreCaseRepository(client)), FirestoreOutbox(client, self._group))

    def _recorded(self, key: str) -> IdempotencyRecord | None:
        snap = self._db.collection(IDEMPOTENCY).document(key).get()
        self.reads += 1
        if not snap.exists:
            return None
        doc = snap.to_dict() or {}
        return IdempotencyRecord(key, doc["fingerprint"], doc["body"], doc["created_at"])

    def _stage_lapor(self, batch: list[Write], staged: Staged) -> None:
        """The LAPOR! items and the sync cursor (last: its result is the lease's new version).
        Their adapter loads here, for the functions that sync and push, never for intake."""
        from shared.adapters.firestore_lapor import LAPOR_OUTBOX, SYNC, item_document
        for item in staged.lapor_items:
            batch.append(Write("create", self._db.collection(LAPOR_OUTBOX).document(item.id), item_document(item)))
        if staged.cursor is not None:
            lease, cursor = staged.cursor
            batch.append(Write("update", self._db.collection(SYNC).document(lease.name), {"cursor": cursor},
                               self._db.write_option(last_update_time=lease.version)))

    def _write(self, staged: Staged) -> Committed:
        batch: list[Write] = []
        count = sum(self._stage_case(batch, write) for write in staged.cases)
        for event in staged.events:
            batch.append(Write("create", self._db.collection(OUTBOX).document(event.id),
                               outbox_document(event, event.occurred_at)))
        for record in staged.idempotency:
            batch.append(Write("create", self._db.collection(IDEMPOTENCY).document(record.key), {
                "fingerprint": record.fingerprint, "body": dict(record.body), "created_at": record.created_at,
                EXPIRE_AT: expire_at(record.created_at)}))
        if staged.lapor_items or staged.cursor is not None:
            self._stage_lapor(batch, staged)
        try:
            results = self._group.commit(batch)
        except _FAILED as exc:
            raise Conflict(str(exc)) from exc
        self.writes += count + len(staged.events) + len(staged.lapor_items) + len(staged.idempotency) + \
            (staged.cursor is not None)
        moved = None
        if staged.cursor is not None:
            lease, cursor = staged.cursor
            moved = replace(lease, version=results[-1].update_time, cursor=cursor)
        return Committed(tuple(staged.events), moved)

    def _stage_case(self, batch: list[Write], write: CaseWrite) -> int:
        """Stages the case's writes; returns how many."""
        case, ref = write.case, self._db.collection(CASES).document(write.case.id)
        document = case_to_document(case)
        count = 1 + len(write.entries)
        if write.new:
            batch.append(Write("create", ref, document))
            private = private_reporter_document(case)
            if private:
                batch.append(Write("create", ref.collection(PRIVATE).document("reporter"), private))
                count += 1
            if write.delivery_id:
                batch.append(Write("create", self._db.collection(DELIVERIES).document(
                    delivery_key(case.source, write.delivery_id)),
                    {"source": case.source, "case_id": case.id, "created_at": case.created_at,
                     EXPIRE_AT: expire_at(case.created_at)}))
                count += 1
        else:
            document.pop("created_at")
            batch.append(Write("update", ref, document, self._db.write_option(last_update_time=case.version)))
        for entry in write.entries:
            batch.append(Write("create", ref.collection(TIMELINE).document(entry.id), entry_to_document(entry)))
        return count


if TYPE_CHECKING:  # the adapter implements the Protocol the services use: drift fails mypy
    def _conforms(uow: FirestoreUnitOfWork) -> UnitOfWork:
        return uow
