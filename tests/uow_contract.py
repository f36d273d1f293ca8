"""The unit of work's guarantees (shared/unit_of_work.py), as checks that run against
any implementation: FakeUnitOfWork in tests/unit, FirestoreUnitOfWork in
tests/integration. ``make`` builds a fresh unit of work over empty storage; ``lease``
claims a lease in that same storage."""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shared.domain.case import Case, Reporter, TimelineEntry, case_id_for
from shared.domain.events import DomainEvent
from shared.domain.integrations.lapor import ItemKind, OutboxItem
from shared.ports import Conflict, Lease
from shared.unit_of_work import IdempotencyRecord, UnitOfWork

AT = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)


def new_case(external_id: str, anonymous: bool = False) -> tuple[Case, TimelineEntry]:
    """A received case, and its first timeline entry."""
    case = Case(id=case_id_for("demo", external_id), source="demo", external_id=external_id,
                title="Lampu jalan mati", description="Lampu PJU di depan rumah mati dua minggu.", created_at=AT,
                reporter=Reporter("Siti", "0812", None, anonymous))
    entry = case.next_entry(AT, "source:demo", "received")
    return replace(case, timeline_length=entry.seq), entry


def case_id(external_id: str) -> str:
    return case_id_for("demo", external_id)


def event(case: Case, name: str = "received") -> DomainEvent:
    return DomainEvent(f"{case.id}.{name}", "complaint.received", case.id, AT, {"source": "demo"})


def stored(uow: UnitOfWork, external_id: str = "e-1", delivery_id: str | None = None) -> Case:
    case, entry = new_case(external_id)
    with uow:
        uow.cases.add(case, entry, delivery_id=delivery_id)
        uow.add_events([event(case)])
        assert [e.id for e in uow.commit().events] == [event(case).id]
    found = uow.cases.get(case.id)
    assert found is not None
    return found


def check_a_commit_writes_everything_and_hands_back_the_events(make: Callable[[], UnitOfWork]) -> None:
    uow = make()
    case = stored(uow, delivery_id="d-1")
    assert uow.cases.case_for_delivery("demo", "d-1") == case.id
    assert uow.cases.get_many([case.id, "nope"]) == {case.id: case}
    assert [e.id for e in uow.outbox.pending(datetime(2100, 1, 1, tzinfo=UTC), 10)] == [event(case).id]
    moved, entry = case.with_entry(AT, "sigap:router", "routed")
    item = OutboxItem(case.id, entry.seq, ItemKind.FOLLOW_UP, {"text": "x"}, AT)
    record = IdempotencyRecord("key-1", "fingerprint", {"id": case.id}, AT)
    with uow:
        uow.cases.update(moved, entry)
        uow.add_lapor_items([item])
        uow.idempotency.add(record)
        assert uow.commit().events == ()
    after = uow.cases.get(case.id)
    assert after is not None and after.timeline_length == 2 and after.version != case.version
    assert uow.idempotency.get("key-1") == record and uow.idempotency.get("key-2") is None


def check_a_lost_precondition_writes_nothing(make: Callable[[], UnitOfWork]) -> None:
    uow = make()
    case = stored(uow)
    moved, entry = case.with_entry(AT, "unit:dlh", "acknowledged")
    with uow:  # someone else writes the case first
        uow.cases.update(moved, entry)
        uow.commit()
    other, first = new_case("e-2")
    with uow:
        uow.cases.add(other, first)
        uow.cases.update(moved, entry)  # read at the old version: loses
        uow.add_events([event(other)])
        with pytest.raises(Conflict):
            uow.commit()
        assert uow.commit().events == ()  # the staging was cleared: nothing left to write
    assert uow.cases.get(other.id) is None
    assert [e.id for e in uow.outbox.pending(datetime(2100, 1, 1, tzinfo=UTC), 10)] == [event(case).id]
    with uow:
        uow.cases.add(new_case("e-1")[0])  # exists already
        with pytest.raises(Conflict):
            uow.commit()
    record = IdempotencyRecord("key-1", "f", {}, AT)
    for expected in (None, Conflict):
        with uow:
            uow.idempotency.add(record)
            if expected is None:
                uow.commit()
            else:
                with pytest.raises(expected):
                    uow.commit()


def check_a_block_left_without_commit_writes_nothing(make: Callable[[], UnitOfWork]) -> None:
    uow = make()
    case, _ = new_case("e-9")
    with uow:
        uow.cases.add(case)
    assert uow.cases.get(case.id) is None
    with pytest.raises(RuntimeError):
        uow.add_events([event(case)])  # outside a block
    with uow, pytest.raises(RuntimeError):
        with uow:  # blocks do not nest
            pass


def check_staging_is_per_thread(make: Callable[[], UnitOfWork]) -> None:
    uow, ready, errors = make(), threading.Barrier(2), []

    def one(external_id: str) -> None:
        try:
            with uow:
                uow.cases.add(new_case(external_id)[0])
                ready.wait(5)  # both threads have staged before either commits
                uow.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(f"t-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert errors == []
    assert set(uow.cases.get_many([case_id("t-0"), case_id("t-1")])) == {case_id("t-0"), case_id("t-1")}


def check_a_page_and_its_cursor_commit_together(make: Callable[[], UnitOfWork],
                                                 lease: Callable[[], Lease | None]) -> None:
    uow, held = make(), lease()
    assert held is not None
    case, entry = new_case("p-1", anonymous=True)
    with uow:
        uow.cases.add(case, entry)
        uow.move_cursor(held, "page-1")
        moved = uow.commit().lease
    assert moved is not None and moved.cursor == "page-1" and moved.version != held.version
    with uow:  # the old version of the lease: taken over, nothing written
        uow.cases.add(new_case("p-2")[0])
        uow.move_cursor(held, "page-2")
        with pytest.raises(Conflict):
            uow.commit()
    assert uow.cases.get(case_id("p-2")) is None
    with uow:
        uow.move_cursor(moved, "page-2")
        again = uow.commit().lease
    assert again is not None and again.cursor == "page-2"


CHECKS = [check_a_commit_writes_everything_and_hands_back_the_events, check_a_lost_precondition_writes_nothing,
          check_a_block_left_without_commit_writes_nothing, check_staging_is_per_thread]
