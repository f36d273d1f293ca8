"""What LAPOR!'s side does to a Sigap case (shared/domain/integrations/lapor_changes.py), on fakes:
a report arriving with its history (sync + route_case), every later change pulled
(apply_report through sync_from_lapor), and the national completion rule closing a
resolution nobody answered (escalate_due)."""
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.case import CaseStatus
from shared.domain.clock.deadlines import Stage
from shared.domain.clock.escalation import ESCALATION as ESCALATION_STEP
from shared.domain.clock.escalation import due_step, indonesian_datetime
from shared.domain.integrations.lapor import (
    BELUM_DITINDAKLANJUTI,
    INSTANSI,
    PELAPOR,
    PROSES,
    SELESAI,
    Disposition,
    FollowUp,
    ItemKind,
    OutboxItem,
    Report,
)
from shared.domain.integrations.lapor_changes import apply_report
from shared.domain.routing import route
from shared.services.escalation import escalate_due
from shared.services.lapor_push import push_to_lapor, record_follow_up
from shared.services.lapor_sync import sync_from_lapor
from shared.services.routing import route_case
from tests.escalation_support import CATALOG, ESCALATION, RULES
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, FakeUnitOfWork
from tests.lapor_fakes import FakeLaporClient, FakeLaporStore, add_item

S = CaseStatus
CLOCK_RULES = ESCALATION.rules
CALENDAR = CLOCK_RULES.calendar
POLICY = ESCALATION.policy
UTC = UTC
TRACKING, CASE = "5001", "lapor-5001"
def lapor_account(unit_id: str) -> str:
    account = CATALOG.unit(unit_id).lapor_account
    assert account is not None, f"{unit_id} has a LAPOR! account in the catalog"
    return account


DLH, PUPR = lapor_account("dlh"), lapor_account("dinas-pupr")
DISPOSED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)   # Friday 10:00 WIB: tanggal_disposisi
SYNCED = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)     # Monday 09:00 WIB: Sigap first sees it (FakeClock's start)
TITLE, TEXT = "Sampah menumpuk di Pasar Kopindo", "Sampah pasar tidak diangkut sejak Senin, baunya menyengat."


def report(version: int, **fields) -> Report:
    """Report 5001 as LAPOR! shows it: disposed to DLH's account on Friday unless told otherwise."""
    return Report(**{"tracking_id": TRACKING, "version": version, "title": TITLE, "content": TEXT,
                     "status": BELUM_DITINDAKLANJUTI, "created_at": DISPOSED - timedelta(hours=5),
                     "disposed_at": DISPOSED, "category": "sampah-kebersihan", "kelurahan": "Yosodadi",
                     "disposition": Disposition(DLH, DISPOSED), **fields})


def by_dlh(follow_up_id: str, at: datetime, text: str = "Petugas DLH sudah meninjau lokasi.") -> FollowUp:
    return FollowUp(follow_up_id, INSTANSI, text, at, account=DLH)


def by_reporter(follow_up_id: str, at: datetime, text: str = "Sampahnya masih ada, belum bersih.") -> FollowUp:
    return FollowUp(follow_up_id, PELAPOR, text, at)


class World:
    """Sigap's stores, a LAPOR! client whose change log the test writes, a clock."""

    def __init__(self, catalog=CATALOG):
        self.cases = FakeCaseStore()
        self.store, self.uow = FakeLaporStore(self.cases), FakeUnitOfWork(self.cases)
        self.publisher = FakePublisher()
        self.clock = FakeClock(SYNCED)
        self.client = FakeLaporClient()
        self.catalog = catalog

    def sync(self, *reports: Report):
        self.client.changes += reports
        return sync_from_lapor(client=self.client, store=self.store, uow=self.uow, publisher=self.publisher,
                               clock=self.clock, catalog=self.catalog, rules=CLOCK_RULES)

    def route(self, case_id: str = CASE) -> str:
        return route_case(case_id, uow=self.uow, publisher=self.publisher,
                          catalog=self.catalog, rules=RULES, clock=self.clock, escalation=ESCALATION,
                          tell_lapor=True)

    def arrive(self, first: Report):
        """The report's first sync, then the routing its complaint.received triggers."""
        assert self.sync(first).created == 1
        self.route()
        return self.case()

    def later(self, **delta) -> datetime:
        self.clock.advance(**delta)
        return self.clock.now()

    def escalate(self, as_of: datetime, lapor=True) -> dict:
        return escalate_due(queue=self.cases, uow=self.uow, publisher=self.publisher,
                            catalog=self.catalog, escalation=ESCALATION, as_of=as_of,
                            tell_lapor=lapor)

    def case(self, case_id: str = CASE):
        return self.cases.get(case_id)

    def timeline(self, case_id: str = CASE):
        return self.cases.timeline(case_id)

    def actions(self, case_id: str = CASE) -> list[str]:
        return [e.action for e in self.timeline(case_id)]

    def entries(self, action: str, case_id: str = CASE):
        return [e for e in self.timeline(case_id) if e.action == action]

    def events(self, kind: str):
        return [e for e in self.publisher.published if e.type == kind]


