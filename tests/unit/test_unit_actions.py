"""The unit API's actions on fakes: every action from every status, scoping, clocks,
what people write (timeline and LAPOR!), and the required Idempotency-Key."""
import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest

from shared.adapters.catalog_files import load_catalog, load_routing_rules
from shared.adapters.escalation_files import load_escalation
from shared.domain.case import CaseStatus
from shared.domain.unit_actions import ACTIONS, Actor, Refusal
from shared.services.intake import receive_complaint
from shared.services.routing import route_case
from shared.services.unit_actions import act_on_case
from shared.web.schemas import ComplaintIn
from shared.web.units import BODIES
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, FakeUnitOfWork
from tests.lapor_fakes import FakeLaporStore

CATALOG = load_catalog()
# every unit with a LAPOR! account ("lapor-<unit>"), and none with one: dispositions depend on it
ACCOUNTS = replace(CATALOG, units={u.id: replace(u, lapor_account=f"lapor-{u.id}") for u in CATALOG.units.values()})
NO_ACCOUNTS = replace(CATALOG, units={u.id: replace(u, lapor_account=None) for u in CATALOG.units.values()})
RULES = load_routing_rules(CATALOG)
ESCALATION = load_escalation(CATALOG)
DLH = Actor("unit:dlh:k1", "dlh")
PUPR = Actor("unit:dinas-pupr:k2", "dinas-pupr")
COORDINATOR = Actor("admin", None, True)
S = CaseStatus
PARAMS: dict[str, dict[str, Any]] = {
          "acknowledge": {}, "follow_up": {"text": "Petugas sudah dijadwalkan.", "visibility": "public"},
          "request_reroute": {"reason": "Bukan kewenangan DLH", "suggested_unit": "dinas-pupr"},
          "wait_reporter": {"reason": "Menunggu foto lokasi"}, "resume": {}, "resolve": {
              "resolution": "Sampah sudah diangkut pada hari Senin.", "evidence": []},
          "accept": {}, "reject": {"reason": "Belum ada bukti foto"}, "reassign": {"unit_id": "dinas-pupr"},
          "merge": {"into": "OTHER"}, "reopen": {"reason": "Masalah muncul lagi"},
          "change_category": {"category": "pencemaran"}}
# status -> the actions that apply to it (the rest answer 409)
ALLOWED = {
    S.TRIAGE: {"reassign", "merge", "change_category"},
    S.ASSIGNED: {"acknowledge", "follow_up", "request_reroute", "wait_reporter", "resolve", "reassign", "merge",
                 "change_category"},
    S.ACKNOWLEDGED: {"follow_up", "request_reroute", "wait_reporter", "resolve", "reassign", "merge",
                     "change_category"},
    S.IN_PROGRESS: {"follow_up", "request_reroute", "wait_reporter", "resolve", "reassign", "merge",
                    "change_category"},
    S.WAITING_REPORTER: {"follow_up", "request_reroute", "resume", "resolve", "reassign", "merge", "change_category"},
    S.RESOLVED: {"accept", "reject", "merge", "change_category"},
    S.CLOSED: {"reopen"},
    S.RECEIVED: set(),
}


FRESH = object()  # World.act's default: a new Idempotency-Key for every call


class World:
    def __init__(self, catalog=ACCOUNTS):
        self.cases, self.clock, self.publisher = FakeCaseStore(), FakeClock(), FakePublisher()
        self.store, self.catalog, self.keys = FakeLaporStore(self.cases), catalog, itertools.count(1)
        self.uow = FakeUnitOfWork(self.cases)

    def new_case(self, external_id="e-1", title="Sampah menumpuk di TPS Pasar"):
        complaint = ComplaintIn(external_id=external_id, title=title,
                                description="Sampah tidak diangkut seminggu, baunya menyengat.")
        case_id = receive_complaint(complaint, source="demo", delivery_id=None, uow=self.uow,
                                    publisher=self.publisher, clock=self.clock).case_id
        route_case(case_id, uow=self.uow, publisher=self.publisher, catalog=CATALOG,
                   rules=RULES, clock=self.clock, escalation=ESCALATION)
        return case_id

    def act(self, case_id, action, params=None, actor=DLH, key=FRESH, fingerprint=None):
        key = f"k-{next(self.keys)}" if key is FRESH else key
        return act_on_case(case_id, action, params if params is not None else PARAMS[action], actor=actor,
                           idempotency_key=key, fingerprint=fingerprint or f"f-{key}", uow=self.uow,
                           publisher=self.publisher, clock=self.clock, catalog=self.catalog, rules=ESCALATION.rules)

    def at(self, case_id, status):
        case = self.cases.get(case_id)
        assert case is not None, "the case is stored"
        self.cases.cases[case_id] = replace(case, status=status)


