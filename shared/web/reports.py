"""HTTP face of the reports (admin token): ``GET /reports/figures.json``, ``/figures.csv``
and ``/dashboard`` (HTML in Bahasa Indonesia), each with ``?from=YYYY-MM-DD&to=YYYY-MM-DD``
(local dates, WIB; ``to`` inclusive; default the last 28 days)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Request, Response

from shared import logs
from shared.domain.reports.figures import Period, figures_csv
from shared.services.reports import build_report
from shared.web import dashboard_session
from shared.web.auth import admin_refusal
from shared.web.reports_dashboard import render_dashboard
from shared.web.responses import error, json_response

DEFAULT_DAYS, MAX_DAYS = 28, 366


def handle(request: Request, app: Any) -> Response:
    path = request.path.rstrip("/")
    token, now = app.settings.require_admin_token(), app.clock.now()
    if path == "/login" and request.method == "POST":
        return dashboard_session.login(request, token, now, secure=request.is_secure)
    browser = path == "/dashboard" and dashboard_session.session_valid(
        request.cookies.get(dashboard_session.COOKIE), token, now)
    refusal = None if browser else admin_refusal(request, app)
    if refusal is not None:
        return dashboard_session.login_form() if path == "/dashboard" else refusal
    if request.method != "GET":
        return error(405, "method_not_allowed", "use GET", headers={"Allow": "GET"})
    if path not in ("/figures.json", "/figures.csv", "/dashboard"):
        return error(404, "not_found", "use /figures.json, /figures.csv or /dashboard")
    period = _period(request.args, now, app.escalation.rules.calendar)
    if isinstance(period, Response):
        return period
    report = build_report(app.report_source, period, now, app.escalation)
    logs.info("report built", path=path, received=report["total"]["received"])
    if path == "/figures.csv":
        return Response(figures_csv(report), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=sigap-figures.csv"})
    if path == "/dashboard":
        return Response(render_dashboard(report, app.catalog), mimetype="text/html")
    return json_response(report)


def _period(args: Any, now: datetime, calendar: Any) -> Period | Response:
    try:
        end = date.fromisoformat(args["to"]) if args.get("to") else calendar.local_date(now)
        start = date.fromisoformat(args["from"]) if args.get("from") else end - timedelta(days=DEFAULT_DAYS - 1)
    except ValueError:
        return error(422, "invalid_field", "from and to are dates YYYY-MM-DD", "from")
    if start > end or (end - start).days >= MAX_DAYS:
        return error(422, "invalid_field", f"from must not be after to, at most {MAX_DAYS} days", "from")
    begin = datetime.combine(start, time(0), calendar.tz)
    return Period(begin, datetime.combine(end + timedelta(days=1), time(0), calendar.tz))
