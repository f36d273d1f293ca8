"""Integration fixtures: real Firestore and Pub/Sub emulators and the real gateway
(functions-framework's gunicorn server), started once per session on free ports.
A missing emulator fails the session loudly; nothing is skipped."""
from __future__ import annotations

import base64
import json
import os
import secrets
import time

import pytest
import requests

from infra.local.run import LOCAL_WEBHOOK_POLICY
from infra.local.stack import LocalStack, free_port
from shared.domain.integrations.signature import signed_headers

PROJECT = "sigap-it"


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    settings = {
        "SIGAP_INTAKE_SECRETS": json.dumps({
            "demo": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
            "simpel": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode(),
            "warga": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()}),
        # LAPOR!: the stack starts the sandbox (infra/lapor_sandbox); only "warga" complaints are submitted to it,
        # so the other tests' timelines stay as they were (tests/integration/test_lapor_sync.py)
        "SIGAP_LAPOR_SUBMIT_SOURCES": "warga",
        "SIGAP_LAPOR_SANDBOX_REPORTS": "0",
        "SIGAP_ADMIN_TOKEN": secrets.token_urlsafe(24),
        "SIGAP_OUTBOX_GRACE_SECONDS": "0",
        "SIGAP_ALLOW_CLOCK_OVERRIDE": "1",  # escalation ticks may carry as_of (test_escalation.py)
        **LOCAL_WEBHOOK_POLICY,
        "SIGAP_WEBHOOK_RETRY_SCHEDULE": "1,1,1,1",
        "SIGAP_TELEGRAM_WEBHOOK_SECRET": secrets.token_hex(16),  # telegram_webhook (test_openapi_contract.py)
        # Abuse limits off for this shared stack: every test calls from 127.0.0.1, and an instance
        # remembers a lockout or a window's count past the per-test reset of Firestore
        # (shared/adapters/coalesced_limits.py). The limits are tested through the functions
        # (tests/functions/test_abuse_limits.py) and on the emulator (test_limits_store.py).
        "SIGAP_LOCKOUT_FREE_FAILURES": "1000000", "SIGAP_LIMIT_ADDRESS_PER_MINUTE": "0",
        "SIGAP_LIMIT_SOURCE_PER_MINUTE": "0", "SIGAP_LIMIT_KEY_PER_MINUTE": "0",
    }
    local = LocalStack(project=PROJECT, firestore_port=free_port(), pubsub_port=free_port(),
                       gateway_port=free_port(), settings=settings,
                       log_dir=tmp_path_factory.mktemp("stack-logs"), scheduler=False)
    local.start()  # raises StackError with the reason: the session errors, loudly
    saved = {k: os.environ.get(k) for k in ("FIRESTORE_EMULATOR_HOST", "PUBSUB_EMULATOR_HOST")}
    os.environ.update(FIRESTORE_EMULATOR_HOST=local.firestore_host, PUBSUB_EMULATOR_HOST=local.pubsub_host)
    yield local
    local.stop()
    for key, value in saved.items():
        os.environ.pop(key, None) if value is None else os.environ.__setitem__(key, value)


@pytest.fixture(scope="session")
def db(stack):
    from google.cloud import firestore
    return firestore.Client(project=PROJECT)


@pytest.fixture(autouse=True)
def fresh_data(stack):
    stack.reset_firestore()


class Api:
    def __init__(self, stack):
        self.stack, self.base = stack, stack.gateway_url
        self.secrets = json.loads(stack.settings["SIGAP_INTAKE_SECRETS"])
        self.admin = {"Authorization": f"Bearer {stack.settings['SIGAP_ADMIN_TOKEN']}"}

    def submit(self, body, source="demo", headers=None, message_id=None):
        raw = body if isinstance(body, str) else json.dumps(body)
        if headers is None:
            headers = signed_headers(self.secrets.get(source, self.secrets["demo"]), raw, message_id=message_id)
        return requests.post(f"{self.base}/intake/sources/{source}/complaints", data=raw,
                             headers=headers, timeout=30)

    def case(self, case_id):
        return requests.get(f"{self.base}/cases/{case_id}", headers=self.admin, timeout=30)

    def cases(self, **params):
        return requests.get(f"{self.base}/cases", params=params, headers=self.admin, timeout=30)

    def wait_routed(self, case_id, timeout=20.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.case(case_id).json()
            if body["status"] != "received":
                return body
            time.sleep(0.1)
        raise AssertionError(f"case {case_id} was not routed within {timeout}s")


@pytest.fixture
def api(stack):
    return Api(stack)


def count(db, collection):
    return sum(1 for _ in db.collection(collection).stream())


def tick_until(stack, topic, condition, timeout=25.0):
    """Stands in for Cloud Scheduler: a tick on ``topic`` every second until the condition holds."""
    from google.cloud import pubsub_v1

    from infra.local.stack import emulator_env
    with emulator_env(stack.env):  # this stack's emulator, whichever stack it is
        publisher = pubsub_v1.PublisherClient()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        publisher.publish(publisher.topic_path(stack.project, topic), b"{}")
        time.sleep(1.0)
    raise AssertionError(f"condition not reached within {timeout:.0f}s of ticks on {topic}")