def lapor_items(world):
    return sorted(world.store.items_by_id.values(), key=lambda i: i.id)


def told(world, seq=None):
    """What LAPOR! was told, in delivery order: (seq, kind, the payload's text, status or account)."""
    return [(i.seq, i.kind.value, i.payload.get("text") or i.payload.get("status") or i.payload.get("account"))
            for i in lapor_items(world) if seq is None or i.seq == seq]


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_action_from_every_status(status, action):
    world = World()
    case_id, other = world.new_case(), world.new_case("e-2")
    world.at(case_id, status)
    params = dict(PARAMS[action], **({"into": other} if action == "merge" else {}))
    answer = world.act(case_id, action, params, actor=COORDINATOR)
    if action in ALLOWED[status]:
        assert answer.refused is None, answer.body
        assert world.cases.timeline(case_id)[-1].actor == "admin"
    else:
        assert answer.refused is Refusal.INVALID_TRANSITION and answer.body["error"]["current_status"] == status.value
        assert len(world.cases.timeline(case_id)) == 2  # received, routed: nothing added


def test_a_unit_never_sees_another_units_case():
    world = World()
    case_id = world.new_case()
    assert world.cases.get(case_id).unit_id == "dlh"
    assert world.act(case_id, "acknowledge", actor=PUPR).refused is Refusal.CASE_NOT_FOUND
    assert world.act(case_id, "reassign", actor=DLH).refused is Refusal.COORDINATOR_ONLY  # the coordinator's to do


def test_acknowledge_answers_the_first_response_but_not_completion():
    world = World()
    case_id = world.new_case()
    before = world.cases.get(case_id).clock
    world.clock.advance(hours=2)
    assert world.act(case_id, "acknowledge").refused is None
    after = world.cases.get(case_id).clock
    assert before is not None and after is not None, "a routed case runs a clock"
    assert before.responded_at is None and after.responded_at == world.clock.now()
    assert before.deadline_at is not None and after.deadline_at is not None
    assert after.stage.value == "completion" and after.deadline_at > before.deadline_at


def test_public_follow_up_goes_to_lapor_with_the_status_and_internal_does_not():
    world = World()
    case_id = world.new_case()
    world.act(case_id, "follow_up", {"text": "Catatan internal saja.", "visibility": "internal"})
    world.act(case_id, "follow_up")
    # the internal note moved the case to "Proses" (the status is public), its text stays home; the public one,
    # on a case already in progress, still carries the status LAPOR! must show (the push skips what it shows)
    assert told(world) == [(3, "status", "Proses"), (4, "follow_up", "Petugas sudah dijadwalkan."),
                           (4, "status", "Proses")]
    assert "internal" not in str([i.payload for i in lapor_items(world)])
    assert world.cases.get(case_id).status is S.IN_PROGRESS


def test_resolution_goes_to_lapor_as_a_follow_up_before_the_status():
    world = World()
    case_id = world.new_case()
    answer = world.act(case_id, "resolve")
    seq = answer.body["entry"]["seq"]
    items = lapor_items(world)
    assert told(world) == [(seq, "follow_up", PARAMS["resolve"]["resolution"]), (seq, "status", "Proses")]
    assert [i.id for i in items] == sorted(i.id for i in items)  # the delivery order: the tindak lanjut first
    assert items[0].payload["unit_id"] == "dlh"


def test_acknowledge_still_tells_the_status():
    world = World()
    case_id = world.new_case()
    world.act(case_id, "acknowledge")
    assert told(world) == [(3, "status", "Belum Ditindaklanjuti")]


