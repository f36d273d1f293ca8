"""Benchmark: one escalation tick over 50,000 open cases of which 100 are due, next to
a tick over 100 open cases of which 100 are due, in the same run, on the Firestore
emulator. Figures: the documents the adapter reads and the wall time. The target is
reads ~ the number due, not the number open (the due query is indexed on next_due_at).

    python -m tests.benchmarks.bench_escalation [--open 50000] [--due 100]

Starts its own Firestore emulator on a free port; seeds with batched writes of 500.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from infra.local.stack import Process, free_port, http_ok, wait_until
from shared.adapters.firestore_mapping import case_to_document
from shared.domain.case import Case, CaseStatus, case_id_for
from tests.escalation_support import CATALOG, ESCALATION
from tests.fakes import FakePublisher

PROJECT = "sigap-bench-esc"
MONDAY = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
AS_OF = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)  # Wednesday close: Monday's cases are late


def case_document(i: int, due: bool) -> tuple[str, dict]:
    created = MONDAY if due else MONDAY + timedelta(days=7, minutes=i % 600)
    case = Case(id=case_id_for("bench", f"b-{i}"), source="bench", external_id=f"b-{i}",
                title="Sampah menumpuk di TPS pasar", description="Sampah tidak diangkut sudah seminggu.",
                created_at=created, status=CaseStatus.ASSIGNED, category="sampah-kebersihan", unit_id="dlh",
                timeline_length=2)
    clock = ESCALATION.rules.start(anchor_at=created, now=created, sla_days=5, at_triage=False, top_level=3)
    return case.id, case_to_document(replace(case, clock=clock, updated_at=created))


def seed(client, open_cases: int, due: int) -> float:
    started = time.perf_counter()
    batch, pending = client.batch(), 0
    for i in range(open_cases):
        case_id, document = case_document(i, i < due)
        batch.set(client.collection("cases").document(case_id), document)
        pending += 1
        if pending == 500:
            batch.commit()
            batch, pending = client.batch(), 0
    if pending:
        batch.commit()
    return time.perf_counter() - started


class TimedQueue:
    """The real due query, timed (the emulator scans; production reads the index)."""

    def __init__(self, queue):
        self._queue, self.seconds = queue, 0.0

    def due(self, as_of, limit):
        started = time.perf_counter()
        try:
            return self._queue.due(as_of, limit)
        finally:
            self.seconds += time.perf_counter() - started

    def deadlines_until(self, until, limit):
        started = time.perf_counter()
        try:
            return self._queue.deadlines_until(until, limit)
        finally:
            self.seconds += time.perf_counter() - started

    @property
    def documents_read(self):
        return self._queue.documents_read


def one_tick(client) -> dict:
    from shared.adapters.firestore_escalation import FirestoreDueCases
    from shared.adapters.firestore_uow import FirestoreUnitOfWork
    from shared.services.escalation import escalate_due
    queue, uow = TimedQueue(FirestoreDueCases(client)), FirestoreUnitOfWork(client)
    started = time.perf_counter()
    outcome = escalate_due(queue=queue, uow=uow, publisher=FakePublisher(), catalog=CATALOG, escalation=ESCALATION,
                           as_of=AS_OF, limit=500)
    wall = time.perf_counter() - started
    return {"wall_seconds": round(wall, 3), "query_seconds": round(queue.seconds, 3),
            "writes_seconds": round(wall - queue.seconds, 3),
            "documents_read": queue.documents_read + uow.reads, "outcome": outcome}


def control_query(client) -> float:
    """A query that matches nothing: what the emulator spends scanning the collection
    (it keeps no indexes), apart from anything escalation does."""
    from google.cloud import firestore
    started = time.perf_counter()
    list(client.collection("cases").where(filter=firestore.FieldFilter("unit_id", "==", "none"))
         .limit(1).stream())
    return round(time.perf_counter() - started, 3)


def reset(host: str) -> None:
    request = urllib.request.Request(
        f"http://{host}/emulator/v1/projects/{PROJECT}/databases/(default)/documents", method="DELETE")
    urllib.request.urlopen(request, timeout=60).close()


def run(open_cases: int, due: int) -> dict:
    host = f"127.0.0.1:{free_port()}"
    emulator = Process("firestore-emulator", ["gcloud", "emulators", "firestore", "start",
                                              f"--host-port={host}", "--quiet"],
                       os.environ, Path(tempfile.mkdtemp(prefix="bench-esc-")))
    try:
        wait_until(lambda: http_ok(f"http://{host}/"), "Firestore emulator", emulator, 60)
        os.environ["FIRESTORE_EMULATOR_HOST"] = host
        from google.cloud import firestore
        client = firestore.Client(project=PROJECT)
        results = {}
        for label, total in (("large", open_cases), ("small", due)):
            reset(host)
            seeded = seed(client, total, due)
            tick = one_tick(client)
            tick["control_empty_query_seconds"] = control_query(client)
            results[label] = {"open_cases": total, "due": due, "seed_seconds": round(seeded, 1), **tick}
        for key in ("wall_seconds", "query_seconds", "writes_seconds"):
            results[f"ratio_{key}_large_to_small"] = round(results["large"][key] / results["small"][key], 2)
        return results
    finally:
        emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--open", type=int, default=50_000)
    parser.add_argument("--due", type=int, default=100)
    args = parser.parse_args()
    from shared import logs
    with logs.muted():  # a line per escalated case would drown the figures
        figures = run(args.open, args.due)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
