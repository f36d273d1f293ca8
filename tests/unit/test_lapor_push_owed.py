"""The push owes LAPOR! only what it does not show yet (shared/services/lapor_push.py):
never a status backwards, never one LAPOR! shows, never the disposition it shows; a
submitted city complaint goes on to its unit's account with the city's status. On
FakeLaporClient, and on the in-process sandbox portal where both sides act."""
import random
from dataclasses import replace
from datetime import timedelta

import pytest

from infra.lapor_sandbox.portal import Portal
from shared.domain.case import Case, CaseStatus
from shared.domain.integrations.lapor import (
    BELUM_DITINDAKLANJUTI,
    BELUM_TERVERIFIKASI,
    PROSES,
    SELESAI,
    ItemKind,
    OutboxItem,
    dispose_item,
)
from shared.domain.unit_actions import Actor, Refusal
from shared.services.escalation import escalate_due
from shared.services.lapor_push import push_to_lapor, queue_submission
from shared.services.lapor_sync import sync_from_lapor
from shared.services.routing import route_case
from shared.services.unit_actions import act_on_case
from tests.escalation_support import CATALOG, ESCALATION, RULES, routed
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, FakeUnitOfWork, add_case
from tests.lapor_fakes import FakeLaporClient, FakeLaporStore, add_item
from tests.lapor_portal_client import PortalClient

S = CaseStatus
def lapor_account(unit_id: str) -> str:
    account = CATALOG.unit(unit_id).lapor_account
    assert account is not None, f"{unit_id} has a LAPOR! account in the catalog"
    return account


DLH, PUPR = lapor_account("dlh"), lapor_account("dinas-pupr")
UNIT_DLH = Actor("unit:dlh:k1", unit_id="dlh")
CASE, TRACKING = "lapor-6001", "6001"


class World:
    portal: Portal  # set only by the tests that run the world on a sandbox portal

    def __init__(self, client=None):
        self.cases, self.clock, self.publisher = FakeCaseStore(), FakeClock(), FakePublisher()
        self.store, self.uow = FakeLaporStore(self.cases), FakeUnitOfWork(self.cases)
        self.client = client or FakeLaporClient()
        self.keys = 0

    def push(self):
        return push_to_lapor(client=self.client, store=self.store, uow=self.uow, publisher=self.publisher,
                             clock=self.clock, catalog=CATALOG, rng=random.Random(7))

    def sync(self):
        return sync_from_lapor(client=self.client, store=self.store, uow=self.uow, publisher=self.publisher,
                               clock=self.clock, catalog=CATALOG, rules=ESCALATION.rules)

    def route(self, case_id):
        return route_case(case_id, uow=self.uow, publisher=self.publisher, catalog=CATALOG,
                          rules=RULES, clock=self.clock, escalation=ESCALATION, tell_lapor=True)

    def act(self, case_id, action, params, key=None):
        self.keys += 1
        key = key or f"k-{self.keys}"
        return act_on_case(case_id, action, params, actor=UNIT_DLH, idempotency_key=key, fingerprint=f"f-{key}",
                           uow=self.uow, publisher=self.publisher,
                           clock=self.clock, catalog=CATALOG, rules=ESCALATION.rules)

    def owe(self, kind: ItemKind, **payload) -> OutboxItem:
        """An item queued by a change of the case (the seq of a new timeline entry)."""
        case = self.cases.get(CASE)
        assert case is not None, "the case is stored"
        self.cases.cases[CASE] = replace(case, timeline_length=case.timeline_length + 1)
        item = OutboxItem(CASE, case.timeline_length + 1, kind, payload, self.clock.now())
        assert add_item(self.uow, item)
        return item

    def state(self, case_id=CASE):
        return dict(self.cases.get(case_id).lapor_state or {})


@pytest.fixture
def world():
    return World()


