"""Benchmark: the reports over 100,000 cases (a year, 2026), rescanning (docs/reports.md).
Figures: wall time and Firestore documents read for a 4-week and a 52-week period, the
share spent in the pure computation, and, for comparison, how many documents an
incremental per-(unit, category, ISO week) aggregate design would read instead.

    python -m tests.benchmarks.bench_reports [--cases 100000]

Starts its own Firestore emulator on a free port; seeds with batched writes of 500.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from infra.local.stack import ROOT, Process, free_port, http_ok, wait_until
from shared.adapters.firestore_mapping import case_to_document, entry_to_document
from shared.domain.case import Case, CaseStatus, TimelineEntry, case_id_for
from shared.domain.reports.figures import Period
from tests.escalation_support import CATALOG, ESCALATION

PROJECT = "sigap-bench-reports"
START = datetime(2026, 1, 4, 17, 0, tzinfo=UTC)  # Monday 2026-01-05 00:00 WIB
NOW = START + timedelta(days=364)
# Titles as citizens write them: the evaluation set's complaints of the case's category,
# at one of Metro's streets or landmarks, with the additions people type. Over 100,000 cases
# about 40 % of titles are distinct, so clustering compares what it would in production
# (the first seeds had 16 distinct titles, which flattered the clusters' cost).
PLACES = ("Jl. Ahmad Yani", "Jl. Jenderal Sudirman", "Jl. Imam Bonjol", "Jl. Soekarno Hatta", "Jl. Ki Hajar Dewantara",
          "Jl. AH Nasution", "Jl. Pattimura", "Jl. Kapten Tendean", "Jl. Diponegoro", "Jl. Hasanudin", "Jl. Kenanga",
          "Jl. Cendana", "Gang Mawar", "Gang Melati", "dekat pasar", "depan SD", "dekat masjid", "RT 03 RW 02",
          "RT 12", "samping balai kelurahan")
ADDITIONS = ("", "", "", "sudah 3 hari", "mohon segera", "tolong ditindak", "sudah lama", "lagi", "parah",
             "setiap malam", "sejak minggu lalu")


def _titles() -> dict[str, list[str]]:
    rows = [json.loads(line) for line in (ROOT / "tests" / "data" / "routing_eval.jsonl").read_text().splitlines()]
    by_category: dict[str, list[str]] = {}
    for row in rows:
        if row.get("title"):
            by_category.setdefault(row.get("expected_category") or "-", []).append(row["title"])
    return by_category


TITLES = _titles()
ANY_TITLE = sorted(title for titles in TITLES.values() for title in titles)


def title_for(category: str, rng: random.Random) -> str:
    base = rng.choice(TITLES.get(category) or ANY_TITLE)
    return f"{base} {rng.choice(PLACES)} {rng.choice(ADDITIONS)}".strip()


def documents(i: int, rng: random.Random):
    category = rng.choice(list(CATALOG.categories.values()))
    unit = category.default_unit if category.default_unit in CATALOG.units else "dinas-pupr"
    kelurahan = rng.choice([u.name for u in CATALOG.kelurahan()])
    created = START + timedelta(minutes=rng.randrange(364 * 24 * 60))
    closed = created < NOW - timedelta(days=21) and rng.random() < 0.9
    case = Case(id=case_id_for("bench", f"r-{i}"), source="bench", external_id=f"r-{i}",
                title=title_for(category.code, rng),
                description="Deskripsi laporan.", created_at=created, status=CaseStatus.CLOSED if closed else
                CaseStatus.ASSIGNED, category=category.code, unit_id=unit, location={"kelurahan": kelurahan},
                secret=rng.random() < 0.05)
    rules = ESCALATION.rules
    clock = rules.start(anchor_at=created, now=created, sla_days=category.sla_days, at_triage=False, top_level=3)
    entries = []
    if rng.random() < 0.8:
        clock = rules.responded(clock, created + timedelta(hours=rng.randrange(1, 120)))
    if closed:
        at = created + timedelta(hours=rng.randrange(24, 24 * 20))
        entries.append(TimelineEntry(3, at, "unit:x:k", "resolved"))
        clock = rules.stopped(clock, at)
    if rng.random() < 0.1:
        entries.append(TimelineEntry(4, created + timedelta(days=4), "escalation", "escalated", {"level": 1}))
    if rng.random() < 0.03:
        entries.append(TimelineEntry(5, created + timedelta(days=1), f"unit:{unit}:k", "reroute_requested"))
    doc = case_to_document(replace(case, clock=clock, updated_at=created, timeline_length=5))
    return case.id, doc, entries, (unit, category.code, created.isocalendar()[:2])


def seed(client, total: int) -> tuple[float, int, set]:
    rng, started, written, keys = random.Random(6), time.perf_counter(), 0, set()
    batch, pending = client.batch(), 0
    for i in range(total):
        case_id, doc, entries, key = documents(i, rng)
        keys.add(key)
        ref = client.collection("cases").document(case_id)
        writes = [(ref, doc)] + [(ref.collection("timeline").document(e.id), entry_to_document(e)) for e in entries]
        if pending + len(writes) > 500:
            batch.commit()
            batch, pending = client.batch(), 0
        for r, d in writes:
            batch.set(r, d)
        pending += len(writes)
        written += len(writes)
    batch.commit()
    return time.perf_counter() - started, written, keys


def one_report(client, weeks: int) -> dict:
    from shared.adapters.firestore_reports import FirestoreReportSource
    from shared.services.reports import build_report
    source = FirestoreReportSource(client)
    period = Period(NOW - timedelta(weeks=weeks), NOW)
    started = time.perf_counter()
    facts = source.facts(period, NOW)
    read_s = time.perf_counter() - started

    class Ready:
        def facts(self, p, n):
            return facts
    started = time.perf_counter()
    report = build_report(Ready(), period, NOW, ESCALATION)
    compute_s = time.perf_counter() - started
    return {"weeks": weeks, "documents_read": source.reads, "read_seconds": round(read_s, 2),
            "compute_seconds": round(compute_s, 2), "received": report["total"]["received"],
            "open_now": report["total"]["open_now"], "clusters": len(report["clusters"])}


def run(total: int) -> dict:
    host = f"127.0.0.1:{free_port()}"
    emulator = Process("firestore-emulator", ["gcloud", "emulators", "firestore", "start",
                                              f"--host-port={host}", "--quiet"],
                       os.environ, Path(tempfile.mkdtemp(prefix="bench-reports-")))
    try:
        wait_until(lambda: http_ok(f"http://{host}/"), "Firestore emulator", emulator, 60)
        os.environ["FIRESTORE_EMULATOR_HOST"] = host
        from google.cloud import firestore
        client = firestore.Client(project=PROJECT)
        seconds, written, keys = seed(client, total)
        weekly = {w: len({k for k in keys if k[2] >= (NOW - timedelta(weeks=w)).isocalendar()[:2]}) for w in (4, 52)}
        return {"cases": total, "documents_seeded": written, "seed_seconds": round(seconds, 1),
                "reports": [one_report(client, 4), one_report(client, 52)],
                "aggregate_design_documents_per_report": weekly}
    finally:
        emulator.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    args = parser.parse_args()
    print(json.dumps(run(args.cases), indent=2))


if __name__ == "__main__":
    main()
