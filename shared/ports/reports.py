"""Where the reports read their facts (shared/services/reports.py, docs/reports.md)."""
from __future__ import annotations

from datetime import datetime
from typing import Protocol

from shared.domain.reports.figures import CaseFacts, Period


class ReportSource(Protocol):
    def facts(self, period: Period, now: datetime) -> list[CaseFacts]: ...
