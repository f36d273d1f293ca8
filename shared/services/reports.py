"""build_report: the figures and patterns of one period from a ReportSource."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.domain.clock.escalation import Escalation
from shared.domain.reports import patterns
from shared.domain.reports.figures import Period, compute_figures
from shared.ports.reports import ReportSource

__all__ = ["ReportSource", "build_report"]  # ReportSource is a port (shared/ports/reports.py)


def build_report(source: ReportSource, period: Period, now: datetime, escalation: Escalation) -> dict[str, Any]:
    facts = source.facts(period, now)
    cal = escalation.rules.calendar
    report = compute_figures(facts, period, now, escalation.rules.policy, cal)
    report.update(trend=patterns.weekly_trend(facts, period, cal),
                  top_problems=patterns.top_problems(facts, period, cal),
                  overdue=patterns.overdue_cases(facts, now, cal),
                  clusters=patterns.clusters(facts, period))
    return report
