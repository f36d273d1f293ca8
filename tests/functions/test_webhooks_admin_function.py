from dataclasses import replace

import pytest

from shared.adapters.http_webhooks import HttpWebhookSender
from shared.domain.integrations.url_safety import UrlPolicy
from shared.domain.integrations.webhooks import DeliveryStatus
from shared.services.webhooks import fan_out
from tests.functions.conftest import ADMIN, pubsub_push

AUTH = {"Authorization": f"Bearer {ADMIN}"}
SUB = {"url": "https://simpel.metrokota.go.id/hooks/sigap", "event_types": ["complaint.assigned"],
       "description": "SIMPEL"}


def create(client, body=SUB):
    return client("webhooks").post("/subscriptions", json=body, headers=AUTH)


def test_create_shows_the_secret_once(app, client):
    created = create(client)
    assert created.status_code == 201 and created.get_json()["secret"].startswith("whsec_")
    listed = client("webhooks").get("/subscriptions", headers=AUTH).get_json()["subscriptions"]
    assert [s["id"] for s in listed] == [created.get_json()["id"]] and "secret" not in listed[0]


@pytest.mark.parametrize("body, code, field", [
    ({**SUB, "url": "https://169.254.169.254/latest"}, "unsafe_url", "url"),
    ({**SUB, "url": 5}, "invalid_field", "url"),
    ({**SUB, "event_types": []}, "invalid_field", "event_types"),
    ({**SUB, "event_types": ["complaint.deleted"]}, "invalid_field", "event_types"),
    ({**SUB, "description": "x" * 501}, "invalid_field", "description"),
])
def test_bad_subscriptions_are_refused_and_nothing_stored(app, client, body, code, field):
    response = create(client, body)
    assert response.status_code == 422 and response.get_json()["error"] == {
        "code": code, "field": field, "message": response.get_json()["error"]["message"]}
    assert app.webhook_store.subs == {}


def test_admin_token_required(app, client):
    assert client("webhooks").post("/subscriptions", json=SUB).status_code == 401


def test_dispatch_then_deliveries_listed_and_redriven(app, client):
    sub_id = create(client).get_json()["id"]
    event = {"id": "c-1.00002-routed", "type": "complaint.assigned", "case_id": "c-1",
             "occurred_at": "2026-11-23T02:00:00+00:00", "data": {"unit_id": "dlh"}}
    dispatch = client("dispatch_webhooks", "cloudevent")
    assert dispatch.post("/", json=pubsub_push(event)).status_code == 200
    assert dispatch.post("/", json=pubsub_push(event, "2")).status_code == 200  # redelivery
    (delivery,) = app.webhook_store.deliveries.values()
    assert app.publisher.signals == [("webhook-deliveries", {"event_id": "c-1.00002-routed"})]
    app.webhook_store.deliveries[delivery.id] = replace(delivery, status=DeliveryStatus.PARKED)
    parked = client("webhooks").get(f"/subscriptions/{sub_id}/deliveries?status=parked", headers=AUTH)
    assert [d["event_id"] for d in parked.get_json()["deliveries"]] == ["c-1.00002-routed"]
    assert client("webhooks").post(f"/subscriptions/{sub_id}/redrive", headers=AUTH).get_json() == {"redriven": 1}
    assert next(iter(app.webhook_store.deliveries.values())).status is DeliveryStatus.PENDING


def test_deactivate(app, client):
    sub_id = create(client).get_json()["id"]
    assert client("webhooks").delete(f"/subscriptions/{sub_id}", headers=AUTH).status_code == 204
    assert client("webhooks").get(f"/subscriptions/{sub_id}", headers=AUTH).get_json()["active"] is False
    assert fan_out({"id": "e", "type": "complaint.assigned", "case_id": "c"}, store=app.webhook_store,
                   clock=app.clock) == 0


def test_a_host_name_dns_cannot_carry_is_refused_not_a_500(app, client):
    app.webhook_sender = HttpWebhookSender(UrlPolicy())
    response = create(client, {**SUB, "url": "https://" + "a" * 64 + ".example/hooks"})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "unsafe_url"
    assert app.webhook_store.subs == {}