def synced_case(world, lapor_state, status=S.IN_PROGRESS):
    """Report 6001 synced earlier and at DLH; ``lapor_state``: what Sigap knows LAPOR! shows."""
    now = world.clock.now()
    case = Case(id=CASE, source="lapor", external_id=TRACKING, title="Sampah menumpuk di pasar",
                description="Sampah tidak diangkut.", created_at=now, status=status, unit_id="dlh",
                category="sampah-kebersihan", lapor_tracking_id=TRACKING, lapor_state=lapor_state)
    entry = case.next_entry(now, "lapor", "received")
    add_case(world.cases, replace(case, timeline_length=1), entry)
    return CASE


def status(value):
    return {"status": value, "note": None}


# ---- statuses: never backwards, never again ------------------------------------------

def test_a_status_lapor_shows_or_one_behind_it_is_dropped_unsent_and_a_later_one_sent_once(world):
    synced_case(world, {"version": 3, "status": PROSES})
    world.owe(ItemKind.STATUS, **status(BELUM_DITINDAKLANJUTI))
    world.owe(ItemKind.STATUS, **status(PROSES))
    selesai = world.owe(ItemKind.STATUS, **status(SELESAI))
    run = world.push()
    assert (run.skipped, run.delivered, run.failed) == (2, 1, 0)
    assert world.client.statuses == [(TRACKING, SELESAI, selesai.id)]
    assert world.store.items(10) == [] and world.state()["told_status"] == SELESAI
    assert world.state()["status"] == PROSES  # what was pulled stays what was pulled
    again = world.push()
    assert (again.delivered, again.skipped) == (0, 0) and len(world.client.statuses) == 1


def test_after_a_status_push_the_same_status_again_is_skipped(world):
    synced_case(world, {"version": 1, "status": BELUM_DITINDAKLANJUTI})
    first = world.owe(ItemKind.STATUS, **status(PROSES))
    assert world.push().delivered == 1 and world.state()["told_status"] == PROSES
    world.owe(ItemKind.STATUS, **status(PROSES))
    world.owe(ItemKind.STATUS, **status(BELUM_DITINDAKLANJUTI))
    run = world.push()
    assert (run.skipped, run.delivered) == (2, 0)
    assert world.client.statuses == [(TRACKING, PROSES, first.id)]
    assert world.store.items(10) == []


def test_a_disposition_lapor_already_shows_is_skipped_and_another_sent_once(world):
    synced_case(world, {"version": 2, "status": BELUM_DITINDAKLANJUTI, "disposition": DLH})
    case = world.cases.get(CASE)
    assert add_item(world.uow, dispose_item(case, 2, "dlh", DLH, world.clock.now()))
    assert add_item(world.uow, dispose_item(case, 3, "dinas-pupr", PUPR, world.clock.now()))
    assert add_item(world.uow, dispose_item(case, 4, "dinas-pupr", PUPR, world.clock.now()))
    run = world.push()
    assert (run.skipped, run.delivered) == (2, 1)
    assert world.client.dispositions == [(TRACKING, PUPR, f"{CASE}~00003-dispose")]
    assert world.state()["disposition"] == PUPR


# ---- both sides, on the sandbox portal --------------------------------------------------

PORTAL_ID = "8800001"


@pytest.fixture
def portal_world():
    """A report on the sandbox portal disposed to DLH's account and untouched; Sigap synced and routed it."""
    clock = FakeClock()
    portal = Portal("test-token", count=0, seed=3, clock=clock.now)
    disposed = (clock.now() - timedelta(hours=3)).isoformat()
    portal.upsert({"tracking_id": PORTAL_ID, "judul": "Sampah menumpuk di Pasar Kopindo",
                   "isi": "Sampah pasar tidak diangkut sejak Senin.", "kategori": "Lingkungan",
                   "anonim": False, "rahasia": False, "tanggal_disposisi": disposed,
                   "disposisi": {"sub_instansi": DLH, "tanggal": disposed, "client_ref": None}})
    world = World(PortalClient(portal))
    world.clock, world.portal = clock, portal
    assert world.sync().created == 1
    assert world.route(f"lapor-{PORTAL_ID}") == "assigned"
    assert world.store.items(10) == []  # LAPOR! shows DLH's account already
    return world


