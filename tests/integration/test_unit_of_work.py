"""FirestoreUnitOfWork on the emulator keeps the unit of work's guarantees
(tests/uow_contract.py): one batch, every precondition in it, nothing written when one
is lost, staging per thread, a page and its cursor together."""
from __future__ import annotations

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
