from shared.domain.case import CaseStatus
from shared.services.intake import receive_complaint
from shared.web.schemas import ComplaintIn
from tests.functions.conftest import pubsub_push


def stored_case(app, **fields):
    complaint = ComplaintIn(**{"external_id": "e-1", "title": "Sampah menumpuk di TPS",
                               "description": "Sampah di TPS pasar tidak diangkut sudah seminggu, bau sekali.",
                               **fields})
    return receive_complaint(complaint, source="demo", delivery_id="m-1", uow=app.uow,
                             publisher=app.publisher, clock=app.clock).case_id


def test_pubsub_push_routes_the_case_once(app, client):
    case_id = stored_case(app)
    route = client("route", "cloudevent")
    body = pubsub_push({"id": f"{case_id}.received", "type": "complaint.received", "case_id": case_id})
    assert route.post("/", json=body).status_code == 200
    case = app.repo.get(case_id)
    assert case.status is CaseStatus.ASSIGNED and case.unit_id == "dlh" and case.category == "sampah-kebersihan"
    assert route.post("/", json=body).status_code == 200  # redelivery
    assert [e.action for e in app.repo.timeline(case_id)] == ["received", "routed"]
    assert app.publisher.types() == ["complaint.received", "complaint.assigned"]


def test_a_message_without_a_case_is_acked_not_retried(app, client):
    route = client("route", "cloudevent")
    assert route.post("/", json=pubsub_push({"nothing": 1})).status_code == 200
    assert route.post("/", json={"message": {"data": "!!!", "messageId": "2"},
                                 "subscription": "s"}).status_code == 200
    assert not app.repo.cases