@pytest.mark.parametrize("status", [S.ASSIGNED, S.IN_PROGRESS])
def test_a_status_is_told_when_it_changed_or_a_public_follow_up_was(status):
    world = World()
    case_id = world.new_case()
    world.at(case_id, status)
    world.act(case_id, "change_category", actor=COORDINATOR)  # nothing public changed
    world.act(case_id, "follow_up", {"text": "Catatan internal saja.", "visibility": "internal"})
    assert told(world) == ([] if status is S.IN_PROGRESS else [(4, "status", "Proses")])


def test_reroute_is_disposed_to_the_triage_unit_on_lapor():
    world = World()
    case_id = world.new_case()
    world.act(case_id, "request_reroute")
    [item] = lapor_items(world)  # triage has no national status: the disposition only
    assert item.kind.value == "dispose" and item.seq == 3
    assert item.payload == {"unit_id": "diskominfo", "account": "lapor-diskominfo",
                            "note": PARAMS["request_reroute"]["reason"]}


def test_reassign_is_disposed_to_the_new_unit_before_the_status():
    world = World()
    case_id = world.new_case()
    world.act(case_id, "follow_up")
    world.act(case_id, "reassign", {"unit_id": "dinas-pupr", "reason": "Saluran, bukan sampah"}, actor=COORDINATOR)
    assert told(world, seq=4) == [(4, "dispose", "lapor-dinas-pupr"), (4, "status", "Belum Ditindaklanjuti")]
    assert lapor_items(world)[-2].payload["note"] == "Saluran, bukan sampah"


def test_reopen_keeps_the_unit_and_disposes_nothing():
    world = World()
    case_id = world.new_case()
    world.at(case_id, S.CLOSED)
    world.act(case_id, "reopen", actor=COORDINATOR)
    assert told(world) == [(3, "status", "Proses")]


@pytest.mark.parametrize("action, params", [("request_reroute", PARAMS["request_reroute"]),
                                            ("reassign", {"unit_id": "dinas-pupr"})])
def test_no_disposition_for_a_unit_without_a_lapor_account(action, params):
    world = World(NO_ACCOUNTS)
    case_id = world.new_case()
    assert world.act(case_id, action, params, actor=COORDINATOR).refused is None
    assert "dispose" not in [kind for _, kind, _ in told(world)]


# (action, the status it applies to, who, body, the field people wrote): every note or reason of BODIES
WRITTEN = [
    ("acknowledge", S.ASSIGNED, DLH, {"note": "Diterima, segera dicek."}, "note"),
    ("follow_up", S.IN_PROGRESS, DLH, {"text": "Catatan internal saja.", "visibility": "internal"}, "text"),
    ("request_reroute", S.IN_PROGRESS, DLH, {"reason": "Bukan kewenangan DLH"}, "reason"),
    ("wait_reporter", S.IN_PROGRESS, DLH, {"reason": "Menunggu foto lokasi"}, "reason"),
    ("resume", S.WAITING_REPORTER, DLH, {"note": "Foto sudah dikirim pelapor."}, "note"),
    ("resolve", S.IN_PROGRESS, DLH, PARAMS["resolve"], "resolution"),
    ("accept", S.RESOLVED, COORDINATOR, {"note": "Bukti cukup, ditutup."}, "note"),
    ("reject", S.RESOLVED, COORDINATOR, {"reason": "Belum ada bukti foto"}, "reason"),
    ("reassign", S.IN_PROGRESS, COORDINATOR, {"unit_id": "dinas-pupr", "reason": "Saluran, bukan sampah"},
     "reason"),
    ("reopen", S.CLOSED, COORDINATOR, {"reason": "Masalah muncul lagi"}, "reason"),
]


def test_every_written_field_of_the_bodies_is_covered():
    written = {(action, name) for action, body in BODIES.items() for name in body.model_fields
               if name in ("note", "reason", "text", "resolution")}
    assert written == {(action, name) for action, _, _, _, name in WRITTEN}


@pytest.mark.parametrize("action, status, actor, params, name", WRITTEN, ids=[w[0] for w in WRITTEN])
def test_every_note_reaches_the_timeline_with_its_actor(action, status, actor, params, name):
    world = World()
    case_id = world.new_case()
    world.at(case_id, status)
    assert world.act(case_id, action, params, actor=actor).refused is None
    entry = world.cases.timeline(case_id)[-1]
    assert entry.detail[name] == params[name] and entry.actor == actor.id


