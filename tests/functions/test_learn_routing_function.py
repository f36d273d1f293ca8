"""The scheduled function learn_routing (issue 12) fits the routing model on the stored
corrections; the route function then uses it for a complaint the rules cannot place."""
from datetime import UTC, datetime

from shared.domain.routing.learning import Correction
from shared.services.intake import receive_complaint
from shared.services.routing_learning import current_model
from shared.web.schemas import ComplaintIn
from tests.functions.conftest import pubsub_push

TEXTS = ["wifi publik di taman tidak bisa konek", "website pemkot tidak bisa dibuka",
         "aplikasi layanan online tidak bisa login", "internet gratis di balai warga lemot"]


def test_the_tick_learns_and_routing_then_uses_the_model(app, client):
    for n, text in enumerate(TEXTS):
        case_id = receive_complaint(ComplaintIn(external_id=f"w-{n}", title="Layanan digital", description=text),
                                    source="demo", delivery_id=None, uow=app.uow, publisher=app.publisher,
                                    clock=app.clock).case_id
        app.routing_learning.add_correction(Correction(case_id, "change_category", None, "lainnya", "admin",
                                                       datetime(2026, 11, 2, 3, n, tzinfo=UTC)))
    learn = client("learn_routing", "cloudevent")
    assert learn.post("/", json=pubsub_push({"schedule": "learn_routing"})).status_code == 200
    model = current_model(app.routing_learning)
    assert model is not None and model.eligible() == ["lainnya"]

    app.routing_model = lambda: model
    case_id = receive_complaint(ComplaintIn(external_id="new", title="wifi taman", description="wifi tidak konek"),
                                source="demo", delivery_id=None, uow=app.uow, publisher=app.publisher,
                                clock=app.clock).case_id
    route = client("route", "cloudevent")
    assert route.post("/", json=pubsub_push({"case_id": case_id})).status_code == 200
    routing = app.repo.get(case_id).routing
    assert (routing["rule"], routing["decided_by"], routing["category"]) == ("learned-model", "model", "lainnya")
