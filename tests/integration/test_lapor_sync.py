"""Two-way sync with the LAPOR! sandbox (its own process, started by the stack) on the
real Firestore emulator: every fault in turn and all together, then exactly-once checks."""
from __future__ import annotations

import itertools
import json
import random
import time
import uuid
from typing import Any

import pytest
import requests
from google.cloud import firestore, pubsub_v1

from shared.adapters.catalog_files import load_catalog
from shared.adapters.clock import SystemClock
from shared.adapters.firestore_cases import FirestoreCaseRepository
from shared.adapters.firestore_lapor import FirestoreLaporStore
from shared.adapters.firestore_uow import FirestoreUnitOfWork
from shared.adapters.lapor_client import HttpLaporClient, report_from_wire
from shared.delivery.policy import RetryPolicy
from shared.domain.case import CaseStatus
from shared.services.intake import receive_complaint
from shared.services.lapor_push import push_to_lapor, queue_submission, record_follow_up, record_status_change
from shared.services.lapor_sync import SyncLimits, sync_from_lapor
from shared.web.schemas import ComplaintIn
from tests.fakes import FakePublisher
from tests.integration.conftest import PROJECT, count

LIST_FAULTS: list[dict[str, Any]] = [
    {"kind": "latency", "seconds": 0.3, "count": 2}, {"kind": "timeout", "seconds": 0.6},
    {"kind": "error", "status": 503, "count": 3}, {"kind": "rate_limit", "retry_after": 1},
    {"kind": "truncated"}, {"kind": "malformed"}, {"kind": "expired_token"},
    {"kind": "duplicate", "count": 4}, {"kind": "out_of_order", "count": 4}]
WRITE_FAULTS: list[dict[str, Any]] = [{"kind": "timeout", "seconds": 0.6}, {"kind": "error", "status": 500, "count": 2},
                {"kind": "rate_limit", "retry_after": 1}, {"kind": "truncated"}, {"kind": "malformed"},
                {"kind": "expired_token"}]


