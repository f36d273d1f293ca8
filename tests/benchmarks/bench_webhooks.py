"""Benchmark: fan-out of 1,000 events to 10 subscribers, once with all of them fast
(the baseline) and once with one slow (0.2 s per answer), in the same run, through the
real Firestore store on the emulator and real HTTP receivers on this machine.

    python -m tests.benchmarks.bench_webhooks [--events 1000] [--slow 0.2]
"""
from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from infra.local.stack import LocalStack, emulator_env, free_port
from shared.adapters.clock import SystemClock
from shared.adapters.http_webhooks import HttpWebhookSender
from shared.delivery.engine import DeliveryLimits, deliver_due
from shared.domain.integrations.url_safety import UrlPolicy
from shared.domain.integrations.webhooks import WEBHOOK_RETRY, Subscription
from shared.services.webhooks import fan_out


class Receiver:
    def __init__(self, delay: float):
        self.delay, self.count, self.done_at = delay, 0, 0.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.delay:
                    time.sleep(receiver.delay)
                receiver.count += 1
                receiver.done_at = time.monotonic()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


def run(client, events: int, slow: float, tag: str) -> dict:
    from shared.adapters.firestore_webhooks import FirestoreWebhookStore
    store, clock = FirestoreWebhookStore(client, deliveries=f"bench_deliveries_{tag}"), SystemClock()
    receivers = [Receiver(slow if i == 0 else 0.0) for i in range(10)]
    subs = [Subscription(f"sub_{tag}_{i}", r.url, ("*",), "whsec_" + "QUJD" * 8, clock.now())
            for i, r in enumerate(receivers)]
    for sub in subs:
        store.add_subscription(sub)
    started = time.monotonic()
    for n in range(events):
        fan_out({"id": f"{tag}-{n}", "type": "complaint.assigned", "case_id": f"c-{n}",
                 "occurred_at": datetime.now(UTC).isoformat(), "data": {"unit_id": "dlh"}},
                store=_Only(store, subs), clock=clock)
    queued = time.monotonic()
    sender = HttpWebhookSender(UrlPolicy.parse(True, ["127.0.0.0/8"]))
    while sum(r.count for r in receivers) < events * len(receivers):
        deliver_due(store=_Only(store, subs), sender=sender, clock=clock, policy=WEBHOOK_RETRY,
                    limits=DeliveryLimits(budget_seconds=600))
    fast = receivers[1:]
    fast_done = max(r.done_at for r in fast) - queued
    for r in receivers:
        r.server.shutdown()
    return {"fan_out_s": round(queued - started, 1), "fast_subscribers_done_s": round(fast_done, 1),
            "slowest_done_s": round(max(r.done_at for r in receivers) - queued, 1),
            "deliveries_per_s_fast": round(events * len(fast) / fast_done, 1)}


class _Only:
    """The store, seeing only this run's subscriptions."""

    def __init__(self, store, subs):
        self._store, self._subs = store, subs

    def subscriptions(self):
        return self._subs

    def destinations(self):
        return self._subs

    def __getattr__(self, name):
        return getattr(self._store, name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--slow", type=float, default=0.2)
    args = parser.parse_args()
    stack = LocalStack(project="sigap-bench-wh", firestore_port=free_port(), pubsub_port=free_port(),
                       gateway_port=free_port(), settings={"SIGAP_ADMIN_TOKEN": "x" * 20},
                       log_dir=Path(tempfile.mkdtemp(prefix="sigap-bench-")), scheduler=False)
    stack.start()
    try:
        with emulator_env(stack.env):
            from google.cloud import firestore
            client = firestore.Client(project="sigap-bench-wh")
        from shared import logs
        with logs.muted():
            baseline = run(client, args.events, 0.0, "all_fast")
            with_slow = run(client, args.events, args.slow, "one_slow")
    finally:
        stack.stop()
    print(json.dumps({"events": args.events, "subscribers": 10, "slow_answer_s": args.slow,
                      "baseline_all_fast": baseline, "one_slow": with_slow,
                      "fast_throughput_ratio_with_slow_vs_baseline": round(
                          with_slow["deliveries_per_s_fast"] / baseline["deliveries_per_s_fast"], 2)}, indent=2))


if __name__ == "__main__":
    main()
