"""Outbound webhooks on the real stack, to real HTTP receivers on this machine."""
from __future__ import annotations

import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from infra.local.stack import free_port
from shared.domain.integrations.signature import signature_valid
from tests.integration.conftest import tick_until


class Receiver:
    """A subscriber: verifies every signature; can fail, hang or redirect on demand."""

    def __init__(self, fail_first=0, hang=0.0, redirect_to=None):
        self.fail_first, self.hang, self.redirect_to = fail_first, hang, redirect_to
        self.secret: str | None = None
        self.calls = 0
        self.accepted: list[tuple[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls += 1
                if receiver.hang:
                    time.sleep(receiver.hang)
                if receiver.redirect_to:
                    self.send_response(307)
                    self.send_header("Location", receiver.redirect_to)
                elif receiver.calls <= receiver.fail_first:
                    self.send_response(500)
                else:
                    assert receiver.secret is not None, "the test registered the subscription first"
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    assert signature_valid(receiver.secret, body, headers)
                    receiver.accepted.append((self.headers["webhook-id"], json.loads(body)))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def of(self, case_id):
        """What was accepted for one case (other tests' late events are not this test's)."""
        return [(i, body) for i, body in self.accepted if body["data"]["case_id"] == case_id]


@pytest.fixture
def receivers():
    made = []

    def make(**kwargs):
        made.append(Receiver(**kwargs))
        return made[-1]
    yield make
    for receiver in made:
        receiver.server.shutdown()


def subscribe(api, receiver, types=("*",)):
    response = requests.post(f"{api.base}/webhooks/subscriptions", headers=api.admin, timeout=30,
                             json={"url": receiver.url, "event_types": list(types)})
    assert response.status_code == 201, response.text
    receiver.secret = response.json()["secret"]
    return response.json()["id"]


def complaint():
    return {"external_id": f"wh-{uuid.uuid4().hex[:8]}", "title": "Sampah menumpuk di TPS Pasar",
            "description": "Sampah tidak diangkut seminggu, baunya sampai ke rumah warga."}


def test_each_event_reaches_each_subscriber_once_signed(api, receivers):
    everything, assigned_only = receivers(), receivers()
    subscribe(api, everything), subscribe(api, assigned_only, ["complaint.assigned"])
    case_id = api.submit(complaint()).json()["id"]
    api.wait_routed(case_id)
    tick_until(api.stack, "webhook-deliveries",
               lambda: len(everything.of(case_id)) >= 2 and assigned_only.of(case_id))
    time.sleep(2)  # let duplicates, if any, arrive
    assert sorted(b["type"] for _, b in everything.of(case_id)) == ["complaint.assigned", "complaint.received"]
    assert [b["type"] for _, b in assigned_only.of(case_id)] == ["complaint.assigned"]
    assert len({i for i, _ in everything.of(case_id)}) == 2


def test_failing_three_times_then_recovering_gets_it_exactly_once(api, receivers):
    flaky = receivers(fail_first=3)
    subscribe(api, flaky, ["complaint.assigned"])
    case_id = api.submit(complaint()).json()["id"]
    api.wait_routed(case_id)
    tick_until(api.stack, "webhook-deliveries", lambda: flaky.of(case_id))
    time.sleep(2)
    assert flaky.calls == 4 and len(flaky.of(case_id)) == 1


def test_a_hanging_receiver_does_not_hold_up_another(api, receivers):
    hanging, healthy = receivers(hang=12), receivers()
    subscribe(api, hanging), subscribe(api, healthy)
    started = time.monotonic()
    for _ in range(3):
        api.submit(complaint())
    tick_until(api.stack, "webhook-deliveries", lambda: len(healthy.accepted) >= 6, timeout=9)
    assert time.monotonic() - started < 9 and hanging.calls >= 1 and not hanging.accepted


@pytest.mark.parametrize("url", ["http://10.0.0.5/hook", "http://169.254.169.254/latest/meta-data",
                                 "http://[fd00:ec2::254]/", "file:///etc/passwd", "http://localhost.nip.invalid/"])
def test_ssrf_targets_are_refused_at_subscription(api, url):
    response = requests.post(f"{api.base}/webhooks/subscriptions", headers=api.admin, timeout=30,
                             json={"url": url, "event_types": ["*"]})
    assert response.status_code == 422 and response.json()["error"]["code"] == "unsafe_url"


def test_a_redirect_to_a_private_address_is_not_followed(api, receivers):
    sneaky = receivers(redirect_to="http://169.254.169.254/latest/meta-data")
    sub_id = subscribe(api, sneaky, ["complaint.assigned"])
    api.wait_routed(api.submit(complaint()).json()["id"])

    def refused():
        rows = requests.get(f"{api.base}/webhooks/subscriptions/{sub_id}/deliveries", params={"status": "pending"},
                            headers=api.admin, timeout=30).json()["deliveries"]
        return rows and "refused" in (rows[0]["last_error"] or "")
    tick_until(api.stack, "webhook-deliveries", refused)
    assert sneaky.calls >= 1 and not sneaky.accepted