def lapor_entries(world, action):
    return [e for e in world.cases.timeline(f"lapor-{PORTAL_ID}") if e.action == action and e.actor.startswith("lapor")]


def test_a_public_follow_up_makes_lapor_show_proses_once_and_posts_the_follow_up_once(portal_world):
    world, portal, case_id = portal_world, portal_world.portal, f"lapor-{PORTAL_ID}"
    assert portal.reports[PORTAL_ID]["status"] == BELUM_DITINDAKLANJUTI
    params = {"text": "Petugas DLH dijadwalkan mengangkut sampah besok pagi.", "visibility": "public"}
    answer = world.act(case_id, "follow_up", params, key="key-1")
    assert answer.refused is None and answer.body["status"] == "in_progress"
    assert world.act(case_id, "follow_up", params, key="key-1") == answer  # the same request, retried
    assert [i.kind for i in world.store.items(10)] == [ItemKind.FOLLOW_UP, ItemKind.STATUS]
    assert world.push().delivered == 2
    assert portal.reports[PORTAL_ID]["status"] == PROSES
    assert [(s["status"], s["tracking_id"]) for s in portal.applied["status_changes"]] == [(PROSES, PORTAL_ID)]
    [posted] = portal.applied["follow_ups"]
    assert posted["text"] == params["text"] and posted["client_ref"].startswith(f"{case_id}~")
    follow_up, shown = portal.applied["follow_ups"][0]["order"], portal.applied["status_changes"][0]["order"]
    assert follow_up < shown  # the tindak lanjut first, then the status it explains
    world.clock.advance(hours=2)
    world.act(case_id, "follow_up", {"text": "Sampah sudah diangkut sebagian.", "visibility": "public"})
    run = world.push()
    assert (run.delivered, run.skipped) == (1, 1)  # the second follow-up goes; Proses is shown already
    assert len(portal.applied["status_changes"]) == 1 and len(portal.applied["follow_ups"]) == 2
    world.sync()  # both of Sigap's follow-ups come back: neither becomes a LAPOR! follow-up in Sigap
    assert lapor_entries(world, "follow_up") == []
    assert len([e for e in world.cases.timeline(case_id) if e.action == "follow_up"]) == 2


@pytest.mark.parametrize("first", ["lapor", "sigap"])
def test_the_same_resolution_on_both_sides_ends_with_one_selesai_and_one_resolution(portal_world, first):
    world, portal, case_id = portal_world, portal_world.portal, f"lapor-{PORTAL_ID}"
    resolution = {"resolution": "Sampah pasar sudah diangkut seluruhnya.", "evidence": []}
    world.clock.advance(hours=1)
    if first == "lapor":  # the unit closes it on LAPOR!, Sigap pulls, then the unit tries in Sigap too
        portal.unit_follow_up(PORTAL_ID, "Sampah sudah diangkut.", status=SELESAI)
        world.sync()
        refused = world.act(case_id, "resolve", resolution)
        assert refused.refused is Refusal.INVALID_TRANSITION
    else:  # the unit resolves in Sigap and, before the push, on LAPOR! as well
        assert world.act(case_id, "resolve", resolution).refused is None
        portal.unit_follow_up(PORTAL_ID, "Sampah sudah diangkut.", status=SELESAI)
        world.sync()
    pushed = world.push()
    if first == "sigap":  # the resolution text still reaches LAPOR!; the Proses it owed is not sent over Selesai
        assert (pushed.delivered, pushed.skipped) == (1, 1) and len(portal.applied["follow_ups"]) == 1
    case = world.cases.get(case_id)
    assert case.status is S.RESOLVED
    assert len([e for e in world.cases.timeline(case_id) if e.action == "resolved"]) == 1
    assert len([e for e in world.publisher.published if e.type == "complaint.resolved"]) == 1
    assert portal.reports[PORTAL_ID]["status"] == SELESAI
    assert portal.applied["status_changes"] == []  # nothing backwards over the unit's Selesai
    # nobody answers: the national completion rule closes it; LAPOR! shows Selesai already
    closes_at = case.clock.closes_at
    assert escalate_due(queue=world.cases, uow=world.uow, publisher=world.publisher,
                        catalog=CATALOG, escalation=ESCALATION, as_of=closes_at, tell_lapor=True) == {"close": 1}
    world.clock.current = closes_at
    assert world.push().skipped == 1
    assert world.cases.get(case_id).status is S.CLOSED
    assert portal.reports[PORTAL_ID]["status"] == SELESAI and portal.applied["status_changes"] == []
    assert world.store.items(10) == []


