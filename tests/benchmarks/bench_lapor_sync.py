"""Benchmark: the first LAPOR! sync of many reports, then an idle sync with nothing
changed. Starts its own Firestore emulator and LAPOR! sandbox on free ports; runs the
real ``sync_from_lapor`` with the real adapters (HttpLaporClient, FirestoreLaporStore,
FirestoreOutbox). Publishing is counted, not sent (the figure is the sync's, not
Pub/Sub's); the outbox delete after each publish still happens and is counted.

    python -m tests.benchmarks.bench_lapor_sync [--reports 10000] [--page-size 100]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from infra.local.stack import Process, free_port, http_ok, wait_until

PROJECT = "sigap-bench-lapor"
TOKEN = "bench-token-0123456789"


class CountingPublisher:
    def __init__(self):
        self.events, self._lock = 0, threading.Lock()

    def publish(self, event) -> str:
        with self._lock:
            self.events += 1
            return str(self.events)

    def publish_signal(self, topic, payload) -> str:
        return "0"


class CountingOutbox:
    """FirestoreOutbox whose deletes are counted (one write each)."""
    def __init__(self, inner):
        self.inner, self.writes, self._lock = inner, 0, threading.Lock()

    def pending(self, created_before, limit):
        return self.inner.pending(created_before, limit)

    def oldest_pending(self):
        return self.inner.oldest_pending()

    def remove(self, event_id):
        self.inner.remove(event_id)
        with self._lock:
            self.writes += 1

    def remove_all(self, event_ids):
        self.inner.remove_all(event_ids)
        with self._lock:
            self.writes += len(event_ids)


def one_sync(client_factory, store, uow, publisher, page_size: int) -> dict:
    from shared.adapters.catalog_files import load_catalog
    from shared.adapters.clock import SystemClock
    from shared.services.lapor_sync import SyncLimits, sync_from_lapor
    client = client_factory()
    store.reads = store.writes = uow.reads = uow.writes = 0
    outbox = uow.outbox
    outbox.writes = 0
    started = time.perf_counter()
    run = sync_from_lapor(client=client, store=store, uow=uow, publisher=publisher, clock=SystemClock(),
                          catalog=load_catalog(),
                          limits=SyncLimits(page_size=page_size, budget_seconds=3600, lease_seconds=3700))
    return {"outcome": run.outcome, "wall_seconds": round(time.perf_counter() - started, 2), "pages": run.pages,
            "created": run.created, "updated": run.updated, "portal_calls": client.calls,
            "firestore_reads": store.reads + uow.reads, "firestore_writes": store.writes + uow.writes + outbox.writes,
            "of_which_outbox_deletes": outbox.writes}


def run(reports: int, page_size: int) -> dict:
    work = Path(tempfile.mkdtemp(prefix="bench-lapor-"))
    host, sandbox_port = f"127.0.0.1:{free_port()}", free_port()
    emulator = Process("firestore-emulator", ["gcloud", "emulators", "firestore", "start",
                                              f"--host-port={host}", "--quiet"], os.environ, work)
    sandbox = Process("lapor-sandbox", [sys.executable, "-m", "infra.lapor_sandbox", "--port", str(sandbox_port),
                                        "--reports", str(reports)],
                      {**os.environ, "SIGAP_LAPOR_TOKEN": TOKEN}, work)
    try:
        wait_until(lambda: http_ok(f"http://{host}/"), "Firestore emulator", emulator, 60)
        wait_until(lambda: http_ok(f"http://127.0.0.1:{sandbox_port}/_sandbox/health"), "sandbox", sandbox, 60)
        os.environ["FIRESTORE_EMULATOR_HOST"] = host
        from google.cloud import firestore

        from shared.adapters.firestore_lapor import FirestoreLaporStore
        from shared.adapters.firestore_uow import FirestoreUnitOfWork
        from shared.adapters.lapor_client import HttpLaporClient
        db = firestore.Client(project=PROJECT)
        store, uow, publisher = FirestoreLaporStore(db), FirestoreUnitOfWork(db), CountingPublisher()
        uow.outbox = CountingOutbox(uow.outbox)
        factory = lambda: HttpLaporClient(f"http://127.0.0.1:{sandbox_port}", TOKEN)  # noqa: E731
        first = one_sync(factory, store, uow, publisher, page_size)
        first["reports_per_second"] = round(first["created"] / first["wall_seconds"], 1)
        idle = one_sync(factory, store, uow, publisher, page_size)
        cases = db.collection("cases").count().get()[0][0].value
        return {"reports": reports, "page_size": page_size, "first_sync": first, "idle_sync": idle,
                "cases_stored": cases, "events_published": publisher.events}
    finally:
        sandbox.stop()
        emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    from shared import logs
    with logs.muted():  # a line per published event would drown the figures
        figures = run(args.reports, args.page_size)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
