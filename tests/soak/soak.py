"""``make soak`` (issue 14, item 7): a steady mix of intake, unit actions, Open311 reads and
dashboard loads against a fresh local stack (loopback only), while the gateway is killed
and restarted, the Firestore emulator stalled (SIGSTOP/SIGCONT), the Pub/Sub emulator
restarted (and re-provisioned) and the LAPOR! sandbox made to fail. Then it proves: every
accepted complaint is exactly one case, routed once; the outbox is empty (every event
announced); every LAPOR! item and webhook delivery was delivered or parked visibly; no 5xx
outside the injected faults; and prints p50/p99 per endpoint and throughput as ratios to the
same run's unloaded baseline. Not collected by pytest; bounded by ``--minutes`` (default 10).

    .venv/bin/python -m tests.soak.soak --minutes 3
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from infra.local.run import LOCAL_WEBHOOK_POLICY
from infra.local.stack import LocalStack, Process, emulator_env, free_port, http_ok, wait_until
from shared.domain.integrations.signature import signed_headers

SOURCE, UNIT = "soak", "dlh"
COMPLAINT = {"title": "Sampah menumpuk di pinggir jalan", "category": "sampah-kebersihan",
             "description": "Sudah seminggu tidak diangkut petugas, baunya menyengat."}


class Run:
    def __init__(self, stack: LocalStack, unit_key: str):
        self.stack, self.base, self.unit_key = stack, stack.gateway_url, unit_key
        self.secret = json.loads(stack.settings["SIGAP_INTAKE_SECRETS"])[SOURCE]
        self.admin = {"Authorization": f"Bearer {stack.settings['SIGAP_ADMIN_TOKEN']}"}
        self.samples: dict[str, list[tuple[float, float, int]]] = defaultdict(list)  # (start, seconds, status)
        self.accepted: set[str] = set()
        self.faults: list[tuple[str, float, float]] = []  # (fault, start, end incl. recovery)
        self.lock = threading.Lock()
        self.n = 0

    def call(self, endpoint: str, method: str, path: str, **kwargs) -> requests.Response | None:
        start = time.monotonic()
        try:
            response = requests.request(method, self.base + path, timeout=15, **kwargs)
            status = response.status_code
        except requests.RequestException:
            response, status = None, 599  # no answer (connection refused, timeout)
        with self.lock:
            self.samples[endpoint].append((start, time.monotonic() - start, status))
        return response

    def intake(self) -> None:
        with self.lock:
            self.n += 1
            external_id = f"soak-{self.n}-{secrets.token_hex(3)}"
        raw = json.dumps({**COMPLAINT, "external_id": external_id})
        response = self.call("intake", "POST", f"/intake/sources/{SOURCE}/complaints", data=raw,
                             headers=signed_headers(self.secret, raw))
        if response is not None and response.status_code in (200, 201):
            with self.lock:
                self.accepted.add(external_id)

    def unit_action(self) -> None:
        key = {"X-Api-Key": self.unit_key}
        listed = self.call("units-list", "GET", "/units/cases?status=assigned&page_size=5", headers=key)
        if listed is None or listed.status_code != 200 or not listed.json().get("cases"):
            return
        case_id = listed.json()["cases"][0]["id"]
        self.call("units-acknowledge", "POST", f"/units/cases/{case_id}/acknowledge", json={"note": "Diterima."},
                  headers={**key, "Idempotency-Key": f"ack-{case_id}"})

    def open311(self) -> None:
        self.call("open311-services", "GET", "/open311/v2/services.json")
        self.call("open311-requests", "GET", "/open311/v2/requests.xml")

    def dashboard(self) -> None:
        self.call("dashboard", "GET", "/reports/dashboard", headers=self.admin)

    MIX = ("intake", "intake", "unit_action", "open311", "dashboard")

    def during_fault(self, start: float, seconds: float) -> bool:
        return any(f_start - 1 <= start + seconds and start <= f_end for _, f_start, f_end in self.faults)


# ---- faults -------------------------------------------------------------------------------------

def _process(stack: LocalStack, name: str) -> Process:
    return next(p for p in stack._processes if p.name == name)


def _restart(stack: LocalStack, name: str, cmd: list[str], ready) -> None:
    old = _process(stack, name)
    old.stop()
    stack._processes.remove(old)
    old.log_path.rename(old.log_path.with_suffix(f".{int(time.time())}.log"))  # the new one starts its own log
    wait_until(ready, name, stack._spawn(name, cmd), 60)


def kill_gateway(stack: LocalStack) -> None:
    _restart(stack, "gateway", [sys.executable, "-m", "infra.local.gateway", "--port", str(stack.gateway_port)],
             lambda: http_ok(f"{stack.gateway_url}/healthz"))


def stall_firestore(stack: LocalStack, seconds: float = 6.0) -> None:
    pid = _process(stack, "firestore-emulator").popen.pid
    os.killpg(pid, signal.SIGSTOP)
    time.sleep(seconds)
    os.killpg(pid, signal.SIGCONT)


def restart_pubsub(stack: LocalStack) -> None:
    from infra.local.provision import provision
    _restart(stack, "pubsub-emulator", ["gcloud", "beta", "emulators", "pubsub", "start",
                                        f"--host-port={stack.pubsub_host}", f"--project={stack.project}", "--quiet"],
             lambda: http_ok(f"http://{stack.pubsub_host}/"))
    with emulator_env(stack.env):
        provision(stack.project, stack.gateway_url, stack.topology)


def fail_lapor(stack: LocalStack, seconds: float = 20.0) -> None:
    requests.put(f"{stack.lapor_url}/_sandbox/faults", timeout=5,
                 json={"*": [{"kind": "error", "status": 503, "count": -1}]})
    time.sleep(seconds)
    requests.delete(f"{stack.lapor_url}/_sandbox/faults", timeout=5)


FAULTS = (("gateway killed and restarted", kill_gateway), ("Firestore stalled 6 s", stall_firestore),
          ("Pub/Sub restarted", restart_pubsub), ("LAPOR! sandbox failing 20 s", fail_lapor))


def inject(run: Run, seconds: float, stop: threading.Event) -> None:
    """Each fault once, spread over the loaded phase; its window ends 5 s after recovery."""
    gap = seconds / (len(FAULTS) + 1)
    for name, fault in FAULTS:
        if stop.wait(gap):
            return
        start = time.monotonic()
        fault(run.stack)
        with run.lock:
            run.faults.append((name, start, time.monotonic() + 5))
        print(f"  fault: {name} ({time.monotonic() - start:.1f} s)", flush=True)


# ---- phases -------------------------------------------------------------------------------------

def baseline(run: Run, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for step in Run.MIX:
            getattr(run, step)()


def loaded(run: Run, seconds: float, workers: int) -> None:
    stop = threading.Event()
    faults = threading.Thread(target=inject, args=(run, seconds, stop), daemon=True)
    faults.start()
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        step = index
        while time.monotonic() < deadline:
            getattr(run, Run.MIX[step % len(Run.MIX)])()
            step += 1
            time.sleep(0.05)  # a steady rate this 2-core machine sustains
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(worker, range(workers)))
    stop.set()
    faults.join()


def split(samples, start: float, end: float):
    return [s for s in samples if start <= s[0] < end]


def table(run: Run, base: tuple[float, float], load: tuple[float, float]) -> tuple[str, int]:
    rows = [f"{'endpoint':<20}{'n base':>7}{'n load':>7}{'p50 ms':>8}{'p99 ms':>8}{'p50 x':>7}{'p99 x':>7}"
            f"{'thru x':>7}{'5xx in faults':>14}{'5xx outside':>12}"]
    outside_total = 0
    for endpoint in sorted(run.samples):
        if not split(run.samples[endpoint], *load):
            continue
        b, lo = split(run.samples[endpoint], *base), split(run.samples[endpoint], *load)
        ok = lambda s: [x[1] * 1000 for x in s if x[2] < 500] or [0.0]  # noqa: E731
        q = lambda v, p: statistics.quantiles(v, n=100)[p - 1] if len(v) > 1 else v[0]  # noqa: E731
        in_fault = sum(1 for s in lo if s[2] >= 500 and run.during_fault(s[0], s[1]))
        outside = sum(1 for s in lo if s[2] >= 500 and not run.during_fault(s[0], s[1]))
        outside_total += outside
        thru = (len(lo) / (load[1] - load[0])) / max(len(b) / (base[1] - base[0]), 1e-9)
        rows.append(f"{endpoint:<20}{len(b):>7}{len(lo):>7}{q(ok(lo), 50):>8.0f}{q(ok(lo), 99):>8.0f}"
                    f"{q(ok(lo), 50) / max(q(ok(b), 50), 1e-9):>7.1f}{q(ok(lo), 99) / max(q(ok(b), 99), 1e-9):>7.1f}"
                    f"{thru:>7.1f}{in_fault:>14}{outside:>12}")
    return "\n".join(rows), outside_total


# ---- the end: what must hold --------------------------------------------------------------------

class Receiver(BaseHTTPRequestHandler):
    """The webhook subscriber: counts deliveries by webhook-id (at least once; repeats allowed)."""
    seen: dict[str, int] = defaultdict(int)

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Receiver.seen[self.headers.get("webhook-id", "")] += 1
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def state(stack: LocalStack, accepted: set[str]) -> dict[str, int]:
    from google.cloud import firestore
    with emulator_env(stack.env):
        db = firestore.Client(project=stack.project)
        cases = [d for d in db.collection("cases").where(filter=firestore.FieldFilter("source", "==", SOURCE)).stream()]
        per_external: dict[str, int] = defaultdict(int)
        unrouted = twice_routed = 0
        for doc in cases:
            case = doc.to_dict() or {}
            per_external[case["external_id"]] += 1
            unrouted += int(case["status"] == "received")
            routed = doc.reference.collection("timeline").where(
                filter=firestore.FieldFilter("action", "==", "routed")).stream()
            twice_routed += int(sum(1 for _ in routed) > 1)
        lapor: list[dict] = [d.to_dict() or {} for d in db.collection("lapor_outbox").stream()]
        submits = {i["case_id"] for i in lapor if i.get("kind") == "submit"}
        # an item waiting for a submission that was never queued: the case's complaint.received
        # never reached queue_lapor_submission. Seen only around the Pub/Sub restart: the restarted
        # emulator has no subscriptions until it is re-provisioned, and an event published between
        # a topic's re-creation and its subscriptions' reaches only some of them (in production,
        # subscriptions and unacknowledged messages survive an outage). Counted apart, not a failure.
        orphans = [i for i in lapor if i.get("state") == "pending" and i.get("kind") != "submit"
                   and i["case_id"] not in submits
                   and not (db.collection("cases").document(i["case_id"]).get().to_dict() or {}).get(
                       "lapor_tracking_id")]
        for item in orphans:
            print(f"  waiting for a submission never queued: case {item['case_id']}, {item.get('kind')} item")
        hooks: list[dict] = [d.to_dict() or {} for d in db.collection("webhook_deliveries").stream()]
        return {
            "accepted complaints": len(accepted),
            "accepted without a case": sum(1 for e in accepted if per_external.get(e, 0) == 0),
            "external ids with more than one case": sum(1 for n in per_external.values() if n > 1),
            "cases not routed": unrouted,
            "cases routed more than once": twice_routed,
            "outbox events not announced": sum(1 for _ in db.collection("outbox").stream()),
            "LAPOR! items pending": sum(1 for i in lapor if i.get("state") == "pending") - len(orphans),
            "LAPOR! items waiting for a lost submission": len(orphans),
            "LAPOR! items parked (visible)": sum(1 for i in lapor if i.get("state") == "dead"),
            "webhook deliveries pending": sum(1 for h in hooks if h.get("status") == "pending"),
            "webhook deliveries delivered": sum(1 for h in hooks if h.get("status") == "delivered"),
            "webhook deliveries parked (visible)": sum(1 for h in hooks if h.get("status") == "parked"),
        }


MUST_BE_ZERO = ("accepted without a case", "external ids with more than one case", "cases not routed",
                "cases routed more than once", "outbox events not announced", "LAPOR! items pending",
                "webhook deliveries pending")


def drain(stack: LocalStack, accepted: set[str], seconds: float) -> dict[str, int]:
    """Waits (nudging the sweeps, the push and the deliveries every 5 s) until all is settled."""
    import google.cloud.pubsub_v1 as pubsub_v1
    with emulator_env(stack.env):
        publisher = pubsub_v1.PublisherClient()
    topics = [f.topic for f in stack.topology["functions"]
              if f.name in ("sweep_outbox", "push_lapor", "deliver_webhooks")]
    deadline = time.monotonic() + seconds
    while True:
        found = state(stack, accepted)
        if not any(found[k] for k in MUST_BE_ZERO) or time.monotonic() > deadline:
            return found
        for topic in topics:
            publisher.publish(publisher.topic_path(stack.project, topic), b"{}")
        time.sleep(5)


def start_stack(log_dir: Path) -> tuple[LocalStack, str]:
    from google.cloud import firestore

    from shared.adapters.firestore_api_keys import FirestoreApiKeyStore
    from shared.domain.api_keys import issue_key, key_digest
    settings = {
        "SIGAP_INTAKE_SECRETS": json.dumps({SOURCE: "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()}),
        "SIGAP_ADMIN_TOKEN": secrets.token_urlsafe(24), "SIGAP_OUTBOX_GRACE_SECONDS": "5",
        "SIGAP_LAPOR_SUBMIT_SOURCES": SOURCE, "SIGAP_LAPOR_SANDBOX_REPORTS": "0",
        # the limits stay on (their Firestore writes are part of what is measured), above this load
        "SIGAP_LIMIT_ADDRESS_PER_MINUTE": "100000", "SIGAP_LIMIT_SOURCE_PER_MINUTE": "100000",
        "SIGAP_LIMIT_KEY_PER_MINUTE": "100000", **LOCAL_WEBHOOK_POLICY,
        "SIGAP_WEBHOOK_RETRY_SCHEDULE": "2,2,2,2",
    }
    stack = LocalStack(project="sigap-soak", firestore_port=free_port(), pubsub_port=free_port(),
                       gateway_port=free_port(), settings=settings, log_dir=log_dir, scheduler=True)
    stack.start()
    key, plaintext = issue_key(owner=UNIT, scopes=("unit",), now=datetime.now(UTC), key_id="soak",
                               secret=secrets.token_hex(16), unit_id=UNIT)
    with emulator_env(stack.env):
        FirestoreApiKeyStore(firestore.Client(project=stack.project)).add(key_digest(plaintext), key)
    return stack, plaintext


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="the loaded phase (default 10)")
    parser.add_argument("--workers", type=int, default=4, help="concurrent clients in the loaded phase")
    args = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix="sigap-soak-"))
    print(f"soak: starting the stack (logs in {log_dir})", flush=True)
    stack, unit_key = start_stack(log_dir)
    receiver = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        run = Run(stack, unit_key)
        hook = run.call("webhooks-admin", "POST", "/webhooks/subscriptions", headers=run.admin, json={
            "url": f"http://127.0.0.1:{receiver.server_port}/hook", "event_types": ["complaint.assigned"]})
        assert hook is not None and hook.status_code == 201, hook.text if hook is not None else "no answer"
        base_seconds = max(20.0, args.minutes * 60 * 0.1)
        print(f"soak: unloaded baseline, {base_seconds:.0f} s", flush=True)
        base = (time.monotonic(), 0.0)
        baseline(run, base_seconds)
        base = (base[0], time.monotonic())
        print(f"soak: loaded, {args.workers} clients, {args.minutes:g} min, with faults", flush=True)
        load = (time.monotonic(), 0.0)
        loaded(run, args.minutes * 60, args.workers)
        load = (load[0], time.monotonic())
        print("soak: draining (up to 180 s)", flush=True)
        found = drain(stack, run.accepted, 180)
        found["webhook ids received by the subscriber"] = len(Receiver.seen)
        text, outside = table(run, base, load)
        print("\n" + text + "\n")
        for name, value in found.items():
            print(f"  {name:<42}{value:>8}{'  <- must be 0' if name in MUST_BE_ZERO and value else ''}")
        for name, start, end in run.faults:
            print(f"  fault window: {name:<34}{end - start:>6.1f} s")
        failed = [k for k in MUST_BE_ZERO if found[k]] + (["5xx outside the faults"] if outside else [])
        print("soak: " + ("PASSED" if not failed else "FAILED: " + ", ".join(failed)), flush=True)
        return 1 if failed else 0
    finally:
        receiver.shutdown()
        stack.stop()


if __name__ == "__main__":
    sys.exit(main())
