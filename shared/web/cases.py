"""HTTP face of the admin read API: ``GET /cases/{id}`` and ``GET /cases?unit=&status=``."""
from __future__ import annotations

import re
from typing import Any

from flask import Request, Response

from shared.domain.case import Case, CaseStatus, TimelineEntry
from shared.domain.catalog import Catalog
from shared.ports import InvalidPageToken
from shared.web.auth import admin_refusal
from shared.web.responses import error, json_response

_ONE = re.compile(r"^/([A-Za-z0-9._-]{1,128})/?$")
DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 50, 200


def handle(request: Request, app: Any) -> Response:
    refusal = admin_refusal(request, app)
    if refusal is not None:
        return refusal
    if request.method != "GET":
        return error(405, "method_not_allowed", "use GET", headers={"Allow": "GET"})
    if request.path in ("", "/"):
        return _list(request, app)
    match = _ONE.match(request.path)
    case = app.repo.get(match.group(1)) if match else None
    if case is None:
        return error(404, "case_not_found", "no case with this id", "id")
    return json_response(case_view(case, app.catalog, app.repo.timeline(case.id)))


def _list(request: Request, app: Any) -> Response:
    args = request.args
    unit = args.get("unit") or None
    if unit is not None and unit not in app.catalog.units:
        return error(422, "unknown_unit", f"unit '{unit}' is not a known unit id", "unit")
    try:
        status = CaseStatus(args["status"]) if args.get("status") else None
    except ValueError:
        allowed = ", ".join(s.value for s in CaseStatus)
        return error(422, "invalid_status", f"status must be one of {allowed}", "status")
    try:
        size = int(args.get("page_size", DEFAULT_PAGE_SIZE))
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise ValueError
    except ValueError:
        return error(422, "invalid_page_size", f"page_size must be 1..{MAX_PAGE_SIZE}", "page_size")
    try:
        page = app.repo.list(unit_id=unit, status=status, page_size=size, page_token=args.get("page_token"))
    except InvalidPageToken:
        return error(400, "invalid_page_token", "page_token is not one this API gave", "page_token")
    return json_response({"cases": [case_view(c, app.catalog) for c in page.cases],
                          "next_page_token": page.next_page_token})


def case_view(case: Case, catalog: Catalog, timeline: list[TimelineEntry] | None = None) -> dict[str, Any]:
    """The admin's view of a case. An anonymous reporter's identity is never in it."""
    unit = catalog.units.get(case.unit_id) if case.unit_id else None
    reporter = case.reporter
    view: dict[str, Any] = {
        "id": case.id,
        "status": case.status.value,
        "category": case.category,
        "unit": {"id": unit.id, "name": unit.name} if unit else None,
        "routing": case.routing,
        "created_at": case.created_at,
        "updated_at": case.updated_at,
        "source": case.source,
        "external_id": case.external_id,
        "title": case.title,
        "description": case.description,
        "secret": case.secret,
        "channel": case.channel,
        "location": case.location,
        "occurred_at": case.occurred_at,
        "attachments": list(case.attachments),
        "reporter": None if reporter is None else (
            {"anonymous": True} if reporter.anonymous else
            {"anonymous": False, "name": reporter.name, "phone": reporter.phone, "email": reporter.email}),
    }
    clock = case.clock
    view["deadline"] = None if clock is None else {
        "stage": clock.stage.value, "deadline_at": clock.deadline_at, "escalation_level": clock.level,
        "responded_at": clock.responded_at, "paused_at": clock.paused_at, "pause_reason": clock.pause_reason}
    view["lapor_tracking_id"] = case.lapor_tracking_id
    if timeline is not None:
        view["timeline"] = [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action,
                             "detail": dict(e.detail)} for e in timeline]
    return view
