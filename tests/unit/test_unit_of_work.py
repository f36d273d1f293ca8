"""FakeUnitOfWork keeps the unit of work's guarantees (tests/uow_contract.py); the same
checks run against FirestoreUnitOfWork in tests/integration/test_unit_of_work.py."""
from __future__ import annotations

import pytest

from tests import uow_contract
from tests.fakes import FakeCaseStore, FakeUnitOfWork
from tests.lapor_fakes import FakeLaporStore


@pytest.mark.parametrize("check", uow_contract.CHECKS, ids=lambda c: c.__name__)
def test_the_fake_keeps_the_contract(check):
    check(lambda: FakeUnitOfWork(FakeCaseStore()))


def test_the_fake_commits_a_page_and_its_cursor_together():
    store = FakeCaseStore()
    lapor = FakeLaporStore(store)
    uow_contract.check_a_page_and_its_cursor_commit_together(
        lambda: FakeUnitOfWork(store), lambda: lapor.claim("pull", "me", uow_contract.AT, 300))
    assert store.private_reporters[uow_contract.case_id("p-1")].name == "Siti"