# ---- a city complaint submitted to LAPOR! ----------------------------------------------

def city_complaint(world) -> str:
    case = routed(world.cases, "pasar-1", world.clock.now())
    assert (case.unit_id, case.status) == ("dlh", S.ASSIGNED)
    assert queue_submission(case.id, uow=world.uow, publisher=world.publisher,
                            clock=world.clock) == "queued"
    return case.id


def test_a_submitted_city_complaint_is_disposed_to_its_units_account_with_the_citys_status(world):
    case_id = city_complaint(world)
    run = world.push()
    assert run.delivered == 1
    [(ref, tracking_id)] = world.client.submissions.items()
    assert ref == f"{case_id}~00001-submit" and world.cases.get(case_id).lapor_tracking_id == tracking_id
    assert world.client.dispositions == [(tracking_id, DLH, f"{ref}-dispose")]
    assert world.client.statuses == [(tracking_id, BELUM_DITINDAKLANJUTI, f"{ref}-status")]
    assert world.client.follow_ups == []
    assert world.state(case_id) == {"status": BELUM_TERVERIFIKASI, "disposition": DLH,
                                    "told_status": BELUM_DITINDAKLANJUTI}
    case = world.cases.get(case_id)  # what the city owes later and LAPOR! shows already is not sent again
    add_item(world.uow, dispose_item(case, 5, "dlh", DLH, world.clock.now()))
    add_item(world.uow, OutboxItem(case_id, 6, ItemKind.STATUS, status(BELUM_DITINDAKLANJUTI), world.clock.now()))
    assert world.push().skipped == 2
    assert len(world.client.dispositions) == 1 and len(world.client.statuses) == 1


def test_on_the_portal_a_submission_lands_disposed_to_the_unit_and_comes_back_to_the_same_case():
    clock = FakeClock()
    portal = Portal("test-token", count=0, seed=5, clock=clock.now)
    world = World(PortalClient(portal))
    world.clock = clock
    case_id = city_complaint(world)
    assert world.push().delivered == 1
    [submitted] = portal.applied["submissions"]
    [disposed] = portal.applied["dispositions"]
    [shown] = portal.applied["status_changes"]
    assert submitted["order"] < disposed["order"] < shown["order"]
    tracking_id = submitted["tracking_id"]
    assert portal.reports[tracking_id]["disposisi"]["sub_instansi"] == DLH
    assert portal.reports[tracking_id]["status"] == BELUM_DITINDAKLANJUTI
    clock.advance(minutes=5)
    length = len(world.cases.timeline(case_id))
    world.sync()
    assert list(world.cases.cases) == [case_id]  # the report is the city case, not a new lapor-<id> case
    new = [e.action for e in world.cases.timeline(case_id)[length:]]
    assert "rerouted" not in new and "lapor_disposed" not in new and "follow_up" not in new
    assert world.cases.get(case_id).unit_id == "dlh" and world.store.items(10) == []
