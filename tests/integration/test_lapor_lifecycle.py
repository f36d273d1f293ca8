"""The life of one LAPOR! report through the real functions on the emulators, end to end.

A report disposed nationally weeks ago, already disposed on LAPOR! to DLH's account and
answered there, is pulled (``lapor-sync``): it is a case at DLH, in progress, its first
response answered, late on arrival. Escalation ticks (``as_of`` overrides: simulated
time) walk it up the chain one level per step. The city admin disposes it on LAPOR! to
Dinas PUPR's account: the case follows. Dinas PUPR answers and resolves it in Sigap
(``units``); the push (``lapor-push``) tells LAPOR! each tindak lanjut once and never a
status backwards. Repeating the sync and the push changes nothing.

Only escalation takes a simulated instant (``as_of``); the sync, routing, the unit API and
the push run on the functions' own clock (real time). The sandbox's clock is fixed at the
simulated instant of each thing done on LAPOR!, so its timestamps tell the same story.
"""
from __future__ import annotations

import base64
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from google.cloud import pubsub_v1

from infra.local.stack import emulator_env
from shared.adapters.firestore_api_keys import FirestoreApiKeyStore
from shared.adapters.firestore_cases import FirestoreCaseRepository
from shared.domain.api_keys import issue_key, key_digest
from shared.domain.integrations.lapor_changes import rank
from tests.escalation_support import CATALOG, ESCALATION
from tests.integration.conftest import PROJECT

WIB = timezone(timedelta(hours=7))
TRACKING = "7700101"
CASE = f"lapor-{TRACKING}"
DISPOSED = datetime(2026, 11, 2, 9, 0, tzinfo=WIB)          # the national disposition to the city
TO_DLH = datetime(2026, 11, 2, 10, 30, tzinfo=WIB)          # the city admin disposes it to DLH on LAPOR!
DLH_ANSWER = datetime(2026, 11, 4, 11, 0, tzinfo=WIB)       # DLH's tindak lanjut on LAPOR!
DLH_TEXT = "Petugas DLH sudah meninjau TPS Pasar Yosodadi dan menjadwalkan pengangkutan."
FOLLOW_UP = "Tim Dinas PUPR sudah membersihkan saluran di samping TPS yang tersumbat sampah."
RESOLUTION = "Saluran sudah normal kembali dan sampah di TPS Pasar Yosodadi sudah diangkut seluruhnya."
CAL, STEP = ESCALATION.rules.calendar, ESCALATION.policy.step_days


class Sandbox:
    """The sandbox's admin API (no auth, no faults)."""

    def __init__(self, url):
        self.url = url

    def call(self, method, path, body=None):
        response = requests.request(method, f"{self.url}/_sandbox/{path}", json=body, timeout=10)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
        return response.json()

    def at(self, instant: datetime | None):  # the portal's clock for what happens next on LAPOR! (None: real time)
        return self.call("PUT", "clock", {"now": instant.isoformat()}) if instant else self.call("DELETE", "clock")

    def act(self, who, action, tracking=TRACKING, **fields):
        return self.call("POST", f"reports/{tracking}/act", {"as": who, "action": action, **fields})["data"]

    def report(self, tracking=TRACKING):
        return next(r for r in self.call("GET", "reports")["reports"] if r["tracking_id"] == tracking)

    def received(self, tracking=TRACKING):
        got = self.call("GET", "received")
        mine = {k: [r for r in got[k] if r["tracking_id"] == tracking]
                for k in ("follow_ups", "status_changes", "dispositions", "submissions")}
        return mine, got["requests"]

    def add(self, tracking, disposed: datetime, **fields):
        """A report disposed nationally to the city at ``disposed`` (the sandbox's clock stands there)."""
        self.at(disposed)
        self.call("POST", "reports", {"reports": [{
            "tracking_id": tracking, "judul": "Sampah menumpuk di TPS Pasar Yosodadi",
            "isi": "Sampah di TPS Pasar Yosodadi tidak diangkut sudah seminggu, bau menyengat sampai ke rumah warga.",
            "kategori": "Lingkungan Hidup", "lokasi": {"kelurahan": "Yosodadi", "alamat": "Jl. Pattimura"},
            "anonim": False, "rahasia": False,
            "pelapor": {"nama": "Sri Wahyuni", "telepon": "0812000111", "email": None},
            "tanggal_lapor": (disposed - timedelta(days=1)).isoformat(), "tanggal_disposisi": disposed.isoformat(),
            **fields}]})