def test_reroute_goes_back_to_triage_with_the_suggestion():
    world = World()
    case_id = world.new_case()
    assert world.act(case_id, "request_reroute").refused is None
    case = world.cases.get(case_id)
    assert case.status is S.TRIAGE and case.unit_id == "diskominfo"
    entry = world.cases.timeline(case_id)[-1]
    assert entry.detail["suggested_unit"] == "dinas-pupr" and entry.detail["from_unit"] == "dlh"
    assert "complaint.triaged" in world.publisher.types()
    assert world.act(case_id, "acknowledge").refused is Refusal.CASE_NOT_FOUND  # no longer DLH's


def test_resolution_rejected_reopens_at_the_same_unit_then_accepted_closes():
    world = World()
    case_id = world.new_case()
    world.act(case_id, "resolve")
    assert world.cases.get(case_id).clock.paused_at is not None
    assert world.act(case_id, "reject", actor=COORDINATOR).refused is None
    case = world.cases.get(case_id)
    assert case.status is S.IN_PROGRESS and case.unit_id == "dlh" and case.clock.paused_at is None
    world.act(case_id, "resolve")
    assert world.act(case_id, "accept", actor=COORDINATOR).refused is None
    assert world.cases.get(case_id).status is S.CLOSED and world.cases.get(case_id).clock.stage.value == "done"
    assert lapor_items(world)[-1].payload["status"] == "Selesai"


@pytest.mark.parametrize("into, why", [("c-missing", "existing"), ("SELF", "itself")])
def test_merge_needs_another_open_case(into, why):
    world = World()
    case_id = world.new_case()
    answer = world.act(case_id, "merge", {"into": case_id if into == "SELF" else into}, actor=COORDINATOR)
    assert answer.refused is Refusal.INVALID_FIELD and why in answer.body["error"]["message"]


def test_idempotency_key_replays_and_refuses_reuse():
    world = World()
    case_id = world.new_case()
    first = world.act(case_id, "follow_up", key="k-1", fingerprint="a")
    again = world.act(case_id, "follow_up", key="k-1", fingerprint="a")
    assert first == again and len(world.cases.timeline(case_id)) == 3
    reused = world.act(case_id, "follow_up", key="k-1", fingerprint="b")
    assert reused.refused is Refusal.IDEMPOTENCY_KEY_REUSED and reused.body["error"]["code"] == "idempotency_key_reused"


def test_a_duplicate_delivery_applies_once_with_one_set_of_lapor_items():
    world = World()
    case_id = world.new_case()
    first = world.act(case_id, "resolve", key="resolve-1", fingerprint="a")
    items = told(world)
    again = world.act(case_id, "resolve", key="resolve-1", fingerprint="a")
    assert first == again and first.refused is None
    assert [e.action for e in world.cases.timeline(case_id)].count("resolved") == 1
    assert told(world) == items and [kind for _, kind, _ in items] == ["follow_up", "status"]


@pytest.mark.parametrize("key", [None, "", "   "])
def test_an_action_without_an_idempotency_key_is_refused_and_writes_nothing(key):
    world = World()
    case_id = world.new_case()
    answer = world.act(case_id, "resolve", key=key)
    assert answer.refused is Refusal.MISSING_IDEMPOTENCY_KEY
    assert answer.body["error"]["code"] == "missing_idempotency_key"
    assert answer.body["error"]["field"] == "Idempotency-Key"
    assert "required" in answer.body["error"]["message"] and "twice" in answer.body["error"]["message"]
    assert len(world.cases.timeline(case_id)) == 2 and world.cases.get(case_id).status is S.ASSIGNED
    assert world.store.items_by_id == {} and world.cases.idempotency == {}


def test_concurrent_copies_with_one_key_apply_once():
    world = World()
    case_id = world.new_case()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: world.act(case_id, "follow_up", key="burst", fingerprint="a"), range(8)))
    assert len({(a.refused, str(a.body)) for a in answers}) == 1
    assert [e.action for e in world.cases.timeline(case_id)].count("follow_up") == 1
    assert told(world) == [(3, "follow_up", PARAMS["follow_up"]["text"]), (3, "status", "Proses")]