class Sandbox:
    def __init__(self, stack):
        self.url, self.token = stack.lapor_url, stack.settings["SIGAP_LAPOR_TOKEN"]

    def admin(self, method, path, body=None):
        response = requests.request(method, f"{self.url}/_sandbox/{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def all_reports(self):
        return {r["tracking_id"]: report_from_wire(r) for r in self.admin("GET", "reports")["reports"]}

    def client(self, attempts=3):
        return HttpLaporClient(self.url, self.token, timeout=0.4, retry=RetryPolicy(
            max_attempts=attempts, base_seconds=0.02, cap_seconds=0.1, max_retry_after=2))


@pytest.fixture
def sandbox(stack):
    box = Sandbox(stack)
    box.admin("DELETE", "faults")
    box.admin("POST", "reset", {"reports": 40, "seed": random.randint(1, 10**6)})
    yield box
    box.admin("DELETE", "faults")


@pytest.fixture
def ports(db):
    client = firestore.Client(project=PROJECT)
    return FirestoreCaseRepository(client), FirestoreUnitOfWork(client), FirestoreLaporStore(client)


def sync(sandbox, ports, publisher):
    repo, uow, store = ports
    return sync_from_lapor(client=sandbox.client(), store=store, uow=uow, publisher=publisher, clock=SystemClock(),
                           catalog=load_catalog(), limits=SyncLimits(page_size=7, budget_seconds=20))


def catch_up(sandbox, ports, publisher, tries=10):
    for _ in range(tries):
        if sync(sandbox, ports, publisher).outcome == "done":
            return
    raise AssertionError("the sync did not catch up")


def assert_every_report_is_a_case_once(sandbox, db, timelines=False):
    reports = sandbox.all_reports()
    cases = {d.id: d.to_dict() for d in db.collection("cases").stream()}
    lapor_cases = {k: v for k, v in cases.items() if v["source"] == "lapor"}
    assert set(lapor_cases) == {f"lapor-{t}" for t in reports if not reports[t].client_ref}
    for tracking_id, report in reports.items():
        case = cases[f"lapor-{tracking_id}"] if not report.client_ref else cases[report.client_ref.split("~")[0]]
        assert case["lapor_state"]["version"] == report.version
    for case_id in lapor_cases if timelines else ():  # versions in the timeline only grow: nothing applied twice
        details = [d.to_dict().get("detail", {}) for d in
                   db.collection("cases").document(case_id).collection("timeline").order_by("seq").stream()]
        versions = [d["version"] for d in details if d.get("version") is not None]
        assert versions == sorted(set(versions)), (case_id, versions)
        follow_ups = [d["follow_up_id"] for d in details if d.get("follow_up_id")]
        assert len(follow_ups) == len(set(follow_ups)), (case_id, follow_ups)  # each LAPOR! follow-up once


def change_some(sandbox, round_no):
    ids = [r for r in sorted(sandbox.all_reports())][round_no::5]
    sandbox.admin("POST", "reports", {"reports": [
        {"tracking_id": t, "status": "Proses", "add_follow_up": {"oleh": "pelapor", "isi": f"Tanggapan {round_no}"}}
        for t in ids]})


def test_pull_survives_every_fault_in_turn_and_all_together(sandbox, ports, db):
    publisher = FakePublisher()
    for round_no, fault in enumerate(LIST_FAULTS):
        sandbox.admin("PUT", "faults", {"list": [fault]})
        change_some(sandbox, round_no % 5)
        sync(sandbox, ports, publisher)  # may stop early; never skips
        sandbox.admin("DELETE", "faults")
        catch_up(sandbox, ports, publisher)
        assert_every_report_is_a_case_once(sandbox, db)
    sandbox.admin("PUT", "faults", {"list": [dict(f, count=2) for f in LIST_FAULTS]})
    change_some(sandbox, 1)
    sandbox.admin("POST", "reports", {"reports": [{"tracking_id": str(8_800_000 + n)} for n in range(5)]})
    for _ in range(3):
        sync(sandbox, ports, publisher)
    sandbox.admin("DELETE", "faults")
    catch_up(sandbox, ports, publisher)
    assert_every_report_is_a_case_once(sandbox, db, timelines=True)
    received = [e for e in publisher.published if e.type == "complaint.received"]
    assert len(received) == len({e.case_id for e in received}) == 45
    assert any(e.type == "integration.alert" for e in publisher.published)  # the failed pages were reported
    assert count(db, "outbox") == 0


def test_idle_sync_costs_one_portal_call_and_one_read(sandbox, ports):
    catch_up(sandbox, ports, FakePublisher())
    repo, uow, store = ports
    client = sandbox.client()
    store.reads = store.writes = uow.reads = uow.writes = 0
    run = sync_from_lapor(client=client, store=store, uow=uow, publisher=FakePublisher(),
                          clock=SystemClock(), catalog=load_catalog(), limits=SyncLimits(page_size=7))
    assert (run.outcome, run.pages, client.calls, store.reads + uow.reads) == ("done", 0, 1, 1)


def test_overlapping_runs_never_both_work(sandbox, ports):
    repo, uow, store = ports
    lease = store.claim("pull", "someone-else", SystemClock().now(), 60)
    assert sync(sandbox, ports, FakePublisher()).outcome == "busy"
    store.release(lease)
    assert sync(sandbox, ports, FakePublisher()).created == 40


def test_push_delivers_each_item_once_in_order_through_every_fault(sandbox, ports, db):
    repo, uow, store = ports
    publisher, clock = FakePublisher(), SystemClock()
    catch_up(sandbox, ports, publisher)
    initial = {t: r.status for t, r in sandbox.all_reports().items()}
    case_ids = sorted(d.id for d in db.collection("cases").stream() if d.id.startswith("lapor-"))[:6]
    for case_id in case_ids:  # route them by hand so status changes are allowed
        db.collection("cases").document(case_id).update({"status": "assigned", "unit_id": "dinas-pupr"})
    city_ids = [receive_complaint(ComplaintIn(external_id=f"kota-{n}", title="Lampu PJU mati di gang",
                                              description="Lampu jalan mati sejak seminggu, gang gelap."),
                                  source="warga", delivery_id=None, uow=uow,
                                  publisher=publisher, clock=clock).case_id for n in range(3)]
    expected: dict[str, list[int]] = {}
    statuses: dict[str, list[int]] = {}
    faults = itertools.cycle(WRITE_FAULTS)
    for n in range(len(WRITE_FAULTS) + 1):
        if n < len(WRITE_FAULTS):
            fault = next(faults)
            # a failing follow-up or submission must hold back the (healthy) status change behind it
            sandbox.admin("PUT", "faults", {"follow_up": [fault], "submit": [fault]})
        else:
            sandbox.admin("PUT", "faults", {"follow_up": WRITE_FAULTS, "status": WRITE_FAULTS,
                                            "submit": WRITE_FAULTS})
        if n < len(city_ids):
            queue_submission(city_ids[n], uow=uow, publisher=publisher, clock=clock)
            entry = record_follow_up(city_ids[n], "Petugas sudah ke lokasi.", actor="unit:dinas-perkim",
                                     unit_id="dinas-perkim", uow=uow, clock=clock)
            expected[city_ids[n]] = [1, entry.seq]  # the submission first, then the follow-up
        for case_id in case_ids[n % 3::3]:
            entry = record_follow_up(case_id, f"Tindak lanjut ke-{n}", actor="unit:dinas-pupr",
                                     unit_id="dinas-pupr", uow=uow, clock=clock)
            expected.setdefault(case_id, []).append(entry.seq)
            status = CaseStatus.IN_PROGRESS if n % 2 == 0 else CaseStatus.WAITING_REPORTER
            entry = record_status_change(case_id, status, actor="unit:dinas-pupr", note=None, uow=uow,
                                         clock=clock)
            statuses.setdefault(case_id, []).append(entry.seq)
        push(sandbox, ports, publisher, rounds=2)
    sandbox.admin("DELETE", "faults")
    push(sandbox, ports, publisher, rounds=30)
    assert count(db, "lapor_outbox") == 0
    received = sandbox.admin("GET", "received")
    applied = sorted(received["follow_ups"] + received["status_changes"] + received["submissions"],
                     key=lambda r: r["order"])
    refs = [r["client_ref"] for r in applied]
    assert len(refs) == len(set(refs))  # each exactly once
    sent = [r for r in refs if "-status" not in r and "-dispose" not in r]
    assert len(sent) == sum(len(v) for v in expected.values())  # every follow-up and submission
    for case_id, seqs in expected.items():  # in order per case: the sandbox applied them in seq order
        seen = [int(ref.split("~")[1][:5]) for ref in sent if ref.startswith(case_id + "~")]
        assert seen == seqs, (case_id, seen, seqs)
    # in_progress and waiting_reporter both show "Proses": told once unless LAPOR! showed it, never backwards
    reports = sandbox.all_reports()
    for case_id in statuses:
        pushed = [r["status"] for r in received["status_changes"] if r["client_ref"].startswith(case_id + "~")]
        shown_before = initial[case_id.removeprefix("lapor-")]
        assert pushed == ([] if shown_before in ("Proses", "Selesai") else ["Proses"]), (case_id, pushed)
        assert reports[case_id.removeprefix("lapor-")].status in ("Proses", "Selesai")
    tracking = {s["client_ref"].split("~")[0]: s["tracking_id"] for s in received["submissions"]}
    assert {c: repo.get(c).lapor_tracking_id for c in city_ids} == tracking


def push(sandbox, ports, publisher, rounds):
    repo, uow, store = ports
    for _ in range(rounds):
        push_to_lapor(client=sandbox.client(attempts=1), store=store, uow=uow, publisher=publisher,
                      clock=SystemClock(), budget_seconds=10,
                      policy=RetryPolicy(base_seconds=0.05, cap_seconds=0.2, max_attempts=100))
        if not store.items(1):
            return
        time.sleep(0.2)


def test_city_complaint_is_submitted_and_lapor_reports_are_routed_through_the_functions(stack, api, sandbox, db):
    body = {"external_id": f"warga-{uuid.uuid4().hex[:8]}", "title": "Lampu PJU mati di Jl. Cendrawasih",
            "description": "Lampu penerangan jalan umum mati sejak dua minggu, jalan gelap.",
            "reporter": {"name": "Rina", "phone": "0812000", "anonymous": True}}
    sandbox.admin("POST", "reset", {"reports": 15})
    case_id = api.submit(body, source="warga").json()["id"]
    tracking_id = _wait(lambda: db.collection("cases").document(case_id).get().to_dict().get("lapor_tracking_id"))
    submissions = sandbox.admin("GET", "received")["submissions"]
    assert [s["tracking_id"] for s in submissions] == [tracking_id]
    publisher = pubsub_v1.PublisherClient()
    publisher.publish(publisher.topic_path(PROJECT, "lapor-sync"), json.dumps({"schedule": "test"}).encode()).result()
    _wait(lambda: count(db, "cases") == 16 or None)
    _wait(lambda: all(d.to_dict()["status"] != "received" for d in db.collection("cases").stream()) or None)
    city = db.collection("cases").document(case_id).get().to_dict()
    # its own report came back on the sync: the same case, not a new one (submitted, disposed, status: versi 3)
    assert city["lapor_state"]["version"] == sandbox.all_reports()[tracking_id].version
    assert sandbox.client().report(tracking_id).reporter is None  # an anonymous identity stays in Sigap
    assert "Rina" not in json.dumps(city, default=str)


def _wait(check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")
