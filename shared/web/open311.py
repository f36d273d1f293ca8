"""HTTP face of Open311 GeoReport v2 (function ``open311``): ``/open311/v2/...``.

Formats JSON and XML; errors as the spec says: a list of ``{code, description}``.
A request becomes a case through the same path as the intake webhook (routing included).
``GET /open311/openapi.json`` is this API's OpenAPI document.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from flask import Request, Response

from shared.domain.api_keys import key_digest
from shared.domain.case import Case
from shared.domain.integrations import open311
from shared.services.intake import receive_complaint
from shared.web import limits, openapi
from shared.web.cases import CASE_ID
from shared.web.contract import HeaderParam, Operation, Reply
from shared.web.errors import wire_values
from shared.web.open311_docs import ERRORS, SECURED, pair, with_services
from shared.web.open311_form import complaint_from_form
from shared.web.open311_format import Open311Error, answer, error_answer, not_allowed
from shared.web.open311_models import (
    CreatedRequests,
    Open311Errors,
    RequestForm,
    RequestsQuery,
    ServiceDefinition,
    ServiceRequests,
    Services,
)
from shared.web.responses import json_response
from shared.web.routing import Param, Route, Router
from shared.web.schemas import within_range

MAX_RESULTS, MAX_RANGE = 1000, timedelta(days=90)
_CASE_ID = re.compile(CASE_ID.pattern)


def services(request: Request, app: Any, fmt: str) -> Response:
    return answer(fmt, "services", open311.services(app.catalog))


def service(request: Request, app: Any, fmt: str, service_code: str) -> Response:
    definition = open311.service_definition(app.catalog, service_code)
    if definition is None:
        raise Open311Error(404, f"service_code '{service_code}' not found")
    return answer(fmt, "service_definition", definition)


def _refused(refusal: Response | None) -> None:
    """A 429 of shared/web/limits.py as the spec's error list."""
    if refusal is not None:
        raise Open311Error(429, "too many requests or failed api_keys; retry later",
                           headers={"Retry-After": refusal.headers.get("Retry-After", "60")})


def create(request: Request, app: Any, fmt: str) -> Response:
    values = request.values
    _refused(limits.locked_out(request, app))
    key = app.api_keys.find(key_digest(values.get("api_key", ""))) if values.get("api_key") else None
    if key is None or not key.allows("open311"):
        refusal = error_answer(fmt, Open311Error(403, "api_key is missing, unknown or revoked"))
        if not values.get("api_key"):
            return refusal
        failed = limits.failed(request, app, refusal)
        _refused(failed if failed.status_code == 429 else None)
        return refusal
    _refused(limits.per_minute(app, f"key:{key.key_id}", app.settings.limit_key_per_minute, "requests"))
    code = values.get("service_code", "")
    category = app.catalog.categories.get(code)
    if category is None:
        raise Open311Error(400 if not code else 404, f"service_code '{code}' is required and must be a known service")
    complaint = complaint_from_form(values, app.catalog, category, key.key_id, request.headers.get("Idempotency-Key"))
    receipt = receive_complaint(complaint, source="open311", delivery_id=None, uow=app.uow,
                                publisher=app.publisher, clock=app.clock)
    body = [{"service_request_id": receipt.case_id, "service_notice": "Laporan diterima dan diteruskan ke unit "
             "yang berwenang.", "account_id": None}]
    return answer(fmt, "service_requests", body, 201 if receipt.created else 200)


def _instant(text: str | None) -> datetime | None:
    try:
        instant = datetime.fromisoformat(text) if text else None
    except ValueError:
        raise Open311Error(400, "start_date and end_date must be W3C date-times, e.g. 2026-01-01T00:00:00Z") from None
    if instant is not None and instant.tzinfo is None:
        raise Open311Error(400, "start_date and end_date need a time zone, e.g. Z")
    try:
        return within_range(instant) if instant is not None else None
    except ValueError:
        raise Open311Error(400, "start_date and end_date must lie within the years 1970..2999") from None


def _dates(query: RequestsQuery, now: datetime) -> tuple[datetime, datetime]:
    start, end = _instant(query.start_date), _instant(query.end_date)
    try:
        end = end or ((start + MAX_RANGE) if start else now)
        start = start or end - MAX_RANGE
    except OverflowError:  # a date near the ends of the calendar
        raise Open311Error(400, "the date range must lie within the years 1..9999") from None
    if end < start or end - start > MAX_RANGE:
        raise Open311Error(400, "the date range must run forwards and span at most 90 days")
    return start, end


