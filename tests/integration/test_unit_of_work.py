"""FirestoreUnitOfWork on the emulator keeps the unit of work's guarantees
(tests/uow_contract.py): one batch, every precondition in it, nothing written when one
is lost, staging per thread, a page and its cursor together."""
from __future__ import annotations

from dataclasses import replace

import pytest

from shared.adapters.clock import SystemClock
from shared.adapters.firestore_lapor import FirestoreLaporStore
from shared.adapters.firestore_uow import FirestoreUnitOfWork
from tests import uow_contract


@pytest.mark.parametrize("check", uow_contract.CHECKS, ids=lambda c: c.__name__)
def test_firestore_keeps_the_contract(db, check):
    check(lambda: FirestoreUnitOfWork(db))


def test_firestore_commits_a_page_and_its_cursor_together(db):
    uow_contract.check_a_page_and_its_cursor_commit_together(
        lambda: FirestoreUnitOfWork(db), lambda: FirestoreLaporStore(db).claim("pull", "me", SystemClock().now(), 300))
    reporter = db.collection("cases").document(uow_contract.case_id("p-1")).collection("private").document("reporter")
    assert reporter.get().to_dict()["name"] == "Siti"
    assert db.collection("cases").document(uow_contract.case_id("p-1")).get().to_dict()["reporter"] is None


def test_concurrent_units_of_work_share_commits_and_each_gets_its_own_outcome(db):
    """24 threads create 24 cases in fewer commits than units; then 8 repeats among 8 new
    cases: every case is written once with all its documents and every repeat loses with
    Conflict, without failing the new cases it was grouped with."""
    from concurrent.futures import ThreadPoolExecutor

    from shared.adapters.firestore_group_commit import GroupCommit
    from shared.ports import Conflict

    group = GroupCommit(db)
    uow = FirestoreUnitOfWork(db, group)
    external_ids = [f"g-{i}" for i in range(24)] + [f"g-{i}" for i in range(8)]
    first, repeats = external_ids[:24], external_ids[24:]

    def create(external_id: str) -> str:
        case, entry = uow_contract.new_case(external_id)
        with uow:
            uow.cases.add(case, entry, delivery_id=f"d-{external_id}")
            uow.add_events([uow_contract.event(case)])
            try:
                uow.commit()
            except Conflict:
                return "conflict"
        return "created"
    with ThreadPoolExecutor(24) as pool:
        outcomes = list(pool.map(create, first))
    assert outcomes == ["created"] * 24
    assert group.commits < 24 and group.grouped > 0  # units waiting behind a commit went in the next one
    with ThreadPoolExecutor(16) as pool:  # 8 repeats among 8 new: each repeat loses alone
        outcomes = list(pool.map(create, repeats + [f"g-{i}" for i in range(24, 32)]))
    assert outcomes == ["conflict"] * 8 + ["created"] * 8
    for i in range(32):
        ref = db.collection("cases").document(uow_contract.case_id(f"g-{i}"))
        assert ref.get().exists and len(list(ref.collection("timeline").stream())) == 1
    assert len(list(db.collection("outbox").stream())) == 32


def test_finished_records_carry_the_ttl_field_and_owed_ones_none(db):
    """The TTL policies of infra/terraform/firestore.tf delete by ``expire_at``: idempotency
    answers, delivery keys and outbox events get created_at + 30 days; a webhook or
    notification delivery gets delivered_at + 30 days only once delivered."""
    from datetime import timedelta

    from shared.adapters.firestore_deliveries import DELIVERIES, NOTIFICATIONS, FirestoreDeliveries
    from shared.delivery.state import Delivery, DeliveryStatus
    from shared.unit_of_work import IdempotencyRecord

    uow = FirestoreUnitOfWork(db)
    case = uow_contract.stored(uow, external_id="ttl-1", delivery_id="ttl-d")
    with uow:
        uow.idempotency.add(IdempotencyRecord("ttl-key", "f", {"id": case.id}, uow_contract.AT))
        uow.commit()
    month = timedelta(days=30)
    assert db.collection("idempotency_keys").document("ttl-key").get().to_dict()["expire_at"] == \
        uow_contract.AT + month
    (delivery_key,) = list(db.collection("deliveries").stream())
    assert delivery_key.to_dict()["expire_at"] == case.created_at + month
    (outbox,) = list(db.collection("outbox").stream())
    assert outbox.to_dict()["expire_at"] >= SystemClock().now() + month - timedelta(minutes=5)
    for collection in (DELIVERIES, NOTIFICATIONS):
        store = FirestoreDeliveries(db, collection)
        pending = Delivery("dl-1", "sub-1", "e-1", "complaint.received", {"k": "v"}, uow_contract.AT,
                           uow_contract.AT)
        assert store.create(pending)
        (read,) = store.due_for("sub-1", uow_contract.AT + month, 10)
        assert "expire_at" not in db.collection(collection).document("dl-1").get().to_dict()
        parked = store.save(replace(read, status=DeliveryStatus.PARKED))
        assert "expire_at" not in db.collection(collection).document("dl-1").get().to_dict()
        delivered_at = uow_contract.AT + timedelta(hours=1)
        store.save(replace(parked, status=DeliveryStatus.DELIVERED, delivered_at=delivered_at))
        assert db.collection(collection).document("dl-1").get().to_dict()["expire_at"] == delivered_at + month
        assert store.of("sub-1", DeliveryStatus.DELIVERED)[0].delivered_at == delivered_at  # still reads back
