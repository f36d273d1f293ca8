from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.adapters.firestore_mapping import case_from_document, case_to_document, private_reporter_document
from shared.domain.case import CaseStatus
from shared.domain.events import COMPLAINT_RECEIVED
from shared.ports import Conflict
from shared.services.intake import receive_complaint
from shared.web.schemas import ComplaintIn
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, FakeUnitOfWork

COMPLAINT = ComplaintIn.model_validate({"external_id": "tiket-1", "title": "Lampu jalan mati",
                                         "description": "Lampu PJU di depan rumah mati dua minggu.",
                                         "reporter": {"name": "Siti Aminah", "phone": "08123456789",
                                                      "anonymous": True}})


def receive(store, publisher, complaint=COMPLAINT, delivery="msg-1", source="demo"):
    return receive_complaint(complaint, source=source, delivery_id=delivery, uow=FakeUnitOfWork(store),
                             publisher=publisher, clock=FakeClock())


def test_new_complaint_becomes_a_case_with_timeline_and_announced_event():
    store, publisher = FakeCaseStore(), FakePublisher()
    receipt = receive(store, publisher)
    assert receipt.created and receipt.status is CaseStatus.RECEIVED
    case = store.get(receipt.case_id)
    assert case.title == "Lampu jalan mati" and case.timeline_length == 1
    assert [e.action for e in store.timeline(case.id)] == ["received"]
    assert publisher.types() == [COMPLAINT_RECEIVED] and store.outbox == {}
    assert "Siti" not in str(publisher.published[0].to_message())


def test_anonymous_identity_is_kept_apart_from_the_case_document():
    store = FakeCaseStore()
    case = store.get(receive(store, FakePublisher()).case_id)
    assert case is not None, "the complaint became a stored case"
    document = case_to_document(case)
    assert document["reporter"] is None and document["reporter_anonymous"] is True
    assert "Siti" not in str(document) and "0812" not in str(document)
    assert private_reporter_document(case) == {"name": "Siti Aminah", "phone": "08123456789", "email": None}
    restored = case_from_document(case.id, document, version=1)
    assert restored.anonymous and restored.reporter.name is None


@pytest.mark.parametrize("delivery, external_id", [("msg-2", "tiket-1"), ("msg-1", "tiket-2")])
def test_a_repeat_by_external_id_or_by_delivery_id_creates_nothing(delivery, external_id):
    store, publisher = FakeCaseStore(), FakePublisher()
    first = receive(store, publisher)
    again = receive(store, publisher, COMPLAINT.model_copy(update={"external_id": external_id}), delivery)
    assert not again.created and again.case_id == first.case_id
    assert len(store.cases) == 1 and len(publisher.published) == 1


def test_same_external_id_from_another_source_is_another_case():
    store, publisher = FakeCaseStore(), FakePublisher()
    assert receive(store, publisher).case_id != receive(store, publisher, source="other").case_id


def test_concurrent_copies_make_one_case():
    store, publisher = FakeCaseStore(), FakePublisher()
    with ThreadPoolExecutor(10) as pool:
        receipts = list(pool.map(lambda i: receive(store, publisher, delivery=f"msg-{i % 2}"), range(10)))
    assert sum(r.created for r in receipts) == 1 and len({r.case_id for r in receipts}) == 1
    assert len(store.cases) == 1 and len(publisher.published) == 1


def test_publisher_down_leaves_the_event_in_the_outbox():
    store = FakeCaseStore()
    receipt = receive(store, FakePublisher(fail=True))
    assert receipt.created and list(store.outbox) == [f"{receipt.case_id}.received"]


def test_conflict_without_a_stored_winner_is_raised_for_a_retry():
    class Racy(FakeUnitOfWork):
        def _write(self, staged):
            raise Conflict("lost")
    with pytest.raises(Conflict):
        receive_complaint(COMPLAINT, source="demo", delivery_id="msg-1", uow=Racy(FakeCaseStore()),
                          publisher=FakePublisher(), clock=FakeClock())
