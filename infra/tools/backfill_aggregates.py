"""Builds the report aggregates from the cases already stored (issue 15, docs/reports.md).

    python -m infra.tools.backfill_aggregates            # resumes where the last run stopped
    python -m infra.tools.backfill_aggregates --restart  # from the first case again
    python -m infra.tools.backfill_aggregates --page 60 --max-pages 10

Pages of cases in creation order (so a page's cases share their week's documents: each
aggregate document is rewritten once per page, not once per case); per page, one batch
(at most 500 writes: a page that would need more is halved) writes the aggregates' increments,
each case's ledger (only if no consumer changed it meanwhile: else the page is read again)
and the cursor (``report_meta/backfill``), so a run stopped at any point resumes at the
next page and never counts a case twice. Safe while ``reports_ingest`` runs, and to rerun
after a change of the figures' definitions (each case's difference is written, not its
total). The reports use the aggregates once a run has completed (``complete``); until
then they rescan. Environment as for ``infra.tools.api_keys`` (the running ``make run``
stack, or SIGAP_PROJECT_ID and credentials for production).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from typing import IO, Any

from google.cloud.firestore_v1.base_query import FieldFilter
from google.cloud.firestore_v1.field_path import FieldPath

from shared.adapters.firestore_aggregates import FirestoreAggregateStore
from shared.adapters.firestore_reports import _FIELDS, CASES, TIMELINE, _case, _entry
from shared.domain.case import TimelineEntry
from shared.domain.clock.calendar import WorkingCalendar
from shared.domain.clock.policy import EscalationPolicy
from shared.domain.reports.aggregates import changes, contribution
from shared.domain.reports.figures import REPORT_ACTIONS, facts_from_case

PAGE = 150  # cases per batch; halved while its ledgers and aggregate documents exceed MAX_WRITES
MAX_WRITES = 490


class Progress:
    """A one-line progress bar on a terminal (a line per 10% elsewhere)."""

    def __init__(self, total: int, done: int, out: IO[str]):
        self.total, self.done, self.out, self.started, self.last = max(total, 1), done, out, time.monotonic(), -1

    def add(self, n: int) -> None:
        self.done += n
        share = min(self.done / self.total, 1.0)
        rate = self.done / max(time.monotonic() - self.started, 1e-6)
        bar = "#" * int(share * 30)
        line = f"backfill [{bar:<30}] {share:6.1%} {self.done:,}/{self.total:,} cases {rate:,.0f}/s"
        if self.out.isatty():
            print("\r" + line, end="", file=self.out, flush=True)
        elif int(share * 10) != self.last:
            self.last = int(share * 10)
            print(line, file=self.out, flush=True)

    def close(self) -> None:
        if self.out.isatty():
            print(file=self.out)


def backfill(client: Any, policy: EscalationPolicy, calendar: WorkingCalendar, *, page: int = PAGE,
             restart: bool = False, max_pages: int | None = None, out: IO[str] = sys.stderr) -> dict[str, Any]:
    """Runs (or resumes) the backfill; returns the cursor document at the end."""
    store = FirestoreAggregateStore(client)
    state = {} if restart else store.backfill_state()
    cursor, done = state.get("cursor"), int(state.get("cases") or 0)
    entries: dict[str, list[TimelineEntry]] = defaultdict(list)
    for snap in client.collection_group(TIMELINE).where(
            filter=FieldFilter("action", "in", list(REPORT_ACTIONS))).stream():
        entries[snap.reference.parent.parent.id].append(_entry(snap.to_dict() or {}))
    total = int(client.collection(CASES).count().get()[0][0].value)
    progress, pages = Progress(total, done, out), 0
    while max_pages is None or pages < max_pages:
        query = client.collection(CASES).order_by("created_at").order_by(FieldPath.document_id()).select(
            _FIELDS).limit(page)
        if cursor:
            query = query.start_after(client.collection(CASES).document(cursor).get(field_paths=["created_at"]))
        snaps = list(query.stream())
        if not snaps:
            break
        for _ in range(5):
            ledgers = store.ledgers([s.id for s in snaps])
            items = _changed(snaps, ledgers, entries, policy, calendar)
            while len(snaps) > 1 and store.writes_of(items) > MAX_WRITES:
                snaps = snaps[:len(snaps) // 2]
                items = [i for i in items if i[0] in {s.id for s in snaps}]
            meta = {"cursor": snaps[-1].id, "cases": done + len(snaps), "complete": False}
            if store.apply_page(items, meta):
                break
        else:
            raise RuntimeError(f"page after {cursor}: 5 attempts lost to concurrent writers; run again")
        cursor, done, pages = snaps[-1].id, done + len(snaps), pages + 1
        progress.add(len(snaps))
    progress.close()
    finished = max_pages is None or pages < max_pages
    final = {"cursor": cursor, "cases": done, "complete": finished or bool(state.get("complete"))}
    store.apply_page([], final)
    return final


def _changed(snaps: list[Any], ledgers: dict[str, Any], entries: dict[str, list[TimelineEntry]],
             policy: EscalationPolicy, calendar: WorkingCalendar) -> list[Any]:
    """(case id, ledger token, new contribution, increments, entries) of each case whose contribution changed."""
    items = []
    for snap in snaps:
        facts = facts_from_case(_case(snap.id, snap.to_dict() or {}), entries.get(snap.id, ()))
        new = contribution(facts, policy, calendar)
        old, token = ledgers[snap.id]
        counts, changed = changes(old, new)
        if counts or changed:
            items.append((snap.id, token, new, counts, changed))
    return items


def main(argv: list[str] | None = None) -> int:
    from infra.tools.api_keys import _reachable, tool_environment
    from shared.bootstrap import App
    from shared.config import ConfigError, Settings
    parser = argparse.ArgumentParser(prog="backfill_aggregates", description=__doc__.split("\n\n")[0])
    parser.add_argument("--restart", action="store_true", help="from the first case, not the saved cursor")
    parser.add_argument("--page", type=int, default=PAGE, help=f"cases per batch (default {PAGE})")
    parser.add_argument("--max-pages", type=int, default=None, help="stop after this many pages (resumable)")
    args = parser.parse_args(argv)
    environ = tool_environment()
    emulator = environ.get("FIRESTORE_EMULATOR_HOST")
    if emulator and not _reachable(emulator):
        print(f"backfill_aggregates: no Firestore emulator at {emulator}: is `make run` running?", file=sys.stderr)
        return 1
    try:
        settings = Settings.from_env(environ)
    except ConfigError as exc:
        print(f"backfill_aggregates: {exc}. Start `make run`, or set SIGAP_PROJECT_ID", file=sys.stderr)
        return 1
    if emulator:
        os.environ["FIRESTORE_EMULATOR_HOST"] = emulator
    app = App(settings)
    rules = app.escalation.rules
    final = backfill(app.firestore, rules.policy, rules.calendar, page=args.page, restart=args.restart,
                     max_pages=args.max_pages)
    print(f"backfill: {final['cases']:,} cases, " + ("complete" if final["complete"] else
                                                    f"stopped after {final['cursor']} (run again to resume)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