@pytest.fixture
def world():
    return World()


@pytest.fixture
def assigned(world):
    """Report 5001 synced on Monday, untouched on LAPOR!: assigned to DLH, first-response clock running."""
    case = world.arrive(report(1))
    assert (case.status, case.unit_id, case.clock.stage) == (S.ASSIGNED, "dlh", Stage.FIRST_RESPONSE)
    return world


def sla(category: str):
    return POLICY.sla_class(CATALOG.categories[category].sla_days)


# ---- a report arriving with its history -------------------------------------------------

def test_a_report_disposed_and_answered_on_lapor_arrives_at_that_unit_in_progress(world):
    answered = DISPOSED + timedelta(hours=4)
    arriving = report(4, status=PROSES, category="drainase", title="Sampah menyumbat saluran drainase",
                      content="Saluran di Jl. Ahmad Yani tersumbat sampah, air meluap ke jalan.",
                      follow_ups=(by_dlh("tl-1", answered),))
    # without the disposition, Sigap's own rules would give it to Dinas PUPR
    assert route(CATALOG, RULES, title=arriving.title, description=arriving.content, category="drainase",
                 location=None).unit_id == "dinas-pupr"
    case = world.arrive(arriving)
    assert (case.status, case.unit_id) == (S.IN_PROGRESS, "dlh")
    assert case.routing["rule"] == "lapor_disposition" and DLH in case.routing["reason"]
    assert world.actions() == ["received", "follow_up", "routed", "lapor_answered"]
    follow_up = world.entries("follow_up")[0]
    assert follow_up.actor == f"lapor:{DLH}"
    assert (follow_up.detail["visibility"], follow_up.detail["follow_up_id"]) == ("public", "tl-1")
    assert follow_up.detail["written_at"] == answered
    assert follow_up.detail["text"] == "Petugas DLH sudah meninjau lokasi."
    clock = case.clock
    assert clock.responded_at == answered and clock.stage is Stage.COMPLETION
    assert clock.anchor_at == DISPOSED  # counting from tanggal_disposisi, not from the sync
    completion = sla("drainase").completion_days
    assert clock.deadline_at == CALENDAR.add_working_days(DISPOSED, completion)
    assert clock.deadline_at != CALENDAR.add_working_days(SYNCED, completion)
    assert world.store.items(10) == []  # LAPOR! already shows DLH's account: no disposition owed


def test_the_first_response_deadline_counts_from_the_national_disposition_not_from_the_sync(world):
    case = world.arrive(report(1))
    days = sla("sampah-kebersihan").first_response_days
    assert case.clock.anchor_at == DISPOSED and case.clock.stage is Stage.FIRST_RESPONSE
    assert case.clock.deadline_at == CALENDAR.add_working_days(DISPOSED, days) == \
        datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # Tuesday 16:00 WIB; from the sync it would be Wednesday
    assert case.clock.deadline_at < CALENDAR.add_working_days(SYNCED, days)


def test_a_report_still_with_the_city_is_routed_by_sigap_and_the_disposition_is_owed_to_lapor(world):
    case = world.arrive(report(1, disposition=None))
    assert (case.unit_id, case.status) == ("dlh", S.ASSIGNED) and case.routing["rule"] != "lapor_disposition"
    [item] = world.store.items(10)
    assert item.kind is ItemKind.DISPOSE and (item.payload["unit_id"], item.payload["account"]) == ("dlh", DLH)


