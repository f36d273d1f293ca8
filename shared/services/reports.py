"""build_report: the figures and patterns of one period, by rescanning a ReportSource (the
reference, ``?exact=1``); build_aggregate_report: the same answer from the incremental
aggregates and the open cases (docs/reports.md)."""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from shared.domain.clock.escalation import Escalation
from shared.domain.reports import patterns
from shared.domain.reports.aggregates import aggregate_report, recurring, weeks_of
from shared.domain.reports.figures import Period, compute_figures
from shared.ports.reports import AggregateStore, ReportSource

# ReportSource is a port (shared/ports/reports.py)
__all__ = ["ReportSource", "build_aggregate_report", "build_recurring", "build_report", "collector_paused"]

_pausing = threading.Lock()
_paused = [0, False]  # reports being built now; whether the collector was on before the first


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pauses Python's cyclic garbage collector while a report is read and computed, and
    resumes it (if it was on) when the last report being built ends. A report builds
    millions of objects (a year's aggregates: ~20 MB of documents and ~95,000 cluster
    entries) that live until it returns and form no cycles, so every collection of the
    oldest generation would traverse them all again for nothing: at 100,000 cases that is
    ~0.2 s of the year's reading and ~0.4 s of its computing (docs/benchmarks.md). Reference
    counting still frees everything as usual; only cycles wait for the collector."""
    with _pausing:
        if _paused[0] == 0:
            _paused[1] = gc.isenabled()
            gc.disable()
        _paused[0] += 1
    try:
        yield
    finally:
        with _pausing:
            _paused[0] -= 1
            if _paused[0] == 0 and _paused[1]:
                gc.enable()


def build_report(source: ReportSource, period: Period, now: datetime, escalation: Escalation) -> dict[str, Any]:
    with collector_paused():
        facts = source.facts(period, now)
        cal = escalation.rules.calendar
        report = compute_figures(facts, period, now, escalation.rules.policy, cal)
        report.update(trend=patterns.weekly_trend(facts, period, cal),
                      top_problems=patterns.top_problems(facts, period, cal),
                      overdue=patterns.overdue_cases(facts, now, cal),
                      clusters=patterns.clusters(facts, period))
        return report


def build_aggregate_report(store: AggregateStore, period: Period, now: datetime,
                           escalation: Escalation) -> dict[str, Any]:
    """Reads the (unit, category, week) documents of the period's weeks and the (unit,
    category) documents of the open cases."""
    cal = escalation.rules.calendar
    with collector_paused():
        docs = store.unit_documents(*weeks_of(period, cal))
        return aggregate_report(docs, store.now_documents(), period, now, escalation.rules.policy, cal)


def build_recurring(store: AggregateStore, period: Period, escalation: Escalation) -> dict[str, Any]:
    """Recurring problems per kelurahan and the clusters that came back after a resolution."""
    cal = escalation.rules.calendar
    with collector_paused():
        return recurring(store.unit_documents(*weeks_of(period, cal)), period, cal)
