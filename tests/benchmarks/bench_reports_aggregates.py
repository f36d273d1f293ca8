"""Benchmark (issue 15): the year's figures from the incremental aggregates next to the
rescan, over the same seeded cases as ``bench_reports`` (100,000 over 2026 by default).

    python -m tests.benchmarks.bench_reports_aggregates [--cases 100000]   # make bench-aggregates
    python -m tests.benchmarks.bench_reports_aggregates --data build/bench-aggregates-100k

With ``--data DIR`` the seeded and backfilled emulator is exported to DIR after the
backfill, and a later run with the same DIR and number of cases imports it instead of
seeding and backfilling again (~25 minutes at 100,000 cases on 2 cores).

Starts its own Firestore emulator on a free port, seeds, rescans a 4- and a 52-week
period, runs the backfill (infra/tools/backfill_aggregates.py), answers the same periods
from the aggregates and checks both answers are equal; then times the consumer
(``ingest_case``) on a sample of cases, once changed and once redelivered.
Prints JSON: documents read and seconds per path, backfill time, consumer rate.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from infra.local.stack import Process, free_port, http_ok, wait_until
from shared.domain.reports.figures import Period
from tests.benchmarks.bench_reports import NOW, PROJECT, seed
from tests.escalation_support import ESCALATION

BUDGET_DOCUMENTS, BUDGET_SECONDS = 2_000, 5.0


def _normalised(report: dict) -> dict:
    from tests.unit.test_report_aggregates import normalised
    return normalised(json.loads(json.dumps(report, default=str)))


def aggregate_report(client, weeks: int) -> tuple[dict, dict]:
    from shared.adapters.firestore_aggregates import FirestoreAggregateStore
    from shared.services.reports import build_aggregate_report
    store = FirestoreAggregateStore(client)
    period = _period(weeks)
    started = time.perf_counter()
    report = build_aggregate_report(store, period, NOW, ESCALATION)
    seconds = time.perf_counter() - started
    return report, {"weeks": weeks, "documents_read": store.reads, "seconds": round(seconds, 2),
                    "received": report["total"]["received"], "open_now": report["total"]["open_now"],
                    "within_budget": store.reads <= BUDGET_DOCUMENTS and seconds <= BUDGET_SECONDS}


def _period(weeks: int) -> Period:
    from datetime import datetime
    from datetime import time as t
    cal = ESCALATION.rules.calendar
    end = cal.local_date(NOW)
    start = end - timedelta(weeks=weeks)
    return Period(datetime.combine(start, t(0), cal.tz), datetime.combine(end, t(0), cal.tz))


def rescan(client, weeks: int) -> tuple[dict, dict]:
    from shared.adapters.firestore_reports import FirestoreReportSource
    from shared.services.reports import build_report
    source = FirestoreReportSource(client)
    started = time.perf_counter()
    report = build_report(source, _period(weeks), NOW, ESCALATION)
    seconds = time.perf_counter() - started
    return report, {"weeks": weeks, "documents_read": source.reads, "seconds": round(seconds, 2),
                    "received": report["total"]["received"], "open_now": report["total"]["open_now"]}


def consumer(client, sample: int) -> dict:
    """ingest_case on ``sample`` cases after re-classifying them, then their redeliveries."""
    from shared.adapters.firestore_aggregates import FirestoreAggregateStore
    from shared.adapters.firestore_reports import FirestoreReportSource
    from shared.services.reports_ingest import ingest_case
    rules = ESCALATION.rules
    source, store = FirestoreReportSource(client), FirestoreAggregateStore(client)
    ids = [s.id for s in client.collection("cases").limit(sample).stream()]
    for case_id in ids:
        client.collection("cases").document(case_id).update({"category": "drainase"})
    out = {}
    for label in ("changed", "redelivered"):
        started = time.perf_counter()
        results = [ingest_case(i, cases=source, store=store, policy=rules.policy, calendar=rules.calendar)
                   for i in ids]
        seconds = time.perf_counter() - started
        out[label] = {"cases": len(ids), "per_second": round(len(ids) / seconds, 1),
                      "outcomes": {r: results.count(r) for r in set(results)}}
    return out


def _saved(data: Path | None, total: int) -> tuple[Path, dict] | None:
    """The export of an earlier run with ``total`` cases in ``data``, and what it recorded."""
    if data is None or not (data / "bench.json").exists():
        return None
    recorded = json.loads((data / "bench.json").read_text())
    exports = sorted(data.glob("*/*.overall_export_metadata"))
    if recorded.get("cases") != total or not exports:
        return None
    return exports[-1], recorded


def _export(host: str, data: Path, recorded: dict) -> None:
    """The emulator's own export (the endpoint behind ``firebase emulators:export``)."""
    import shutil
    import urllib.request
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    body = json.dumps({"database": f"projects/{PROJECT}/databases/(default)",
                       "export_directory": str(data.resolve())}).encode()
    request = urllib.request.Request(f"http://{host}/emulator/v1/projects/{PROJECT}:export", data=body,
                                     method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as response:
        response.read()
    (data / "bench.json").write_text(json.dumps(recorded, indent=2))


def _timed(measure, client, weeks: int, repeats: int) -> tuple[dict, dict]:
    """The median of ``repeats`` runs of ``measure`` (each row also lists every run's seconds)."""
    runs = [measure(client, weeks) for _ in range(repeats)]
    seconds = sorted(row["seconds"] for _, row in runs)
    report, row = runs[0]
    row = {**row, "seconds": seconds[len(seconds) // 2], "runs_seconds": [r["seconds"] for _, r in runs]}
    if "within_budget" in row:
        row["within_budget"] = row["documents_read"] <= BUDGET_DOCUMENTS and row["seconds"] <= BUDGET_SECONDS
    return report, row


def run(total: int, sample: int, data: Path | None = None, repeats: int = 1) -> dict:
    from infra.tools.backfill_aggregates import backfill
    host = f"127.0.0.1:{free_port()}"
    saved = _saved(data, total)
    command = ["gcloud", "emulators", "firestore", "start", f"--host-port={host}", "--quiet"]
    if saved:
        command.append(f"--import-data={saved[0]}")
    emulator = Process("firestore-emulator", command, os.environ,
                       Path(tempfile.mkdtemp(prefix="bench-aggregates-")))
    try:
        wait_until(lambda: http_ok(f"http://{host}/"), "Firestore emulator", emulator, 600)
        os.environ["FIRESTORE_EMULATOR_HOST"] = host
        from google.cloud import firestore
        client = firestore.Client(project=PROJECT)
        result: dict[str, Any]
        if saved:
            print(f"imported {saved[0]}", file=sys.stderr, flush=True)
            result = {**saved[1], "imported_from": str(saved[0].parent.parent), "periods": []}
        else:
            seconds, written, _ = seed(client, total)
            print(f"seeded {total:,} cases in {seconds:.0f} s", file=sys.stderr, flush=True)
            rules = ESCALATION.rules
            started = time.perf_counter()
            state = backfill(client, rules.policy, rules.calendar, out=sys.stderr)  # a line per 10 %
            backfill_s = time.perf_counter() - started
            result = {"cases": total, "documents_seeded": written, "seed_seconds": round(seconds, 1),
                      "backfill": {"seconds": round(backfill_s, 1), "cases_per_second": round(total / backfill_s),
                                   "complete": state["complete"]},
                      "periods": []}
            if data is not None:
                _export(host, data, {k: v for k, v in result.items() if k != "periods"})
                print(f"exported to {data}", file=sys.stderr, flush=True)
        for weeks in (4, 52):
            exact, exact_row = rescan(client, weeks)
            fast, fast_row = _timed(aggregate_report, client, weeks, repeats)
            print(f"{weeks} weeks: rescan {exact_row}, aggregates {fast_row}", file=sys.stderr, flush=True)
            result["periods"].append({"weeks": weeks, "rescan": exact_row, "aggregates": fast_row,
                                      "equal": _normalised(exact) == _normalised(fast)})
        result["consumer"] = consumer(client, sample)
        return result
    finally:
        emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--sample", type=int, default=300, help="cases the consumer is timed on")
    parser.add_argument("--data", type=Path, help="export the seeded emulator here, or import it if present")
    parser.add_argument("--repeats", type=int, default=3, help="runs of the aggregate path (median quoted)")
    args = parser.parse_args()
    print(json.dumps(run(args.cases, args.sample, args.data, args.repeats), indent=2))


if __name__ == "__main__":
    main()
