"""GroupCommit's grouping and failure rules, over a fake Firestore client whose commits
can be held in flight (so the test decides what is waiting when a commit starts). On the
emulator: tests/integration/test_unit_of_work.py."""
from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from google.api_core import exceptions as gexc

from shared.adapters.firestore_group_commit import GroupCommit, Write


class Ref:
    def __init__(self, path: str):
        self._document_path = path


class FakeFirestore:
    """Documents by path; a commit applies all its writes or none (create on an existing path fails)."""

    def __init__(self) -> None:
        self.docs: dict[str, Any] = {}
        self.requests: list[list[str]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.entered = threading.Semaphore(0)
        self.fail_groups_with: BaseException | None = None  # a commit of more than one write fails

    def batch(self) -> FakeBatch:
        return FakeBatch(self)


class FakeBatch:
    def __init__(self, db: FakeFirestore):
        self.db = db
        self.ops: list[tuple[str, str, Any]] = []

    def create(self, ref: Ref, data: Any) -> None:
        self.ops.append(("create", ref._document_path, data))

    def set(self, ref: Ref, data: Any) -> None:
        self.ops.append(("set", ref._document_path, data))

    def update(self, ref: Ref, data: Any, option: Any = None) -> None:
        self.ops.append(("update", ref._document_path, data))

    def delete(self, ref: Ref, option: Any = None) -> None:
        self.ops.append(("delete", ref._document_path, None))

    def commit(self) -> list[str]:
        self.db.entered.release()
        self.db.hold.wait(5)
        self.db.requests.append([path for _, path, _ in self.ops])
        if self.db.fail_groups_with is not None and len(self.ops) > 1:
            raise self.db.fail_groups_with
        if any(kind == "create" and path in self.db.docs for kind, path, _ in self.ops):
            raise gexc.AlreadyExists("exists")
        for kind, path, data in self.ops:
            if kind == "delete":
                self.db.docs.pop(path, None)
            else:
                self.db.docs[path] = data
        return [f"result:{path}" for _, path, _ in self.ops]


def creates(*paths: str) -> list[Write]:
    return [Write("create", Ref(path), {"p": path}) for path in paths]


def run_while_held(db: FakeFirestore, group: GroupCommit, units: list[list[Write]],
                   waiting: int | None = None) -> list[Any]:
    """The first unit's commit is held in flight until every other unit waits behind it."""
    outcomes: list[Any] = [None] * len(units)

    def one(i: int) -> None:
        try:
            outcomes[i] = group.commit(units[i])
        except Exception as exc:  # noqa: BLE001 (the outcome under test)
            outcomes[i] = exc

    db.hold.clear()
    first = threading.Thread(target=one, args=(0,))
    first.start()
    assert db.entered.acquire(timeout=5)
    others = [threading.Thread(target=one, args=(i,)) for i in range(1, len(units))]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 5
    time.sleep(0.05)  # the others reach the group (or, not grouped, their own commit)
    expected = len(units) - 1 if waiting is None else waiting
    while len(group._waiting) < expected and time.monotonic() < deadline:
        time.sleep(0.005)
    db.hold.set()
    for thread in [first, *others]:
        thread.join(5)
    return outcomes


def test_alone_a_unit_commits_at_once_in_its_own_request():
    db = FakeFirestore()
    group = GroupCommit(db)  # type: ignore[arg-type]
    assert group.commit(creates("cases/a", "cases/a/timeline/1")) == ["result:cases/a", "result:cases/a/timeline/1"]
    assert db.requests == [["cases/a", "cases/a/timeline/1"]]


def test_units_waiting_behind_a_commit_in_flight_share_the_next_one():
    db = FakeFirestore()
    group = GroupCommit(db)  # type: ignore[arg-type]
    outcomes = run_while_held(db, group, [creates(f"cases/{i}", f"outbox/{i}") for i in range(6)])
    assert outcomes == [[f"result:cases/{i}", f"result:outbox/{i}"] for i in range(6)]
    assert len(db.requests) == 2  # the first alone, the five that waited in one
    assert sorted(db.requests[1]) == sorted(p for i in range(1, 6) for p in (f"cases/{i}", f"outbox/{i}"))


def test_a_duplicate_in_a_group_fails_alone_and_the_others_are_written():
    db = FakeFirestore()
    db.docs["cases/dup"] = {"p": "earlier"}
    group = GroupCommit(db)  # type: ignore[arg-type]
    units = [creates("cases/0"), creates("cases/1"), creates("cases/dup", "outbox/dup"), creates("cases/3")]
    outcomes = run_while_held(db, group, units)
    assert isinstance(outcomes[2], gexc.AlreadyExists)
    assert [outcomes[i] for i in (0, 1, 3)] == [["result:cases/0"], ["result:cases/1"], ["result:cases/3"]]
    assert "outbox/dup" not in db.docs and db.docs["cases/dup"] == {"p": "earlier"}  # nothing of it written


def test_an_unknown_outcome_reaches_every_caller_of_the_group_and_is_not_retried():
    db = FakeFirestore()
    group = GroupCommit(db)  # type: ignore[arg-type]
    db.fail_groups_with = gexc.DeadlineExceeded("timeout")
    outcomes = run_while_held(db, group, [creates(f"cases/{i}") for i in range(4)])
    assert outcomes[0] == ["result:cases/0"]
    assert all(isinstance(outcome, gexc.DeadlineExceeded) for outcome in outcomes[1:])
    assert len(db.requests) == 2  # no unit sent again on its own after an unknown outcome


def test_two_units_writing_one_document_never_share_a_commit():
    db = FakeFirestore()
    group = GroupCommit(db)  # type: ignore[arg-type]
    units = [creates("cases/x"), [Write("delete", Ref("outbox/e"))], [Write("create", Ref("outbox/e"), {"v": 2})],
             creates("cases/y")]
    outcomes = run_while_held(db, group, units)
    assert all(isinstance(outcome, list) for outcome in outcomes)
    assert all(len(set(request)) == len(request) for request in db.requests)
    assert len(db.requests) == 3  # first alone; then delete + cases/y; then the create of the same document


def test_a_group_never_exceeds_the_write_limit():
    db = FakeFirestore()
    group = GroupCommit(db, max_writes=4)  # type: ignore[arg-type]
    outcomes = run_while_held(db, group, [creates(f"a/{i}", f"b/{i}") for i in range(7)])
    assert all(isinstance(outcome, list) for outcome in outcomes)
    assert max(len(request) for request in db.requests) <= 4
    assert len(db.docs) == 14


@pytest.mark.parametrize("threads", [8, 32])
def test_concurrent_units_each_get_their_own_results(threads):
    db = FakeFirestore()
    group = GroupCommit(db)  # type: ignore[arg-type]
    results: dict[int, Any] = {}

    def one(i: int) -> None:
        results[i] = group.commit(creates(f"cases/{i}", f"cases/{i}/timeline/1"))
    workers = [threading.Thread(target=one, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(5)
    assert results == {i: [f"result:cases/{i}", f"result:cases/{i}/timeline/1"] for i in range(threads)}
    assert sum(len(request) for request in db.requests) == 2 * threads


def test_a_unit_with_an_update_is_never_grouped():
    db = FakeFirestore()
    group = GroupCommit(db)  # type: ignore[arg-type]
    updates = [[Write("update", Ref(f"cases/{i}"), {"v": 1}), Write("create", Ref(f"cases/{i}/timeline/2"), {})]
               for i in range(4)]
    outcomes = run_while_held(db, group, [creates("cases/first"), *updates], waiting=0)
    assert all(isinstance(outcome, list) for outcome in outcomes)
    assert sorted(len(request) for request in db.requests) == [1, 2, 2, 2, 2]  # each update in its own commit
