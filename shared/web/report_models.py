"""The reports function's query, login form and figures as pydantic models (docs/reports.md
defines every figure)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _date(value: Any) -> Any:
    """A YYYY-MM-DD in the years 1970..2999, checked before any arithmetic (issue 14)."""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    if isinstance(day, date) and not 1970 <= day.year <= 2999:
        raise ValueError("a date in the years 1970..2999")
    return day


class PeriodQuery(BaseModel):
    """Local dates (WIB), ``to`` inclusive; default the last 28 days up to today."""
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)
    start: Annotated[date | None, BeforeValidator(_date), Field(alias="from", description="YYYY-MM-DD")] = None
    end: Annotated[date | None, BeforeValidator(_date), Field(alias="to", description="YYYY-MM-DD, inclusive")] = None
    exact: Annotated[Literal["0", "1"], Field(description="1: rescan the cases (audits) instead of reading the "
                                                          "incremental aggregates (docs/reports.md)")] = "0"


class RecurringQuery(PeriodQuery):
    """The recurring-problems page: a period, and optionally one kelurahan to look at alone."""
    kelurahan: Annotated[str | None, Field(pattern=r"^[a-z0-9]{1,64}$", description=(
        "one kelurahan's view (its key: lower-case letters and digits, as the page links it), read from "
        "its (kelurahan, category, week) aggregates"))] = None


class LoginForm(BaseModel):
    """The dashboard's login form (``application/x-www-form-urlencoded``)."""
    model_config = ConfigDict(extra="ignore", frozen=True)
    token: Annotated[str, Field(max_length=1024, description="the admin token")] = ""


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Figures(_Out):
    received: int
    first_response_on_time_pct: float | None
    resolved_on_time_pct: float | None
    first_response_days_median: int | None
    first_response_days_p90: int | None
    resolution_days_median: int | None
    resolution_days_p90: int | None
    open_now: int
    overdue_now: int
    escalations_by_level: dict[str, int]
    reroutes: int


class PeriodOut(_Out):
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")


class Week(_Out):
    week: str
    received: int
    resolved: int


class Problem(_Out):
    category: str
    kelurahan: str
    count: int
    weeks: dict[str, int]


class Overdue(_Out):
    id: str
    unit_id: str | None
    category: str | None
    kelurahan: str | None
    status: str
    deadline_at: datetime
    escalation_level: int
    working_days_overdue: int


class Cluster(_Out):
    category: str
    kelurahan: str
    size: int
    title: str
    case_ids: list[str]
    open: int


class Report(_Out):
    """Per unit and per category (``-``: none yet), with the period's patterns."""
    period: PeriodOut
    as_of: datetime
    total: Figures
    units: dict[str, Figures]
    categories: dict[str, Figures]
    trend: list[Week]
    top_problems: list[Problem]
    overdue: list[Overdue]
    clusters: list[Cluster]