def test_a_finished_report_arrives_closed_resolved_at_its_last_answer(world):
    first, last = DISPOSED + timedelta(hours=4), DISPOSED + timedelta(days=2)
    case = world.arrive(report(3, status=SELESAI, follow_ups=(
        by_dlh("tl-1", first), by_reporter("tl-2", DISPOSED + timedelta(days=1)),
        by_dlh("tl-3", last, "Sampah sudah diangkut seluruhnya."),
        by_reporter("tl-4", last + timedelta(hours=1), "Terima kasih."))))
    assert case.status is S.CLOSED
    assert (case.clock.responded_at, case.clock.resolved_at) == (first, last)
    assert case.clock.stage is Stage.DONE and case.clock.next_due_at is None
    assert world.actions()[-1] == "lapor_closed"
    assert [e.detail["follow_up_id"] for e in world.entries("follow_up")] == ["tl-1", "tl-3"]
    assert world.store.items(10) == [] and not world.events("complaint.late")


def late_report() -> Report:
    """Disposed to DLH three weeks before Sigap sees it, never answered."""
    disposed = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)  # Monday 10:00 WIB; first response due Wednesday 4th
    return report(1, created_at=disposed - timedelta(hours=2), disposed_at=disposed,
                  disposition=Disposition(DLH, disposed))


def test_a_report_late_on_arrival_is_flagged_and_its_unit_and_the_coordinator_are_told(world):
    case = world.arrive(late_report())
    assert case.clock.late_on_arrival_days == 12  # 5-6, 9-13, 16-20 November have ended by Monday the 23rd
    assert case.clock.last_paged_at == SYNCED
    [entry] = world.entries("late_on_arrival")
    assert entry.detail["late_days"] == 12 and entry.detail["unit_id"] == "dlh"
    [late] = world.events("complaint.late")
    recipients = late.data["recipients"]
    assert [(r["unit_id"], r["role"]) for r in recipients] == [("dlh", "admin"), ("diskominfo", "copy")]
    assert [r["name"] for r in recipients] == [ESCALATION.contacts["dlh"].admins[0].name,
                                               ESCALATION.contacts["diskominfo"].admins[0].name]
    message = late.data["message"]
    assert "sudah terlambat 12 hari kerja dari batas waktu tanggapan pertama" in message
    assert "(Rabu, 4 November 2026 pukul 16.00 WIB)" in message
    next_level = CLOCK_RULES.level_deadline(case.clock)
    assert next_level == CALENDAR.add_working_days(SYNCED, POLICY.step_days)  # one step after it was seen
    assert indonesian_datetime(next_level, CLOCK_RULES) == "Rabu, 25 November 2026 pukul 16.00 WIB"
    assert message.endswith("Tanpa jawaban, eskalasi ke Kepala Dinas Lingkungan Hidup pada "
                            "Rabu, 25 November 2026 pukul 16.00 WIB.")  # the head of DLH: chain level 1
    assert TEXT not in message and TITLE not in message


def test_a_redelivered_complaint_received_changes_nothing(world):
    case = world.arrive(late_report())
    published, timeline = len(world.publisher.published), world.timeline()
    assert world.route() == "already-routed"
    assert world.case() == case and world.case().version == case.version
    assert world.timeline() == timeline and len(world.publisher.published) == published
    assert len(world.events("complaint.late")) == 1


# ---- changes pulled from LAPOR! --------------------------------------------------------

def test_a_units_follow_up_on_lapor_answers_the_first_response_and_stops_its_escalation(assigned):
    world = assigned
    before = world.case()
    missed = before.clock.deadline_at + timedelta(hours=1)
    assert due_step(before, CLOCK_RULES, missed).kind == ESCALATION_STEP  # unanswered, it would climb
    answer = by_dlh("tl-1", world.later(hours=2) - timedelta(minutes=30))
    assert world.sync(report(2, status=PROSES, follow_ups=(answer,))).updated == 1
    case = world.case()
    assert case.status is S.IN_PROGRESS
    assert case.clock.stage is Stage.COMPLETION and case.clock.responded_at == answer.at
    assert case.clock.deadline_at == CALENDAR.add_working_days(DISPOSED, sla("sampah-kebersihan").completion_days)
    assert [e.actor for e in world.entries("follow_up")] == [f"lapor:{DLH}"]
    updated = world.events("complaint.updated")[-1]
    assert (updated.data["from"], updated.data["to"], updated.data["origin"]) == ("assigned", "in_progress", "lapor")
    assert "escalation" not in world.escalate(missed)
    assert not world.entries("escalated") and not world.events("complaint.escalated")


