"""HTTP face of the admin read API (function ``cases``), admin token only:

    GET /cases?unit=&status=&page_size=&page_token=     newest first, page by page
    GET /cases/{id}                                     one case with its timeline
    GET /cases/openapi.json                             this API's OpenAPI document (public)
    GET /cases/routing-model                            what routing learned from corrections (issue 12)
    DELETE /cases/routing-model                         forget it: every correction and the model

Order of checks: the admin token (401, whatever the path), the route (404, 405), the
filters (422, 400 for a page token this API did not give).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Request, Response
from pydantic import BaseModel, Field

from shared.domain.case import Case, CaseStatus, TimelineEntry
from shared.domain.catalog import Catalog
from shared.web import openapi
from shared.web.auth import BEARER, admin_refusal
from shared.web.contract import Operation, Reply, errors
from shared.web.errors import read_query
from shared.web.paging import CODES, StatusQuery, page_answer
from shared.web.replies import CasePage, CaseWithTimeline
from shared.web.responses import error, json_response
from shared.web.routing import Param, Route, Router, serve_admin_only
from shared.web.schemas import CASE_ID_PATTERN

CASE_ID = Param(CASE_ID_PATTERN, "the case id")
STATUS_CODES = {**CODES, "status": ("invalid_status", "status must be one of "
                                    + ", ".join(s.value for s in CaseStatus))}


def _list(request: Request, app: Any) -> Response:
    query = read_query(StatusQuery, request.args, STATUS_CODES)
    if isinstance(query, Response):
        return query
    if query.unit is not None and query.unit not in app.catalog.units:
        return error(422, "unknown_unit", f"unit '{query.unit}' is not a known unit id", "unit")
    return page_answer(lambda: app.repo.list(unit_id=query.unit, status=query.status, page_size=query.page_size,
                                             page_token=query.page_token), app.catalog, case_view)


def _one(request: Request, app: Any, case_id: str) -> Response:
    case = app.repo.get(case_id)
    if case is None:
        return error(404, "case_not_found", "no case with this id", "id")
    return json_response(case_view(case, app.catalog, app.repo.timeline(case.id)))


class CategoryLearned(BaseModel):
    corrections: int = Field(description="corrections that taught this category")
    eligible: bool = Field(description="whether the model may propose it (at least min_examples corrections)")


class RoutingModelOut(BaseModel):
    """What routing learned from coordinators' corrections: counts only, never a complaint's words."""
    learned: bool = Field(description="false before the first fit (job learn_routing) or after a reset")
    examples: int | None = Field(None, description="corrections the model was fitted on")
    fitted_at: datetime | None = None
    min_examples: int | None = Field(None, description="corrections a category needs before the model proposes it")
    categories: dict[str, CategoryLearned] | None = None
    corrections_removed: int | None = Field(None, description="after DELETE: corrections forgotten")


def _routing_model(request: Request, app: Any) -> Response:
    from shared.services.routing_learning import model_view
    return json_response(model_view(app.routing_learning))


def _reset_routing_model(request: Request, app: Any) -> Response:
    from shared.services.routing_learning import reset
    return json_response(reset(app.routing_learning))


def _spec(request: Request, app: Any) -> Response:
    return json_response(openapi.document("cases", "Sigap admin read API", ROUTER))


ROUTER = Router([
    Route("/", "GET", _list, Operation(
        "List cases by unit and status, newest first, page by page", query=StatusQuery, security=((BEARER,),),
        replies={200: Reply("one page of cases", CasePage), **errors(400, 401, 422)})),
    Route("/openapi.json", "GET", _spec, openapi.SPEC_OPERATION),
    Route("/routing-model", "GET", _routing_model, Operation(
        "What routing learned from coordinators' reassignments and category changes (counts only)",
        security=((BEARER,),), replies={200: Reply("the learned model's summary", RoutingModelOut), **errors(401)})),
    Route("/routing-model", "DELETE", _reset_routing_model, Operation(
        "Forget what routing learned: every stored correction and the model; routing uses the rules alone",
        security=((BEARER,),), replies={200: Reply("what was forgotten", RoutingModelOut), **errors(401)})),
    Route("/{case_id}", "GET", _one, Operation(
        "One case with its timeline; an anonymous reporter's identity is never in it", security=((BEARER,),),
        replies={200: Reply("the case", CaseWithTimeline), **errors(401, 404)}), params={"case_id": CASE_ID}),
])


def handle(request: Request, app: Any) -> Response:
    return serve_admin_only(ROUTER, request, app, "use GET /cases or /cases/{id}", admin_refusal)


def case_view(case: Case, catalog: Catalog, timeline: list[TimelineEntry] | None = None) -> dict[str, Any]:
    """The admin's view of a case (``replies.CaseOut``). An anonymous reporter's identity is never in it."""
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
