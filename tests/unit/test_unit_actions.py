"""The unit API's actions on fakes: every action from every status, scoping, clocks,
what goes to LAPOR!, and Idempotency-Key."""
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest

from shared.catalog_files import load_catalog, load_routing_rules
from shared.domain.case import CaseStatus
from shared.domain.unit_actions import ACTIONS, Actor
from shared.escalation_files import load_escalation
from shared.schemas import ComplaintIn
from shared.services.intake import receive_complaint
from shared.services.routing import route_case
from shared.services.unit_actions import act_on_case
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher
from tests.lapor_fakes import FakeLaporStore

CATALOG = load_catalog()
RULES = load_routing_rules(CATALOG)
ESCALATION = load_escalation(CATALOG)
DLH = Actor("unit:dlh:k1", "dlh")
PUPR = Actor("unit:dinas-pupr:k2", "dinas-pupr")
COORDINATOR = Actor("admin", None, True)
S = CaseStatus
PARAMS = {"acknowledge": {}, "follow_up": {"text": "Petugas sudah dijadwalkan.", "visibility": "public"},
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


class World:
    def __init__(self):
        self.cases, self.clock, self.publisher = FakeCaseStore(), FakeClock(), FakePublisher()
        self.store = FakeLaporStore(self.cases)

    def new_case(self, external_id="e-1", title="Sampah menumpuk di TPS Pasar"):
        complaint = ComplaintIn(external_id=external_id, title=title,
                                description="Sampah tidak diangkut seminggu, baunya menyengat.")
        case_id = receive_complaint(complaint, source="demo", delivery_id=None, repo=self.cases, outbox=self.cases,
                                    publisher=self.publisher, clock=self.clock).case_id
        route_case(case_id, repo=self.cases, outbox=self.cases, publisher=self.publisher, catalog=CATALOG,
                   rules=RULES, clock=self.clock, escalation=ESCALATION)
        return case_id

    def act(self, case_id, action, params=None, actor=DLH, key=None, fingerprint="f"):
        return act_on_case(case_id, action, params if params is not None else PARAMS[action], actor=actor,
                           idempotency_key=key, fingerprint=fingerprint, repo=self.cases, store=self.store,
                           outbox=self.cases, publisher=self.publisher, clock=self.clock, catalog=CATALOG,
                           rules=ESCALATION.rules)


def lapor_items(world):
    return sorted(world.store.items_by_id.values(), key=lambda i: i.id)


@pytest.mark.parametrize("status", list(ALLOWED))
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_action_from_every_status(status, action):
    world = World()
    case_id, other = world.new_case(), world.new_case("e-2")
    world.cases.cases[case_id] = replace(world.cases.get(case_id), status=status)
    params = dict(PARAMS[action], **({"into": other} if action == "merge" else {}))
    answer = world.act(case_id, action, params, actor=COORDINATOR)
    if action in ALLOWED[status]:
        assert answer.status == 200, answer.body
        assert world.cases.timeline(case_id)[-1].actor == "admin"
    else:
        assert answer.status == 409 and answer.body["error"]["current_status"] == status.value
        assert len(world.cases.timeline(case_id)) == 2  # received, routed: nothing added


def test_a_unit_never_sees_another_units_case():
    world = World()
    case_id = world.new_case()
    assert world.cases.get(case_id).unit_id == "dlh"
    assert world.act(case_id, "acknowledge", actor=PUPR).status == 404
    assert world.act(case_id, "reassign", actor=DLH).status == 403  # the coordinator's to do


def test_acknowledge_answers_the_first_response_but_not_completion():
    world = World()
    case_id = world.new_case()
    before = world.cases.get(case_id).clock
    world.clock.advance(hours=2)
    assert world.act(case_id, "acknowledge").status == 200
    after = world.cases.get(case_id).clock
    assert before.responded_at is None and after.responded_at == world.clock.now()
    assert after.stage.value == "completion" and after.deadline_at > before.deadline_at


def test_public_follow_up_goes_to_lapor_and_internal_does_not():
    world = World()
    case_id = world.new_case()
    world.act(case_id, "follow_up", {"text": "Catatan internal saja.", "visibility": "internal"})
    world.act(case_id, "follow_up")
    kinds = [(i.kind.value, i.payload.get("text")) for i in lapor_items(world)]
    # the internal note moved the case to "Proses" (the status is public), its text stays home
    assert kinds == [("status", None), ("follow_up", "Petugas sudah dijadwalkan.")]
    assert "internal" not in str([i.payload for i in lapor_items(world)])
    assert world.cases.get(case_id).status is S.IN_PROGRESS


def test_reroute_goes_back_to_triage_with_the_suggestion():
    world = World()
    case_id = world.new_case()
    assert world.act(case_id, "request_reroute").status == 200
    case = world.cases.get(case_id)
    assert case.status is S.TRIAGE and case.unit_id == "diskominfo"
    entry = world.cases.timeline(case_id)[-1]
    assert entry.detail["suggested_unit"] == "dinas-pupr" and entry.detail["from_unit"] == "dlh"
    assert "complaint.triaged" in world.publisher.types()
    assert world.act(case_id, "acknowledge").status == 404  # no longer DLH's


def test_resolution_rejected_reopens_at_the_same_unit_then_accepted_closes():
    world = World()
    case_id = world.new_case()
    world.act(case_id, "resolve")
    assert world.cases.get(case_id).clock.paused_at is not None
    assert world.act(case_id, "reject", actor=COORDINATOR).status == 200
    case = world.cases.get(case_id)
    assert case.status is S.IN_PROGRESS and case.unit_id == "dlh" and case.clock.paused_at is None
    world.act(case_id, "resolve")
    assert world.act(case_id, "accept", actor=COORDINATOR).status == 200
    assert world.cases.get(case_id).status is S.CLOSED and world.cases.get(case_id).clock.stage.value == "done"
    assert lapor_items(world)[-1].payload["status"] == "Selesai"


@pytest.mark.parametrize("into, why", [("c-missing", "existing"), ("SELF", "itself")])
def test_merge_needs_another_open_case(into, why):
    world = World()
    case_id = world.new_case()
    answer = world.act(case_id, "merge", {"into": case_id if into == "SELF" else into}, actor=COORDINATOR)
    assert answer.status == 422 and why in answer.body["error"]["message"]


def test_idempotency_key_replays_and_refuses_reuse():
    world = World()
    case_id = world.new_case()
    first = world.act(case_id, "follow_up", key="k-1", fingerprint="a")
    again = world.act(case_id, "follow_up", key="k-1", fingerprint="a")
    assert first == again and len(world.cases.timeline(case_id)) == 3
    reused = world.act(case_id, "follow_up", key="k-1", fingerprint="b")
    assert reused.status == 422 and reused.body["error"]["code"] == "idempotency_key_reused"


def test_concurrent_copies_with_one_key_apply_once():
    world = World()
    case_id = world.new_case()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: world.act(case_id, "follow_up", key="burst"), range(8)))
    assert len({(a.status, str(a.body)) for a in answers}) == 1
    assert [e.action for e in world.cases.timeline(case_id)].count("follow_up") == 1
