"""Helpers for the report tests: the numbers a dashboard shows, checked against the JSON."""
import re
from datetime import datetime

from shared.domain.reports.figures import CaseFacts
from shared.web.reports_dashboard import id_number

_FIGURE = re.compile(r'<span data-figure="([^"]+)">([^<]*)</span>')


def figures_in_html(html: str) -> dict[str, str]:
    return dict(_FIGURE.findall(html))


def mismatches(html: str, report: dict) -> list[tuple[str, str, object]]:
    """Every figure the page shows whose text differs from the JSON value at its key."""
    shown = figures_in_html(html)
    bad: list[tuple[str, str, object]] = []
    for key, text in shown.items():
        if key == "overdue.length":
            value = len(report["overdue"])
        else:
            group, *rest = key.split(".")
            node = report[group]
            for part in rest[:-1]:
                node = node[part]
            value = node[rest[-1]] if rest else node
        if text != id_number(value):  # the page writes numbers the Indonesian way: 100,0 and 1.234
            bad.append((key, text, value))
    return bad


class SeededSource:
    """A ReportSource answering fixed facts."""

    def __init__(self, facts: list[CaseFacts]):
        self._facts = facts

    def facts(self, period, now: datetime) -> list[CaseFacts]:
        return list(self._facts)
