"""HTTP face of the reports (admin token): ``GET /reports/figures.json``, ``/figures.csv``
and ``/dashboard`` (HTML in Bahasa Indonesia), each with ``?from=YYYY-MM-DD&to=YYYY-MM-DD``
(local dates, WIB; ``to`` inclusive; default the last 28 days). ``POST /reports/login``
opens a browser session for the dashboard; ``GET /reports/openapi.json`` is the document.

Order of checks: the people's pages (``/masuk``, ``/kasus/{id}``, ``/kotak-masuk``, ``/unit/{id}``,
``/keluar``: shared/web/people_pages.py, their own checks), the login form, the admin token or a
browser session (the admin token's cookie, or a coordinator's or head's person session: the
dashboard and the CSV and JSON downloads; without any the dashboard answers its sign-in
page), the route (404, 405), the period (the dashboard: a page in Bahasa Indonesia)."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from flask import Request, Response

from shared import logs
from shared.domain.clock.calendar import WorkingCalendar
from shared.domain.reports.figures import Period
from shared.services.reports import build_aggregate_report, build_report
from shared.web import dashboard_session, limits, openapi, people_dashboard, people_pages, reports_recurring
from shared.web.auth import BEARER, SESSION, admin_refusal
from shared.web.contract import Operation, Reply, errors
from shared.web.errors import read_query, wire_values
from shared.web.figures_csv import figures_csv
from shared.web.report_models import LoginForm, PeriodQuery, Report
from shared.web.responses import error, json_response
from shared.web.routing import Route, Router, routing_error

DEFAULT_DAYS, MAX_DAYS = 28, 366
_DATES = ("invalid_field", "from and to are dates YYYY-MM-DD")
_WRONG_RANGE = f"from must not be after to, at most {MAX_DAYS} days"


def _report(request: Request, app: Any) -> dict[str, Any] | Response:
    now = app.clock.now()
    period = _period(request.args, now, app.escalation.rules.calendar)
    if isinstance(period, Response):
        return period
    aggregates = None if request.args.get("exact") == "1" else getattr(app, "aggregate_store", None)
    fast = aggregates is not None and aggregates.ready()  # issue 15: the aggregates; ?exact=1 rescans (audits)
    report = build_aggregate_report(aggregates, period, now, app.escalation) if aggregates is not None and fast \
        else build_report(app.report_source, period, now, app.escalation)
    logs.info("report built", path=request.path.rstrip("/"), received=report["total"]["received"],
              source="aggregates" if fast else "rescan")
    return report


def _json(request: Request, app: Any) -> Response:
    report = _report(request, app)
    return report if isinstance(report, Response) else json_response(report)


def _csv(request: Request, app: Any) -> Response:
    report = _report(request, app)
    return report if isinstance(report, Response) else Response(
        figures_csv(report), mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=sigap-figures.csv"})


def _dashboard(request: Request, app: Any) -> Response:
    report = _report(request, app)
    if isinstance(report, Response):  # a period it cannot show: a page in Bahasa Indonesia, not JSON
        return people_dashboard.period_problem(request, app) if report.status_code == 422 else report
    return people_dashboard.dashboard_page(request, app, report)


def _login(request: Request, app: Any) -> Response:
    locked = limits.locked_out(request, app)  # issue 14: a lockout after repeated wrong tokens
    if locked is not None:
        return _login_locked(locked)
    form = LoginForm.model_validate(wire_values(LoginForm, request.form))
    answer = dashboard_session.login(form.token, app.settings.require_admin_token(), app.clock.now(),
                                     secure=request.is_secure)
    if answer.status_code == 303:
        limits.succeeded(request, app)
        return answer
    refused = limits.failed(request, app, answer)
    return _login_locked(refused) if refused.status_code == 429 else answer


def _login_locked(refusal: Response) -> Response:
    form = dashboard_session.login_form(failed=True, status=429)
    form.headers["Retry-After"] = refusal.headers["Retry-After"]
    return form


def _period(args: Any, now: datetime, calendar: WorkingCalendar) -> Period | Response:
    query = read_query(PeriodQuery, args, {"from": _DATES, "to": _DATES})
    if isinstance(query, Response):
        return query
    try:
        end = query.end or calendar.local_date(now)
        start = query.start or end - timedelta(days=DEFAULT_DAYS - 1)
        if start > end or (end - start).days >= MAX_DAYS:
            raise ValueError(_WRONG_RANGE)
        return Period(datetime.combine(start, time(0), calendar.tz),
                      datetime.combine(end + timedelta(days=1), time(0), calendar.tz))
    except (ValueError, OverflowError):  # OverflowError: a date at the ends of the calendar
        return error(422, "invalid_field", _WRONG_RANGE, "from")


def _spec(request: Request, app: Any) -> Response:
    return json_response(openapi.document("reports", "Sigap reports", ROUTER))


_TEXT = {"type": "string"}
_HTML = {"type": "string", "contentMediaType": "text/html"}
_ADMIN = ((BEARER,), (SESSION,))  # the downloads open with the dashboard's browser session too
_FIGURES = {**errors(401, 422)}
ROUTER = Router([
    Route("/figures.json", "GET", _json, Operation(
        "The figures of a period per unit and per category, with trend, top problems, overdue cases and clusters",
        query=PeriodQuery, security=_ADMIN, replies={200: Reply("the report", Report), **_FIGURES})),
    Route("/figures.csv", "GET", _csv, Operation(
        "The figures as CSV: a total row, then one row per unit and per category", query=PeriodQuery,
        security=_ADMIN, replies={200: Reply("CSV", None, media="text/csv", schema=_TEXT,
                                             headers={"Content-Disposition": "attachment; filename=..."}),
                                  **_FIGURES})),
    Route("/dashboard", "GET", _dashboard, Operation(
        "The dashboard: one self-contained HTML page in Bahasa Indonesia", query=PeriodQuery,
        security=((BEARER,), (SESSION,)),
        replies={200: Reply("the page", None, media="text/html", schema=_HTML),
                 401: Reply("the login form", None, media="text/html", schema=_HTML),
                 **errors(422),
                 422: Reply("the period is not valid: a page saying so", None, media="text/html", schema=_HTML)})),
    Route("/login", "POST", _login, Operation(
        "Sign a browser in for the working day: an HttpOnly session cookie, never the token",
        body=LoginForm, body_media="application/x-www-form-urlencoded",
        replies={303: Reply("signed in: to the dashboard", None, headers={"Location": "dashboard",
                                                                          "Set-Cookie": "the session"}),
                 401: Reply("the token does not match: the form again", None, media="text/html", schema=_HTML),
                 **errors(),
                 429: Reply("too many wrong tokens from this address: the form again", None, media="text/html",
                            schema=_HTML, headers={"Retry-After": "seconds until the lockout ends"})})),
    Route("/dashboard/berulang", "GET", reports_recurring.handle, reports_recurring.OPERATION),  # issue 15
    Route("/openapi.json", "GET", _spec, openapi.SPEC_OPERATION),
])


def handle(request: Request, app: Any) -> Response:
    if people_pages.handles(request.path):  # sign-in, case page, inbox, drill-down (docs/people.md)
        return people_pages.handle(request, app)
    match = ROUTER.match(request)
    if match.route is not None and match.route.handler in (_spec, _login):
        return match.call(request, app)
    dashboard = request.path.rstrip("/") == "/dashboard"
    # a browser session (the admin token's, or a coordinator's or head's) opens the dashboard and its downloads
    browser = match.route is not None and people_dashboard.browser_of(request, app) is not None
    refusal = None if browser else admin_refusal(request, app)
    if refusal is not None:
        return people_dashboard.sign_in_choice(request, app) if dashboard else refusal
    return match.call(request, app) if match.route else routing_error(
        match, "use /reports/figures.json, /reports/figures.csv or /reports/dashboard")