def test_a_closing_follow_up_on_lapor_resolves_the_case_for_the_national_completion_rule(assigned):
    world = assigned
    done = by_dlh("tl-1", world.later(hours=3) - timedelta(minutes=20), "Sampah sudah diangkut.")
    world.sync(report(2, status=SELESAI, follow_ups=(done,)))
    case = world.case()
    assert case.status is S.RESOLVED
    assert (case.clock.responded_at, case.clock.resolved_at) == (done.at, done.at)
    assert case.clock.closes_at == CALENDAR.add_working_days(done.at, 10) == \
        CALENDAR.add_working_days(done.at, POLICY.completion_rule_days)
    assert case.clock.next_due_at == case.clock.closes_at
    [resolved] = world.entries("resolved")
    assert resolved.actor == "lapor" and resolved.detail["origin"] == "lapor"
    [event] = world.events("complaint.resolved")
    assert event.case_id == CASE and event.data["unit_id"] == "dlh"


def test_a_reporter_reply_after_the_resolution_reopens_the_case(assigned):
    world = assigned
    done = by_dlh("tl-1", world.later(hours=3), "Sampah sudah diangkut.")
    world.sync(report(2, status=SELESAI, follow_ups=(done,)))
    closes_at = world.case().clock.closes_at
    reply = by_reporter("tl-2", world.later(days=1))
    world.sync(report(3, status=SELESAI, follow_ups=(done, reply)))
    case = world.case()
    assert case.status is S.IN_PROGRESS
    assert case.clock.closes_at is None and case.clock.paused_at is None and case.clock.stage is Stage.COMPLETION
    assert world.actions()[-2:] == ["reporter_replied", "reopened"]
    assert world.escalate(closes_at).get("close") is None and world.case().status is S.IN_PROGRESS


def test_a_reply_after_the_closing_follow_up_pulled_together_with_it_still_reopens(assigned):
    world = assigned
    now = world.later(hours=3)
    done = by_dlh("tl-1", now - timedelta(hours=2), "Sampah sudah diangkut.")
    reply = by_reporter("tl-2", now - timedelta(hours=1))  # after the resolution, before Sigap pulls
    world.sync(report(2, status=SELESAI, follow_ups=(done, reply), updated_at=reply.at))
    case = world.case()
    assert case.status is S.IN_PROGRESS and case.clock.closes_at is None
    assert case.clock.resolved_at == done.at
    assert world.actions()[-4:] == ["follow_up", "resolved", "reporter_replied", "reopened"]


def pulled(versions: dict[int, Report], pulls: list[int]) -> World:
    """Report 5001 synced on Monday, then the given versions pulled as ``pulls`` says (a
    frequent puller sees every version, a slow one only the last): both must end alike."""
    world = World()
    world.arrive(report(1))
    for version in pulls:
        world.clock.current = max(world.clock.now(), versions[version].updated_at or world.clock.now())
        world.sync(versions[version])
    return world


def test_a_reply_after_the_admins_selesai_reopens_however_often_sigap_pulls():
    answer = by_dlh("tl-1", SYNCED + timedelta(hours=1))
    reply = by_reporter("tl-2", SYNCED + timedelta(days=1, hours=2))
    versions = {2: report(2, status=PROSES, follow_ups=(answer,), updated_at=SYNCED + timedelta(hours=1)),
                3: report(3, status=SELESAI, follow_ups=(answer,), updated_at=SYNCED + timedelta(days=1)),
                4: report(4, status=SELESAI, follow_ups=(answer, reply), updated_at=reply.at)}
    every = pulled(versions, [2, 3, 4]).case()
    assert every.status is S.IN_PROGRESS and every.clock.closes_at is None  # resolved at v3, reopened at v4
    slow = pulled(versions, [2, 4]).case()
    assert (slow.status, slow.clock.closes_at) == (S.IN_PROGRESS, None)


