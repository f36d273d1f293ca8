"""The dashboard's drill-down for one unit: ``GET /unit/{unit}?from=&to=`` (function
``reports``). Its figures, its trend per week, its late cases (with titles, linked to the
case page) and its open cases by what is due first. Opens with a coordinator's or head's
session (the unit in their scope), a unit admin's own unit, or the admin token's dashboard
session. The figures are computed over the unit's cases only (a rescan of the period)."""
from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any

from flask import Request, Response

from shared.domain.reports.figures import CaseFacts, Period
from shared.services.reports import build_report
from shared.web import dashboard_session
from shared.web.people_dashboard import titles_of, told_text
from shared.web.people_pages import viewer_of
from shared.web.people_templates import error_page, root_of
from shared.web.people_views import inbox_groups
from shared.web.reports_dashboard import (
    _cards,
    figures_table,
    overdue_table,
    page,
    period_form,
    period_query,
    trend_chart,
)
from shared.web.responses import html_response
from shared.web.routing import Param, Route, Router


class _UnitFacts:
    """A ReportSource over another, keeping only one unit's cases."""

    def __init__(self, source: Any, unit_id: str):
        self._source, self._unit = source, unit_id

    def facts(self, period: Period, now: datetime) -> list[CaseFacts]:
        return [f for f in self._source.facts(period, now) if f.unit_id == self._unit]


def _unit_page(request: Request, app: Any, secret: str, unit_id: str) -> Response:
    from shared.web.reports import _period  # the same period rules as the dashboard
    viewer = viewer_of(request, app, secret)
    person = viewer.person
    token = app.settings.admin_token
    admin_browser = bool(token) and dashboard_session.session_valid(
        request.cookies.get(dashboard_session.COOKIE), token, app.clock.now())
    if person is None and not admin_browser:
        return error_page(request, 401, "Silakan masuk", "Rincian unit hanya untuk yang sudah masuk.")
    if unit_id not in app.catalog.units or (person is not None and not person.sees(unit_id)):
        return error_page(request, 404, "Unit tidak ditemukan", "Unit ini tidak ada atau bukan kewenangan Anda.",
                          back_href="kotak-masuk", back_label="Ke kotak masuk", person=person, csrf=viewer.csrf)
    now = app.clock.now()
    root = root_of(request)
    period = _period(request.args, now, app.escalation.rules.calendar)
    if isinstance(period, Response):
        from shared.web.people_dashboard import period_problem
        return period_problem(request, app, action=f"unit/{unit_id}")
    report = build_report(_UnitFacts(app.report_source, unit_id), period, now, app.escalation)
    unit = app.catalog.unit(unit_id)
    query = period_query(report["period"])
    cases = app.repo.list_for_unit(unit_id=unit_id, status=None, category=None, due_before=None, page_size=200,
                                   page_token=None).cases
    groups = inbox_groups(cases, app.catalog, app.escalation, now)
    p, tz = report["period"], app.escalation.rules.calendar.tz
    body = [f"<p><a href='{root}dashboard{query}'>&larr; Dasbor kota</a></p>",
            f"<h1 id='unit-name'>{escape(unit.name)}</h1>",
            period_form(f"{root}unit/{unit_id}", p["from"].astimezone(tz).date(),
                        (p["to"] - timedelta(days=1)).astimezone(tz).date()),
            _cards(report["total"]), "<h2>Tren per minggu</h2>", trend_chart(report["trend"], p),
            "<h2>Kasus terlambat</h2>",
            overdue_table(report["overdue"], app.catalog, root, query,
                          titles_of(app, [r["id"] for r in report["overdue"]]), told_text(app)),
            "<h2>Kasus terbuka</h2>", _open_cases(groups, root),
            "<h2>Angka per kategori</h2>",
            figures_table(report["categories"], app.catalog.categories, "categories", "Kategori"),
            f"<p class='help downloads'>Unduh angka kota: <a href='{root}figures.csv{query}' download>figures.csv</a>"
            "</p>"]
    return html_response(page(f"{unit.name} - Dasbor Sigap", "".join(body), root, person, viewer.csrf))


def _open_cases(groups: list[tuple[str, str, list[Any]]], root: str) -> str:
    """The unit's open cases as cards (a phone has no room for a wide table), due first."""
    out = []
    for key, label, rows in groups:
        if not rows:
            continue
        items = "".join(f"<div class='unitrow'><div class='name'><a href='{root}kasus/{escape(r.id)}'>"
                        f"{escape(r.title)}</a></div><div class='pct'>{escape(r.id)} · {escape(r.status)}</div>"
                        f"<div class='pct {'bad' if key == 'late' else ''}'>{escape(r.late_text)} "
                        f"(batas {escape(r.deadline)})</div></div>" for r in rows)
        out.append(f"<h3>{escape(label)} ({len(rows)})</h3><div id='open-{key}'>{items}</div>")
    return "".join(out) or "<p>Tidak ada kasus terbuka.</p>"


ROUTER = Router([Route("/unit/{unit_id}", "GET", _unit_page, None,
                       params={"unit_id": Param(r"[a-z0-9-]{1,64}", "a unit id")})])


def handle(request: Request, app: Any, secret: str) -> Response:
    match = ROUTER.match(request)
    if match.route is None:
        return error_page(request, 404, "Halaman tidak ditemukan", "Halaman ini tidak ada.")
    return match.route.handler(request, app, secret, **match.values)