def requests(request: Request, app: Any, fmt: str, service_request_id: str | None = None) -> Response:
    query = RequestsQuery.model_validate(wire_values(RequestsQuery, request.args))
    ids = [service_request_id] if service_request_id else [
        i for i in (query.service_request_id or "").split(",") if i]
    if ids:  # an id that is not a case id's shape names no case
        cases = [c for c in (app.repo.get(i) for i in ids[:MAX_RESULTS] if _CASE_ID.fullmatch(i)) if c is not None]
        if service_request_id and not cases:
            raise Open311Error(404, f"service_request_id '{service_request_id}' not found")
    else:
        cases = _search(query, app)
    return answer(fmt, "service_requests", [open311.service_request(c, app.catalog) for c in cases])


def _search(query: RequestsQuery, app: Any) -> list[Case]:
    start, end = _dates(query, app.clock.now())
    wanted = {s for s in (query.status or "").split(",") if s}
    if wanted - {open311.OPEN, open311.CLOSED}:
        raise Open311Error(400, "status must be open, closed, or both comma-separated")
    statuses = None if len(wanted) != 1 else open311.statuses_for(wanted.pop())
    codes: list[str | None] = [c for c in (query.service_code or "").split(",") if c] or [None]
    unknown = [c for c in codes if c is not None and c not in app.catalog.categories]
    if unknown:
        raise Open311Error(404, f"service_code '{unknown[0]}' not found")
    found = [case for code in codes for case in app.repo.search(
        category=code, statuses=statuses, created_from=start, created_to=end, limit=MAX_RESULTS)]
    return sorted(found, key=lambda c: c.created_at, reverse=True)[:MAX_RESULTS]


def _spec(request: Request, app: Any) -> Response:
    document = openapi.document("open311", "Sigap Open311 GeoReport v2", ROUTER,
                                "GeoReport v2 (https://wiki.open311.org/GeoReport_v2): services and requests, "
                                "in JSON and XML; errors are a list of {code, description}.")
    return json_response(with_services(document, sorted(app.catalog.categories)))


_CODE = {"service_code": Param(r"[A-Za-z0-9._-]{1,128}", "a service_code of services.json")}
_REQUEST = {"service_request_id": Param(CASE_ID.pattern, "the service_request_id a POST answered")}
_IDEMPOTENCY = HeaderParam("Idempotency-Key", "a repeat with the same key answers 200 with the same request",
                           schema={"type": "string", "maxLength": 100, "pattern": "^[!-~]{1,100}$"})
ROUTER = Router([
    *pair("/v2/services", "GET", services, "Every service (category)", {200: ("the services", Services)}, ()),
    *pair("/v2/services/{service_code}", "GET", service, "A service's definition (its attributes)",
          {200: ("the definition", ServiceDefinition)}, (404,), params=_CODE),
    *pair("/v2/requests", "GET", requests, "Requests by ids, or by service, status and date range",
          {200: ("the requests, newest first, at most 1000", ServiceRequests)}, (400, 404), query=RequestsQuery),
    *pair("/v2/requests", "POST", create, "Submit a request: it becomes a case, routed like any complaint",
          {201: ("the new request", CreatedRequests), 200: ("a repeat (same Idempotency-Key)", CreatedRequests)},
          (400, 403, 404), body=RequestForm, body_media="application/x-www-form-urlencoded",
          headers=(_IDEMPOTENCY,), security=SECURED),
    *pair("/v2/requests/{service_request_id}", "GET", requests, "One request",
          {200: ("the request (a list of one)", ServiceRequests)}, (404,), params=_REQUEST),
    Route("/openapi.json", "GET", _spec, Operation(openapi.SPEC_OPERATION.summary, {
        **openapi.SPEC_OPERATION.replies, 405: Reply(ERRORS[405], Open311Errors, headers={"Allow": "GET, HEAD"})})),
])


def handle(request: Request, app: Any) -> Response:
    match = ROUTER.match(request)
    fmt = str(match.values.get("fmt", "xml" if request.path.rstrip("/").endswith(".xml") else "json"))
    try:
        _refused(limits.address_limited(request, app, "open311"))
        if match.route is None:
            raise not_allowed(match.allowed) if match.allowed else Open311Error(404, "no such Open311 endpoint")
        return match.call(request, app)
    except Open311Error as exc:
        return error_answer(fmt, exc)