def test_a_reporter_reply_on_a_closed_case_is_recorded_only(world):
    done = by_dlh("tl-1", DISPOSED + timedelta(hours=4), "Sampah sudah diangkut.")
    closed = world.arrive(report(2, status=SELESAI, follow_ups=(done,)))
    assert closed.status is S.CLOSED
    published = len(world.publisher.published)
    reply = by_reporter("tl-2", world.later(hours=1), "Masih ada sampah di sudut pasar.")
    world.sync(report(3, status=SELESAI, follow_ups=(done, reply)))
    case = world.case()
    assert case.status is S.CLOSED and case.clock == closed.clock
    assert world.actions()[-1] == "reporter_replied" and "reopened" not in world.actions()
    assert world.entries("reporter_replied")[0].detail["text"] == "Masih ada sampah di sudut pasar."
    assert len(world.publisher.published) == published


def test_a_disposition_by_the_city_admin_reroutes_and_keeps_the_first_response_deadline(assigned):
    world = assigned
    deadline = world.case().clock.deadline_at
    at = world.later(hours=1)
    world.sync(report(2, disposition=Disposition(PUPR, at - timedelta(minutes=5), client_ref=None)))
    case = world.case()
    assert (case.unit_id, case.status) == ("dinas-pupr", S.ASSIGNED)
    assert case.routing["rule"] == "lapor_disposition" and case.routing["unit_id"] == "dinas-pupr"
    assert case.clock.stage is Stage.FIRST_RESPONSE and case.clock.deadline_at == deadline
    assert case.clock.top_level == len(CATALOG.chain_of_authority("dinas-pupr"))
    [rerouted] = world.entries("rerouted")
    assert rerouted.actor == "lapor:admin" and (rerouted.detail["from_unit"], rerouted.detail["unit_id"]) == \
        ("dlh", "dinas-pupr")
    assert world.events("complaint.assigned")[-1].data["unit_id"] == "dinas-pupr"
    assert case.lapor_state["disposition"] == PUPR
    assert world.store.items(10) == []  # LAPOR! shows it already: nothing to tell back


def test_a_disposition_to_an_unknown_account_is_recorded_not_applied(assigned):
    world = assigned
    before = world.case()
    world.sync(report(2, disposition=Disposition("metro-dinas-pariwisata", world.later(hours=1))))
    case = world.case()
    assert (case.unit_id, case.status, case.routing, case.clock) == \
        (before.unit_id, before.status, before.routing, before.clock)
    [ignored] = world.entries("lapor_disposition_ignored")
    assert ignored.detail["account"] == "metro-dinas-pariwisata"
    assert not world.entries("rerouted")


def test_a_new_title_or_text_reaches_the_case_and_the_old_text_stays_in_the_timeline(assigned):
    world = assigned
    world.later(hours=1)
    world.sync(report(2, title="Sampah menumpuk di Pasar Cendrawasih", content="Sudah dua minggu tidak diangkut."))
    case = world.case()
    assert (case.title, case.description) == \
        ("Sampah menumpuk di Pasar Cendrawasih", "Sudah dua minggu tidak diangkut.")
    [changed] = world.entries("lapor_text_changed")
    assert (changed.detail["old_title"], changed.detail["old_description"]) == (TITLE, TEXT)


def test_a_secret_reports_old_text_is_not_copied_into_the_timeline(world):
    world.arrive(report(1, secret=True, content="Rahasia: petugas meminta uang angkut."))
    world.later(hours=1)
    world.sync(report(2, secret=True, content="Rahasia: petugas meminta uang angkut Rp50.000."))
    assert world.case().description == "Rahasia: petugas meminta uang angkut Rp50.000."
    [changed] = world.entries("lapor_text_changed")
    assert dict(changed.detail) == {"secret": True}
    assert "Rahasia" not in repr(world.timeline())


