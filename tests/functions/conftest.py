"""Entry points exercised through functions-framework's create_app().test_client(),
with the in-memory fakes standing in for Firestore and Pub/Sub."""
import base64
import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from functions_framework import create_app

from shared import bootstrap
from shared.adapters.catalog_files import load_catalog, load_routing_rules
from shared.adapters.escalation_files import load_escalation
from shared.config import Settings
from shared.services.announcing import DeferredAnnouncer
from tests.fakes import (
    FakeApiKeyStore,
    FakeCaseStore,
    FakeClock,
    FakeLimits,
    FakePublisher,
    FakeUnitOfWork,
    FakeWebhookSender,
    FakeWebhookStore,
)
from tests.lapor_fakes import FakeLaporStore
from tests.routing_fakes import FakeRoutingLearning

SOURCE = str(Path(__file__).resolve().parents[2] / "functions" / "main.py")
SECRET = "whsec_" + base64.b64encode(b"functions-test-secret-0123").decode()
ADMIN = "admin-token-for-tests-0123"
_CATALOG = load_catalog()
_RULES = load_routing_rules(_CATALOG)
_ESCALATION = load_escalation(_CATALOG)


@pytest.fixture
def app(monkeypatch):
    store = FakeCaseStore()
    fake = SimpleNamespace(
        settings=Settings(project_id="test", intake_secrets={"demo": SECRET}, admin_token=ADMIN),
        catalog=_CATALOG, rules=_RULES, repo=store, outbox=store, publisher=FakePublisher(),
        clock=FakeClock(), api_keys=FakeApiKeyStore(), webhook_store=FakeWebhookStore(),
        webhook_sender=FakeWebhookSender(unsafe={"https://169.254.169.254/latest"}))
    fake.escalation, fake.due_cases = _ESCALATION, store
    fake.lapor_store, fake.uow = FakeLaporStore(store), FakeUnitOfWork(store)
    fake.limits = FakeLimits(fake.clock)
    fake.announcer = DeferredAnnouncer(outbox=store, publisher=fake.publisher)  # intake publishes behind
    fake.routing_learning = FakeRoutingLearning()  # issue 12: corrections and the learned routing model
    fake.routing_model = lambda: None
    monkeypatch.setattr(bootstrap, "_app", fake)
    return fake


@pytest.fixture
def client():
    def make(target, signature_type="http"):
        return create_app(target, SOURCE, signature_type).test_client()
    return make


def pubsub_push(payload: dict, message_id: str = "1") -> dict:
    """The raw body a Pub/Sub push subscription POSTs (the emulator's shape)."""
    data = base64.b64encode(json.dumps(payload).encode()).decode()
    message = {"data": data, "attributes": {}, "messageId": message_id, "message_id": message_id,
               "publishTime": "2026-11-23T02:00:00Z", "publish_time": "2026-11-23T02:00:00Z"}
    return {"message": message, "subscription": "projects/test/subscriptions/route-push"}
