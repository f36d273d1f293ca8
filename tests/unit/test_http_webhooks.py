"""The webhook sender against a receiver on loopback: it connects to the address it
checked (not a second DNS answer), keeps the host name, and re-checks every redirect."""
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shared.adapters.http_webhooks import HttpWebhookSender
from shared.domain.integrations.url_safety import UrlPolicy

NOW = datetime.now(timezone.utc)
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
                self.send_response(503 if self.path == "/busy" else 204)
                self.send_header("Retry-After", "120")
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
    outcome = sender.send(f"http://hooks.kota.example:{port}/in?x=1", "whsec_" + "QUJD" * 8, "evt-1", {"a": 1}, NOW)
    assert outcome.ok and seen == [("/in?x=1", f"hooks.kota.example:{port}", "evt-1")]


def test_a_redirect_to_a_private_address_is_refused(receiver):
    port, seen = receiver
    sender = HttpWebhookSender(LOCAL, resolver=lambda host, p: ["127.0.0.1"] if host == "hooks.example" else
                               ["169.254.169.254"])
    outcome = sender.send(f"http://hooks.example:{port}/bounce", "whsec_" + "QUJD" * 8, "evt-2", {}, NOW)
    assert outcome.status is None and outcome.error.startswith("refused") and len(seen) == 1


def test_failure_status_and_retry_after_are_reported(receiver):
    port, _ = receiver
    sender = HttpWebhookSender(LOCAL, resolver=lambda host, p: ["127.0.0.1"])
    outcome = sender.send(f"http://hooks.example:{port}/busy", "whsec_" + "QUJD" * 8, "evt-3", {}, NOW)
    assert (outcome.status, outcome.retry_after, outcome.ok) == (503, 120.0, False)


def test_nothing_listening_is_an_error_not_an_exception():
    sender = HttpWebhookSender(LOCAL, timeout=(0.5, 0.5), resolver=lambda host, p: ["127.0.0.1"])
    outcome = sender.send("http://hooks.example:9/none", "whsec_" + "QUJD" * 8, "evt-4", {}, NOW)
    assert outcome.status is None and outcome.error
