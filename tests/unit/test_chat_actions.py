"""chat_actions.handle_update on the in-memory unit of work: who may act from the chat."""
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.adapters.catalog_files import load_catalog
from shared.domain.case import Case, CaseStatus
from shared.domain.clock.policy import Contact, UnitContacts
from shared.domain.people import build_people
from shared.services.chat_actions import ChatContext, handle_update
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, FakeUnitOfWork, add_case

CATALOG = load_catalog()
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
CONTACTS = {unit: UnitContacts((Contact(f"Admin {unit}", "Admin", {"email": f"{unit}@x.invalid"}),),
                               Contact(f"Kepala {unit}", "Kepala", {"email": f"k.{unit}@x.invalid"}))
            for unit in CATALOG.units}
CONTACTS["dlh"] = UnitContacts((Contact("Admin DLH", "Admin", {"telegram": "555001"}),),
                               Contact("Kepala DLH", "Kepala", {"telegram": "555002"}))
CONTACTS["diskominfo"] = UnitContacts((Contact("Admin Kominfo", "Admin", {"telegram": "555003"}),),
                                      Contact("Kadis", "Kepala", {"email": "kadis@x.invalid"}))


class Replies:
    def __init__(self):
        self.answered, self.sent = [], []

    def answer_callback(self, callback_id, text):
        self.answered.append(text)

    def send(self, chat_id, text, *, prompt=False):
        self.sent.append((chat_id, text, prompt))


def world():
    store = FakeCaseStore()
    add_case(store, Case(id="c-1", source="demo", external_id="1", title="Sampah menumpuk", description="x" * 20,
                         created_at=NOW, status=CaseStatus.ASSIGNED, category="sampah-kebersihan", unit_id="dlh"))
    replies = Replies()
    ctx = ChatContext(people=build_people(CONTACTS, CATALOG), uow=FakeUnitOfWork(store), publisher=FakePublisher(),
                      clock=FakeClock(NOW), catalog=CATALOG, rules=None, replies=replies)
    return store, ctx, replies


def pressed(update_id, chat, data="ack:c-1"):
    return {"update_id": update_id, "callback_query": {"id": f"cb{update_id}", "from": {"id": int(chat)},
                                                       "message": {"chat": {"id": int(chat)}}, "data": data}}


def test_a_head_reads_only_and_the_coordinator_acts_as_itself():
    store, ctx, replies = world()
    assert handle_update(pressed(1, "555002"), ctx).kind == "read_only"
    assert store.get("c-1").status is CaseStatus.ASSIGNED and "hanya dapat membaca" in replies.answered[-1]
    assert handle_update(pressed(2, "555003"), ctx).kind == "done"  # the coordinator sees every case
    assert [e.actor for e in store.timeline("c-1")] == ["person:coordinator:diskominfo:0"]


def test_an_unknown_button_or_a_plain_message_changes_nothing():
    store, ctx, replies = world()
    assert handle_update(pressed(3, "555001", data="hapus:c-1"), ctx).kind == "ignored"
    plain = {"update_id": 4, "message": {"from": {"id": 555001}, "chat": {"id": 555001}, "text": "/start"}}
    assert handle_update(plain, ctx).kind == "ignored" and replies.sent[-1][1].startswith("Halo Admin DLH")
    assert handle_update({"update_id": 5, "edited_message": {}}, ctx).kind == "ignored"
    assert not store.timeline("c-1")


def test_the_follow_up_prompt_names_the_case_and_only_for_the_units_own_case():
    store, ctx, replies = world()
    assert handle_update(pressed(6, "555001", data="fu:c-1"), ctx).kind == "prompted"
    assert replies.sent[-1] == ("555001", replies.sent[-1][1], True) and "laporan c-1" in replies.sent[-1][1]
    assert handle_update(pressed(7, "555001", data="fu:c-404"), ctx).kind == "refused"


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)
PARTS = st.fixed_dictionaries({}, optional={
    "id": JSON, "data": st.sampled_from(["ack:c-1", "fu:c-1", "x"]) | JSON,
    "from": st.fixed_dictionaries({}, optional={"id": st.sampled_from([555001, 555002, 555003]) | JSON}) | JSON,
    "message": JSON, "chat": JSON, "text": JSON, "reply_to_message": JSON})


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(update=st.fixed_dictionaries({"update_id": st.integers(0, 10**9)},
                                    optional={"callback_query": PARTS | JSON, "message": PARTS | JSON}))
def test_any_update_of_any_shape_gets_an_outcome_never_an_exception(update):
    store, ctx, _ = world()
    outcome = handle_update(update, ctx)
    assert outcome.kind in ("done", "refused", "prompted", "unknown_chat", "read_only", "ignored")