@pytest.mark.parametrize("remembered", [True, False], ids=["remembered", "remember-lost"])
def test_sigaps_own_follow_up_and_disposition_coming_back_add_no_entry(world, remembered):
    world.arrive(report(1, disposition=None))  # Sigap routes it to DLH and owes the disposition
    unremembered = world.case().lapor_state
    record_follow_up(CASE, "Petugas dijadwalkan besok pagi.", actor="unit:dlh:k1", unit_id="dlh", uow=world.uow,
                     clock=world.clock)
    push = push_to_lapor(client=world.client, store=world.store, uow=world.uow, publisher=world.publisher,
                         clock=world.clock, rng=random.Random(1))
    assert push.delivered == 2
    [(_, _, dispose_ref)] = world.client.dispositions
    [(_, text, follow_up_ref)] = world.client.follow_ups
    assert dispose_ref.startswith(f"{CASE}~") and follow_up_ref.startswith(f"{CASE}~")
    if not remembered:  # the push delivered but could not write lapor_state: only client_ref tells them apart
        world.cases.cases[CASE] = replace(world.case(), lapor_state=unremembered)
    before, length = world.case(), len(world.timeline())
    at = world.later(minutes=5)
    echo = report(2, disposition=Disposition(DLH, at, client_ref=dispose_ref),
                  follow_ups=(FollowUp(f"tl-{follow_up_ref}", INSTANSI, text, at, client_ref=follow_up_ref),))
    assert world.sync(echo).updated == 1
    case = world.case()
    assert len(world.timeline()) == length and case.timeline_length == before.timeline_length
    assert (case.status, case.unit_id, case.clock) == (before.status, before.unit_id, before.clock)
    assert case.lapor_state["version"] == 2 and f"tl-{follow_up_ref}" in case.lapor_state["follow_up_ids"]


def test_sigaps_own_status_coming_back_adds_no_entry(assigned):
    world = assigned
    case = world.case()
    add_item(world.uow, OutboxItem(CASE, case.timeline_length, ItemKind.STATUS, {"status": PROSES, "note": None},
                                    world.clock.now()))
    push_to_lapor(client=world.client, store=world.store, uow=world.uow, publisher=world.publisher,
                  clock=world.clock, rng=random.Random(1))
    assert world.client.statuses[-1][1] == PROSES and world.case().lapor_state["told_status"] == PROSES
    length = len(world.timeline())
    world.later(minutes=5)
    world.sync(report(2, status=PROSES))  # LAPOR! now shows what Sigap told it, nothing else changed
    assert world.actions()[length:] == []


def test_an_older_or_equal_version_changes_nothing(assigned):
    world = assigned
    answer = by_dlh("tl-1", world.later(hours=1))
    world.sync(report(2, status=PROSES, follow_ups=(answer,)))
    case, timeline = world.case(), world.timeline()
    same_version = report(2, status=SELESAI, title="Judul lain", follow_ups=(answer, by_dlh("tl-2", answer.at)))
    assert world.sync(same_version).unchanged == 1
    assert world.sync(report(1)).unchanged == 1
    assert world.case() == case and world.case().version == case.version and world.timeline() == timeline


def test_the_same_lapor_follow_up_pulled_twice_appears_once(assigned):
    world = assigned
    answer = by_dlh("tl-1", world.later(hours=1))
    world.sync(report(2, status=PROSES, follow_ups=(answer,)))
    world.later(hours=1)
    world.sync(report(3, status=PROSES, title="Sampah menumpuk di Pasar Kopindo (blok B)", follow_ups=(answer,)))
    assert [e.detail["follow_up_id"] for e in world.timeline() if e.detail.get("follow_up_id")] == ["tl-1"]
    assert world.case().title.endswith("(blok B)")


def test_a_case_stored_before_follow_up_ids_counts_the_follow_ups_it_had_seen(assigned):
    world = assigned
    old, new = by_dlh("tl-1", world.later(hours=1)), by_reporter("tl-2", world.later(hours=1))
    case = replace(world.case(), status=S.IN_PROGRESS, lapor_state={"version": 2, "status": PROSES, "follow_ups": 1,
                                                                       "disposition": DLH})
    changed, entries, _ = apply_report(case, report(3, status=PROSES, follow_ups=(old, new)), CATALOG, CLOCK_RULES,
                                       world.clock.now())
    assert [e.detail.get("follow_up_id") for e in entries] == ["tl-2"]
    assert changed.lapor_state is not None, "a synced case keeps its LAPOR! state"
    assert changed.lapor_state["follow_up_ids"] == ["tl-1", "tl-2"]


