"""sync_lapor, push_lapor and queue_lapor_submission through functions-framework, on fakes."""
from datetime import UTC, datetime

from shared.domain.integrations.lapor import Report
from shared.services.intake import receive_complaint
from shared.web.schemas import ComplaintIn
from tests.functions.conftest import pubsub_push
from tests.lapor_fakes import FakeLaporClient, FakeLaporStore, unavailable

AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def lapor(app, reports=()):
    app.lapor_client, app.lapor_store = FakeLaporClient(reports), FakeLaporStore(app.repo)
    app.settings = app.settings.model_copy(update={"lapor_base_url": "http://sandbox", "lapor_token": "t" * 20})
    return app


def tick():
    return pubsub_push({"schedule": "test"})


def test_sync_tick_creates_cases_and_announces_them(app, client):
    lapor(app, [Report(str(n), 1, "Sampah menumpuk", "Sampah di TPS Yosodadi tidak diangkut.", "Proses", AT)
                for n in range(3)])
    sync = client("sync_lapor", "cloudevent")
    assert sync.post("/", json=tick()).status_code == 200
    assert sorted(app.repo.cases) == ["lapor-0", "lapor-1", "lapor-2"]
    assert app.publisher.types() == ["complaint.received"] * 3
    assert sync.post("/", json=tick()).status_code == 200 and len(app.repo.cases) == 3


def test_sync_without_a_configured_portal_does_nothing(app, client):
    app.lapor_client = None
    assert client("sync_lapor", "cloudevent").post("/", json=tick()).status_code == 200
    assert not app.repo.cases


def test_a_city_complaint_is_queued_then_pushed(app, client):
    lapor(app)
    receipt = receive_complaint(ComplaintIn(external_id="e-1", title="Lampu jalan mati",
                                            description="Lampu PJU mati di Jl. Cendrawasih sejak seminggu."),
                                source="demo", delivery_id="m-1", uow=app.uow,
                                publisher=app.publisher, clock=app.clock)
    event = pubsub_push({"id": f"{receipt.case_id}.received", "type": "complaint.received",
                         "case_id": receipt.case_id})
    queue = client("queue_lapor_submission", "cloudevent")
    assert queue.post("/", json=event).status_code == 200 and queue.post("/", json=event).status_code == 200
    assert len(app.lapor_store.items_by_id) == 1
    push = client("push_lapor", "cloudevent")
    app.lapor_client.fail["submit"] = [unavailable(503)]
    assert push.post("/", json=tick()).status_code == 200  # a failure is kept for later, not a 500
    assert app.repo.get(receipt.case_id).lapor_tracking_id is None and len(app.lapor_store.items_by_id) == 1