@pytest.fixture
def sandbox(stack):
    box = Sandbox(stack.lapor_url)
    box.call("DELETE", "faults")
    box.call("POST", "reset", {"reports": 0})  # only this report on the portal (reset also frees the clock)
    yield box
    box.call("DELETE", "clock")
    box.call("DELETE", "faults")


class Topics:
    """Publishes ticks to the stack's topics and reads the events a pull subscription of ours caught."""

    def __init__(self, stack, watched):
        with emulator_env(stack.env):
            self.publisher, self.subscriber = pubsub_v1.PublisherClient(), pubsub_v1.SubscriberClient()
        self.subs = {}
        for topic in watched:
            name = self.subscriber.subscription_path(PROJECT, f"lifecycle-{topic}-{uuid.uuid4().hex[:8]}")
            self.subscriber.create_subscription(name=name, topic=self.publisher.topic_path(PROJECT, topic))
            self.subs[topic] = name
        self.seen: dict[str, dict[str, dict[str, Any]]] = {topic: {} for topic in watched}

    def publish(self, topic, payload):
        self.publisher.publish(self.publisher.topic_path(PROJECT, topic), json.dumps(payload).encode()).result(10)

    def events(self, topic, case_id, expected, timeout=15.0):
        """Distinct events (by id) of the case on ``topic``, once ``expected`` of them arrived."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.subscriber.pull(subscription=self.subs[topic], max_messages=100, timeout=5)
            for received in answer.received_messages:
                event = json.loads(received.message.data)
                self.seen[topic].setdefault(event["id"], event)
            if answer.received_messages:
                self.subscriber.acknowledge(subscription=self.subs[topic],
                                            ack_ids=[m.ack_id for m in answer.received_messages])
            mine = [e for e in self.seen[topic].values() if e["case_id"] == case_id]
            if len(mine) >= expected or time.monotonic() > deadline:
                return mine

    def close(self):
        for name in self.subs.values():
            self.subscriber.delete_subscription(subscription=name)


@pytest.fixture
def topics(stack):
    watched = Topics(stack, ["complaint-late", "complaint-escalated"])
    yield watched
    watched.close()


def wait(check, what, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def lease(db, name):
    snap = db.collection("lapor_sync").document(name).get()
    return (snap.update_time, snap.to_dict().get("lease_owner")) if snap.exists else (None, None)


def run(db, topics, topic, name, payload=None):
    """Publishes one scheduler tick on ``topic`` and waits until the run it starts has ended
    (the run's lease document ``lapor_sync/<name>`` was written and released)."""
    before = lease(db, name)[0]
    topics.publish(topic, payload or {"schedule": topic})
    wait(lambda: (now := lease(db, name))[0] != before and now[1] is None, f"a {topic} run")


def sync(db, topics, payload=None):
    run(db, topics, "lapor-sync", "pull", payload)


def push(db, topics, payload=None):
    run(db, topics, "lapor-push", "push", payload)
    assert not [d.id for d in db.collection("lapor_outbox").stream()], "the push left items behind"


def tick(stack, as_of: datetime, message_id: str | None = None) -> int:
    """The push body Pub/Sub delivers for an escalation tick, POSTed to /escalate (synchronous: ordered ticks)."""
    data = base64.b64encode(json.dumps({"schedule": "escalate", "as_of": as_of.isoformat()}).encode()).decode()
    mid = message_id or uuid.uuid4().hex
    body = {"message": {"data": data, "attributes": {}, "messageId": mid, "message_id": mid},
            "subscription": f"projects/{PROJECT}/subscriptions/escalate-push"}
    return requests.post(f"{stack.gateway_url}/escalate", json=body, timeout=60).status_code


def timeline(repo):
    return repo.timeline(CASE)


def actions(repo):
    return [e.action for e in timeline(repo)]


def unit_key(db, unit_id):
    key, plaintext = issue_key(owner=f"SIMPEL {unit_id}", scopes=("unit",), now=datetime.now(UTC),
                               key_id=uuid.uuid4().hex[:8], secret=uuid.uuid4().hex, unit_id=unit_id)
    FirestoreApiKeyStore(db).add(key_digest(plaintext), key)
    return {"X-Api-Key": plaintext}


def act(api, action, headers, body, key=None, case_id=CASE):
    return requests.post(f"{api.base}/units/cases/{case_id}/{action}", json=body, timeout=30,
                         headers={"Idempotency-Key": key or uuid.uuid4().hex, **headers})


def escalation_plan(arrival: datetime, until: datetime):
    """Ticks every 4 hours of simulated time (00, 04, ..., 16, 20 WIB) from the case's arrival; at
    each working day's close (16:00 WIB, when deadlines fall) a burst of 4 ticks at once and
    then the same tick message delivered twice."""
    t = arrival.astimezone(WIB).replace(minute=0, second=0, microsecond=0)
    t += timedelta(hours=4 - t.hour % 4)
    while t <= until:
        close = t.hour == 16 and CAL.working_days_between(t - timedelta(days=1), t) == 1
        yield t, close
        t += timedelta(hours=4)


def test_a_lapor_report_from_arrival_to_resolution(stack, api, db, sandbox, topics):
    repo = FirestoreCaseRepository(db)
    dlh_account, pupr_account = CATALOG.unit("dlh").lapor_account, CATALOG.unit("dinas-pupr").lapor_account
    assert {dlh_account, pupr_account} <= {a["sub_instansi"] for a in sandbox.call("GET", "accounts")["accounts"]}

    # 1. A report with history on LAPOR!: disposed nationally weeks ago, disposed to DLH, answered there.
    sandbox.add(TRACKING, DISPOSED)
    sandbox.at(TO_DLH)
    sandbox.act("admin", "dispose", sub_instansi=dlh_account)
    sandbox.at(DLH_ANSWER)
    assert sandbox.act("unit", "follow_up", isi=DLH_TEXT)["status"] == "Proses"
    sync(db, topics)
    wait(lambda: "late_on_arrival" in actions(repo), "the case routed and flagged late")
    case = repo.get(CASE)
    assert case.routing is not None, "a routed case records its routing"
    assert (case.status.value, case.unit_id, case.routing["rule"]) == ("in_progress", "dlh", "lapor_disposition")
    assert case.national_received_at == DISPOSED
    entries = timeline(repo)
    assert [e.action for e in entries] == ["received", "follow_up", "routed", "lapor_answered", "late_on_arrival"]
    follow_up = entries[1]
    assert (follow_up.actor, follow_up.detail["origin"], follow_up.detail["text"]) == \
        (f"lapor:{dlh_account}", "lapor", DLH_TEXT)
    assert follow_up.detail["written_at"] == DLH_ANSWER
    clock = case.clock
    assert clock.stage.value == "completion" and clock.responded_at == DLH_ANSWER  # the first response is answered
    assert case.category == "sampah-kebersihan"
    completion_days = ESCALATION.policy.sla_class(clock.sla_days).completion_days
    assert clock.deadline_at == CAL.add_working_days(DISPOSED, completion_days)  # counted from the disposition
    late = entries[4]
    arrival = late.at
    assert (late.actor, late.detail["stage"], late.detail["unit_id"]) == ("sigap:escalation", "completion", "dlh")
    assert late.detail["late_days"] == CAL.working_days_between(clock.deadline_at, arrival) > 10
    assert clock.late_on_arrival_days == late.detail["late_days"] and clock.last_paged_at == arrival
    assert late.detail["next_level_at"] == clock.next_due_at == CAL.add_working_days(arrival, STEP)
    assert [e["data"]["late_days"] for e in topics.events("complaint-late", CASE, 1)] == [late.detail["late_days"]]
    assert sandbox.received()[0]["dispositions"] == []  # LAPOR! shows DLH already: Sigap disposes nothing

    # 2. A week and more of simulated working days of escalation ticks.
    top = len(CATALOG.chain_of_authority("dlh"))
    assert clock.top_level == top == 3
    until = CAL.add_working_days(arrival, STEP * (top + 1))  # past the top level: nothing more may come
    for as_of, close in escalation_plan(arrival, until):
        if close:
            with ThreadPoolExecutor(4) as pool:
                assert list(pool.map(lambda _, at=as_of: tick(stack, at), range(4))) == [200] * 4
            again = uuid.uuid4().hex
            assert [tick(stack, as_of, again), tick(stack, as_of, again)] == [200, 200]
        else:
            assert tick(stack, as_of) == 200
    steps = [(e.detail["level"], e.at) for e in timeline(repo) if e.action in ("escalated", "reminded")]
    assert [level for level, _ in steps] == list(range(1, top + 1))  # each level once, in order, no reminders
    previous = arrival
    for level, at in steps:  # one level per step: STEP working days after the last page, not one sooner
        assert at == CAL.add_working_days(previous, STEP), (level, at, previous)
        assert CAL.working_days_between(previous, at) == STEP
        previous = at
    events = topics.events("complaint-escalated", CASE, top)
    assert sorted(e["data"]["level"] for e in events) == list(range(1, top + 1))
    assert repo.get(CASE).clock.level == top and repo.get(CASE).clock.next_due_at is None

    # 3. The city admin disposes the report on LAPOR! to Dinas PUPR's account.
    disposed_to_pupr = steps[-1][1] + timedelta(hours=18)
    sandbox.at(disposed_to_pupr)
    sandbox.act("admin", "dispose", sub_instansi=pupr_account)
    sync(db, topics)
    wait(lambda: "rerouted" in actions(repo), "the disposition pulled")
    case = repo.get(CASE)
    assert case.routing is not None, "a routed case records its routing"
    assert (case.status.value, case.unit_id, case.routing["rule"]) == ("assigned", "dinas-pupr", "lapor_disposition")
    rerouted = timeline(repo)[-1]
    assert (rerouted.action, rerouted.actor) == ("rerouted", "lapor:admin")
    assert (rerouted.detail["from_unit"], rerouted.detail["unit_id"], rerouted.detail["account"]) == \
        ("dlh", "dinas-pupr", pupr_account)
    clock = case.clock
    assert (clock.level, clock.top_level, clock.stage.value) == (0, len(CATALOG.chain_of_authority("dinas-pupr")),
                                                                 "completion")
    # re-routed late: PUPR's level 1 comes one step after the last page (not at once, not twice)
    pupr_level_1 = CAL.add_working_days(steps[-1][1], STEP)
    assert clock.next_due_at == pupr_level_1
    again = uuid.uuid4().hex
    for as_of, message_id in ((pupr_level_1 - timedelta(seconds=1), None), (pupr_level_1, again),
                              (pupr_level_1, again), (pupr_level_1, None)):
        assert tick(stack, as_of, message_id) == 200
    paged = [(e.action, e.detail.get("unit_id"), e.detail.get("level"), e.at) for e in timeline(repo)[rerouted.seq:]]
    assert paged == [("escalated", "dinas-pupr", 1, pupr_level_1)]
    events = topics.events("complaint-escalated", CASE, top + 1)
    assert sorted((e["data"]["unit_id"], e["data"]["level"]) for e in events) == \
        [("dinas-pupr", 1)] + [("dlh", level) for level in range(1, top + 1)]

    # 4. Dinas PUPR answers and resolves it in Sigap; the push tells LAPOR!.
    pupr, dlh = unit_key(db, "dinas-pupr"), unit_key(db, "dlh")
    assert requests.get(f"{api.base}/units/cases/{CASE}", headers=dlh, timeout=30).status_code == 404
    key = uuid.uuid4().hex
    answers = [act(api, "follow_up", pupr, {"text": FOLLOW_UP, "visibility": "public"}, key) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200] and answers[0].json() == answers[1].json()  # a retry
    resolved = act(api, "resolve", pupr, {"resolution": RESOLUTION})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    sandbox.at(disposed_to_pupr + timedelta(hours=3))
    push(db, topics)
    told, _ = sandbox.received()
    entries = timeline(repo)
    seq_of = {e.action: e.seq for e in entries if e.action in ("follow_up", "resolved") and e.actor.startswith("unit:")}
    assert [(f["text"], f["client_ref"]) for f in told["follow_ups"]] == [
        (FOLLOW_UP, f"{CASE}~{seq_of['follow_up']:05d}-follow_up"),
        (RESOLUTION, f"{CASE}~{seq_of['resolved']:05d}-follow_up")]
    statuses = [s["status"] for s in sorted(told["status_changes"], key=lambda s: s["order"])]
    assert statuses == sorted(statuses, key=rank) and "Belum Ditindaklanjuti" not in statuses  # never backwards
    assert all(s["client_ref"].startswith(f"{CASE}~") for s in told["status_changes"])
    assert told["dispositions"] == told["submissions"] == []
    report = sandbox.report()
    assert report["status"] == "Proses" and report["disposisi"]["sub_instansi"] == pupr_account
    assert [f["isi"] for f in report["tindak_lanjut"]] == [DLH_TEXT, FOLLOW_UP, RESOLUTION]
    assert repo.get(CASE).status.value == "resolved"

    # 5. Repeats change nothing: the first sync pulls Sigap's own echo, then the same ticks come again.
    before, (received, requests_made) = [(e.seq, e.action) for e in timeline(repo)], sandbox.received()
    for _ in range(2):
        sync(db, topics, {"schedule": "lapor-sync"})
        push(db, topics, {"schedule": "lapor-push"})
    assert [(e.seq, e.action) for e in timeline(repo)] == before
    after, requests_after = sandbox.received()
    assert after == received
    assert {k: requests_after[k] for k in ("follow_up", "status", "dispose", "submit")} == \
        {k: requests_made[k] for k in ("follow_up", "status", "dispose", "submit")}
    case = repo.get(CASE)
    assert case.lapor_state is not None, "a synced case keeps its LAPOR! state"
    assert case.status.value == "resolved" and case.lapor_state["version"] == sandbox.report()["versi"]
    # every page went out once: one late notice, one event per level and unit
    assert len(topics.events("complaint-late", CASE, 2, timeout=2)) == 1
    assert len(topics.events("complaint-escalated", CASE, top + 2, timeout=2)) == top + 1


def arrived(sandbox, db, topics, repo, tracking, account):
    """A report disposed nationally just now and on LAPOR! to ``account``, pulled and routed (not late)."""
    sandbox.add(tracking, datetime.now(UTC))
    sandbox.act("admin", "dispose", tracking, sub_instansi=account)
    sandbox.at(None)
    sync(db, topics)
    case_id = f"lapor-{tracking}"
    wait(lambda: (c := repo.get(case_id)) is not None and c.status.value != "received", f"{case_id} routed")
    case = repo.get(case_id)
    assert (case.status.value, case.routing["rule"]) == ("assigned", "lapor_disposition")
    assert "late_on_arrival" not in [e.action for e in repo.timeline(case_id)]
    return case_id


def test_status_pushes_never_go_backwards_through_acknowledge_reroute_and_reassign(stack, api, db, sandbox, topics):
    repo, tracking = FirestoreCaseRepository(db), "7700202"
    case_id = arrived(sandbox, db, topics, repo, tracking, CATALOG.unit("dlh").lapor_account)
    dlh, coordinator = unit_key(db, "dlh"), {"Authorization": api.admin["Authorization"]}
    for action, who, body in (("acknowledge", dlh, {"note": "Diterima"}),                       # Belum Ditindaklanjuti
                              ("follow_up", dlh, {"text": DLH_TEXT, "visibility": "public"}),   # Proses
                              ("request_reroute", dlh, {"reason": "Saluran: kewenangan Dinas PUPR",
                                                        "suggested_unit": "dinas-pupr"}),      # triage: nothing
                              ("reassign", coordinator, {"unit_id": "dinas-pupr"}),            # Belum Ditindaklanjuti
                              ("resolve", unit_key(db, "dinas-pupr"), {"resolution": RESOLUTION})):  # Proses
        answer = act(api, action, who, body, case_id=case_id)
        assert answer.status_code == 200, (action, answer.text)
    push(db, topics)
    told, _ = sandbox.received(tracking)
    assert [s["status"] for s in told["status_changes"]] == ["Proses"]  # told once, never back to Belum ...
    assert [d["sub_instansi"] for d in sorted(told["dispositions"], key=lambda d: d["order"])] == \
        [CATALOG.unit("diskominfo").lapor_account, CATALOG.unit("dinas-pupr").lapor_account]
    assert [f["text"] for f in told["follow_ups"]] == [DLH_TEXT, RESOLUTION]
    report = sandbox.report(tracking)
    assert (report["status"], report["disposisi"]["sub_instansi"]) == \
        ("Proses", CATALOG.unit("dinas-pupr").lapor_account)
    before = [(e.seq, e.action) for e in repo.timeline(case_id)]
    sync(db, topics)  # Sigap's own dispositions and follow-ups come back: nothing happens
    assert [(e.seq, e.action) for e in repo.timeline(case_id)] == before
    assert (repo.get(case_id).status.value, repo.get(case_id).unit_id) == ("resolved", "dinas-pupr")


def test_a_units_tindak_lanjut_is_written_by_its_lapor_account(stack, api, db, sandbox, topics):
    repo, tracking, account = FirestoreCaseRepository(db), "7700303", CATALOG.unit("dlh").lapor_account
    case_id = arrived(sandbox, db, topics, repo, tracking, account)
    answer = act(api, "follow_up", unit_key(db, "dlh"), {"text": DLH_TEXT, "visibility": "public"}, case_id=case_id)
    assert answer.status_code == 200
    push(db, topics)
    told, _ = sandbox.received(tracking)
    assert [(f["text"], f["sub_instansi"]) for f in told["follow_ups"]] == [(DLH_TEXT, account)]
    assert sandbox.report(tracking)["tindak_lanjut"][-1]["sub_instansi"] == account
