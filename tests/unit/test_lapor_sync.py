"""sync_from_lapor on fakes: incremental, idempotent, never skips a page, one run at a time."""
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from shared.adapters.catalog_files import load_catalog
from shared.domain.case import CaseStatus
from shared.domain.integrations.lapor import FollowUp, Report
from shared.services.lapor_sync import PULL, SyncLimits, sync_from_lapor
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, FakeUnitOfWork
from tests.lapor_fakes import FakeLaporClient, FakeLaporStore, unavailable

AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
CATALOG = load_catalog()


def report(n: int, version: int = 1, **fields) -> Report:
    return Report(**{"tracking_id": str(1000 + n), "version": version, "title": f"Jalan rusak {n}",
                     "content": "Jalan berlubang di Jl. Ahmad Yani, Kelurahan Yosodadi.",
                     "status": "Belum Ditindaklanjuti", "created_at": AT, "disposed_at": AT,
                     "kelurahan": "Yosodadi", **fields})


@pytest.fixture
def world():
    cases = FakeCaseStore()
    return cases, FakeLaporStore(cases), FakePublisher(), FakeClock()


def sync(world, client, **limits):
    cases, store, publisher, clock = world
    return sync_from_lapor(client=client, store=store, uow=FakeUnitOfWork(cases), publisher=publisher, clock=clock,
                           catalog=CATALOG, limits=SyncLimits(**{"page_size": 3, **limits}))


def test_new_reports_become_cases_once_and_are_announced(world):
    cases, store, publisher, _ = world
    client = FakeLaporClient([report(n) for n in range(7)])
    run = sync(world, client)
    assert (run.outcome, run.created, run.pages) == ("done", 7, 3)
    case = cases.get("lapor-1003")
    assert case.source == "lapor" and case.lapor_tracking_id == "1003" and case.national_received_at == AT
    assert [e.action for e in cases.timeline("lapor-1003")] == ["received"]
    assert sorted(e.case_id for e in publisher.published) == sorted(f"lapor-{1000 + n}" for n in range(7))
    assert not cases.outbox  # published, so removed
    again = sync(world, client)  # nothing changed: one portal call, nothing written
    assert (again.created, again.updated, again.pages) == (0, 0, 0) and client.calls["list"] == 4
    assert store.leases[PULL]["cursor"] == "7" and store.leases[PULL]["owner"] is None


def test_changes_update_the_case_and_older_or_repeated_versions_change_nothing(world):
    cases, *_ = world
    client = FakeLaporClient([report(1)])
    sync(world, client)
    follow_up = FollowUp("tl-1", "pelapor", "Sudah dua minggu belum ada tanggapan.", AT)
    client.changes += [report(1, 3, status="Proses", follow_ups=(follow_up,)),
                       report(1, 2, status="Belum Ditindaklanjuti"),
                       report(1, 3, status="Proses", follow_ups=(follow_up,))]
    run = sync(world, client)
    assert (run.updated, run.unchanged) == (1, 0)  # one page: the newest version wins within it
    entries = cases.timeline("lapor-1001")
    assert [e.action for e in entries] == ["received", "reporter_replied", "lapor_updated"]
    assert entries[1].detail["follow_up_id"] == "tl-1" and entries[1].actor == "lapor:pelapor"
    assert entries[-1].detail["lapor_status"] == "Proses"
    state = cases.get("lapor-1001").lapor_state
    assert (state["version"], state["status"], state["follow_up_ids"]) == (3, "Proses", ["tl-1"])
    client.changes.append(report(1, 2))  # an old version arriving late
    assert sync(world, client).unchanged == 1
    assert len(cases.timeline("lapor-1001")) == 3


def test_closing_status_closes_a_routed_case(world):
    cases, *_ = world
    client = FakeLaporClient([report(1)])
    sync(world, client)
    case = cases.get("lapor-1001")
    cases.cases[case.id] = replace(case, status=CaseStatus.ASSIGNED)
    client.changes.append(report(1, 2, status="Selesai"))
    sync(world, client)
    assert cases.get("lapor-1001").status is CaseStatus.CLOSED
    assert cases.timeline("lapor-1001")[-1].action == "lapor_closed"