def test_the_resolution_instant_does_not_depend_on_how_often_sigap_pulled():
    first = by_dlh("tl-1", SYNCED + timedelta(hours=1))
    second = by_dlh("tl-2", SYNCED + timedelta(days=1), "Sebagian sampah sudah diangkut.")
    versions = {2: report(2, status=PROSES, follow_ups=(first,), updated_at=first.at),
                3: report(3, status=PROSES, follow_ups=(first, second), updated_at=second.at),
                4: report(4, status=SELESAI, follow_ups=(first, second),  # the city admin closes it
                          updated_at=SYNCED + timedelta(days=2))}
    every, slow = pulled(versions, [2, 3, 4]).case(), pulled(versions, [4]).case()
    assert every.status is S.RESOLVED and slow.status is S.RESOLVED
    assert every.clock.resolved_at == slow.clock.resolved_at == second.at  # the unit's last answer
    assert every.clock.closes_at == slow.clock.closes_at == CALENDAR.add_working_days(second.at, 10)


def test_the_resolution_instant_counts_sigaps_own_last_answer_however_often_sigap_pulled():
    def run(pulls: list[int]):
        world = World()
        world.arrive(report(1))
        answer = by_dlh("tl-1", SYNCED + timedelta(hours=1))
        world.clock.current = SYNCED + timedelta(hours=2)
        world.sync(report(2, status=PROSES, follow_ups=(answer,)))
        world.clock.current = SYNCED + timedelta(hours=5)  # the unit answers in Sigap; the push posts it
        record_follow_up(CASE, "Sampah sudah diangkut sebagian.", actor="unit:dlh:k1", unit_id="dlh",
                         uow=world.uow, clock=world.clock)
        push_to_lapor(client=world.client, store=world.store, uow=world.uow, publisher=world.publisher,
                      clock=world.clock, rng=random.Random(1))
        [(_, text, ref)] = world.client.follow_ups
        ours = FollowUp(f"tl-{ref}", INSTANSI, text, world.clock.now(), client_ref=ref)
        versions = {3: report(3, status=PROSES, follow_ups=(answer, ours)),
                    4: report(4, status=SELESAI, follow_ups=(answer, ours))}  # then the city admin closes it
        world.clock.current = SYNCED + timedelta(days=2)
        for version in pulls:
            world.sync(versions[version])
        assert world.case().status is S.RESOLVED
        return world.case().clock.resolved_at, ours.at
    every, ours_at = run([3, 4])
    slow, _ = run([4])
    assert every == ours_at  # Sigap's own follow-ups are answers (first_answer, state_of)
    assert slow == every


# ---- the national completion rule ----------------------------------------------------

def resolved_on_lapor(world) -> datetime:
    done = by_dlh("tl-1", world.later(hours=3), "Sampah sudah diangkut.")
    world.sync(report(2, status=SELESAI, follow_ups=(done,)))
    assert world.case().status is S.RESOLVED
    return world.case().clock.closes_at


def test_a_resolution_nobody_answers_is_closed_by_the_national_completion_rule_and_selesai_is_owed(assigned):
    world = assigned
    closes_at = resolved_on_lapor(world)
    assert world.escalate(closes_at - timedelta(minutes=1)) == {} and world.case().status is S.RESOLVED
    assert world.escalate(closes_at) == {"close": 1}
    case = world.case()
    assert case.status is S.CLOSED and case.clock.stage is Stage.DONE and case.clock.next_due_at is None
    [closed] = world.entries("closed")
    assert closed.detail["rule"] == "national_completion" and closed.actor == "sigap:escalation"
    [item] = world.store.items(10)
    assert item.kind is ItemKind.STATUS and item.payload["status"] == SELESAI and item.seq == closed.seq
    assert world.escalate(closes_at + timedelta(days=1)) == {}  # closed once


def test_without_a_lapor_store_the_rule_closes_the_case_and_owes_nothing(assigned):
    world = assigned
    closes_at = resolved_on_lapor(world)
    assert world.escalate(closes_at, lapor=False) == {"close": 1}
    assert world.case().status is S.CLOSED and world.store.items(10) == []
