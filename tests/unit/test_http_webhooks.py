"""The webhook sender against a receiver on loopback: it connects to the address it
checked (not a second DNS answer), keeps the host name, and re-checks every redirect."""
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shared.adapters.http_webhooks import HttpWebhookSender
from shared.domain.integrations.url_safety import UnsafeUrl, UrlPolicy
from shared.domain.integrations.webhooks import Subscription, new_delivery

NOW = datetime.now(UTC)
LOCAL = UrlPolicy.parse(True, ["127.0.0.0/8"])


@pytest.fixture
def receiver():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.path, self.headers["Host"], self.headers["webhook-id"]))
            if self.path == "/bounce":
                self.send_response(307)
                self.send_header("Location", "http://metadata.internal/latest")
            else:
                self.send_response(503 if self.path.startswith("/busy") else 204)
                self.send_header("Retry-After", format_datetime(NOW + timedelta(seconds=120), usegmt=True)
                                 if self.path == "/busy-until" else "120")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1], seen
    server.shutdown()


def test_connects_to_the_checked_address_and_keeps_the_host_name(receiver):
    port, seen = receiver
    answers = iter([["127.0.0.1"], ["10.9.9.9"]])  # a second lookup would answer otherwise
    sender = HttpWebhookSender(LOCAL, resolver=lambda host, p: next(answers))
    outcome = sender.post(f"http://hooks.kota.example:{port}/in?x=1", "whsec_" + "QUJD" * 8, "evt-1", {"a": 1}, NOW)
    assert outcome.ok and seen == [("/in?x=1", f"hooks.kota.example:{port}", "evt-1")]


def test_a_redirect_to_a_private_address_is_refused(receiver):
    port, seen = receiver
    sender = HttpWebhookSender(LOCAL, resolver=lambda host, p: ["127.0.0.1"] if host == "hooks.example" else
                               ["169.254.169.254"])
    outcome = sender.post(f"http://hooks.example:{port}/bounce", "whsec_" + "QUJD" * 8, "evt-2", {}, NOW)
    assert outcome.status is None and outcome.error.startswith("refused") and len(seen) == 1


def test_failure_status_and_retry_after_are_reported(receiver):
    port, _ = receiver
    sender = HttpWebhookSender(LOCAL, resolver=lambda host, p: ["127.0.0.1"])
    outcome = sender.post(f"http://hooks.example:{port}/busy", "whsec_" + "QUJD" * 8, "evt-3", {}, NOW)
    assert (outcome.status, outcome.retry_after, outcome.ok) == (503, 120.0, False)


def test_nothing_listening_is_an_error_not_an_exception():
    sender = HttpWebhookSender(LOCAL, timeout=(0.5, 0.5), resolver=lambda host, p: ["127.0.0.1"])
    outcome = sender.post("http://hooks.example:9/none", "whsec_" + "QUJD" * 8, "evt-4", {}, NOW)
    assert outcome.status is None and outcome.error


def test_retry_after_as_an_http_date_is_read_against_the_attempts_time(receiver):
    port, _ = receiver
    sender = HttpWebhookSender(LOCAL, resolver=lambda host, p: ["127.0.0.1"])
    outcome = sender.post(f"http://hooks.example:{port}/busy-until", "whsec_" + "QUJD" * 8, "evt-5", {}, NOW)
    assert outcome.status == 503 and outcome.retry_after is not None and 119.0 <= outcome.retry_after <= 120.0


def test_send_is_one_attempt_of_a_delivery_with_the_event_id_as_webhook_id(receiver):
    port, seen = receiver
    sender = HttpWebhookSender(LOCAL, resolver=lambda host, p: ["127.0.0.1"])
    sub = Subscription("a", f"http://hooks.example:{port}/in", ("*",), "whsec_" + "QUJD" * 8, NOW)
    event = {"id": "c-1.00002-routed", "type": "complaint.assigned", "case_id": "c-1", "occurred_at": NOW.isoformat(),
             "data": {"unit_id": "dlh"}}
    assert sender.send(sub, new_delivery(event, sub, NOW), NOW).ok
    assert seen == [("/in", f"hooks.example:{port}", "c-1.00002-routed")]


def test_check_answers_nothing_for_an_allowed_url_and_refuses_a_private_one():
    sender = HttpWebhookSender(LOCAL, resolver=lambda host, p: ["127.0.0.1"] if host == "ok.example" else ["10.0.0.1"])
    sender.check("http://ok.example/hook")  # allowed: no exception, nothing to hand back
    with pytest.raises(UnsafeUrl):
        sender.check("http://private.example/hook")