def test_a_failing_page_stops_the_run_keeps_the_cursor_and_alerts(world):
    cases, store, publisher, _ = world
    client = FakeLaporClient([report(n) for n in range(6)])
    first = sync(world, client, page_size=3)
    assert first.created == 6
    client.changes += [report(n, 2, status="Proses") for n in range(6)]
    client.fail["list"] = [unavailable(503)]
    failed = sync(world, client)
    assert failed.outcome == "failed" and store.leases[PULL]["cursor"] == "6"
    assert [e.type for e in publisher.published][-1] == "integration.alert"
    assert "Sinkronisasi LAPOR!" in publisher.published[-1].data["message"]
    caught_up = sync(world, client)
    assert caught_up.updated == 6 and store.leases[PULL]["cursor"] == "12"


def test_a_second_run_while_the_lease_is_held_does_nothing(world):
    _, store, _, clock = world
    assert store.claim(PULL, "other-run", clock.now(), 60) is not None
    client = FakeLaporClient([report(1)])
    assert sync(world, client).outcome == "busy" and "list" not in client.calls
    clock.advance(seconds=61)  # the other run died: its lease expires
    assert sync(world, client).created == 1


def test_the_run_stops_when_its_time_budget_is_used(world):
    client = FakeLaporClient([report(n) for n in range(9)])
    run = sync(world, client, budget_seconds=0)
    assert run.outcome == "budget" and run.created == 0
    assert sync(world, client).created == 9


def test_anonymous_identity_goes_to_private_and_nothing_personal_is_published_or_logged(world, capsys):
    cases, _, publisher, _ = world
    client = FakeLaporClient([report(1, anonymous=True, secret=True, content="Rahasia: kepala seksi minta uang.",
                                     reporter={"name": "Siti Aminah", "phone": "0812", "email": None})])
    sync(world, client)
    client.changes.append(report(1, 2, anonymous=True, secret=True, content="Rahasia: kepala seksi minta uang.",
                                 follow_ups=(FollowUp("tl-9", "pelapor", "Rahasia tambahan", AT),)))
    sync(world, client)
    out = capsys.readouterr().out
    assert "Siti" not in out and "Rahasia" not in out and "lapor sync finished" in out
    replied = [e for e in cases.timeline("lapor-1001") if e.action == "reporter_replied"]
    assert len(replied) == 1 and "text" not in replied[0].detail  # secret: no text in the timeline
    assert cases.private_reporters["lapor-1001"].name == "Siti Aminah"
    assert cases.get("lapor-1001").secret
    assert "Siti" not in repr([e.to_message() for e in publisher.published])


def test_a_page_of_first_versions_is_written_without_reading_and_a_repeat_falls_back(world, monkeypatch):
    cases, store, _, _ = world
    looked_up: list[list[str]] = []
    original = cases.get_many

    def counted_get_many(ids):
        looked_up.append(list(ids))
        return original(ids)
    monkeypatch.setattr(cases, "get_many", counted_get_many)
    client = FakeLaporClient([report(n) for n in range(3)])
    assert sync(world, client).created == 3 and looked_up == []
    store.leases[PULL]["cursor"] = None  # the same page again (a crash before the cursor moved)
    assert sync(world, client).unchanged == 3 and len(looked_up) == 1
    assert len(cases.cases) == 3 and all(len(cases.timeline(c)) == 1 for c in cases.cases)


def test_a_run_whose_lease_was_taken_over_writes_nothing_more(world, monkeypatch):
    cases, store, _, clock = world
    client = FakeLaporClient([report(n) for n in range(6)])
    original = client.changed_reports

    def slow_then_overtaken(cursor, limit):
        page = original(cursor, limit)
        if cursor:  # during the second page: this run stalled past its lease, another run took over
            clock.advance(seconds=400)
            assert store.claim(PULL, "other-run", clock.now(), 300) is not None
        return page
    monkeypatch.setattr(client, "changed_reports", slow_then_overtaken)
    run = sync(world, client)
    assert run.outcome == "lease-lost" and run.created == 3 and len(cases.cases) == 3
    assert store.leases[PULL]["owner"] == "other-run" and store.leases[PULL]["cursor"] == "3"
