"""HTTP face of the unit API (function ``units``): a unit works its own cases.

    GET  /units/cases?status=&category=&due_before=&page_size=&page_token=   (admin: &unit=)
    GET  /units/cases/{id}
    POST /units/cases/{id}/{action}     Idempotency-Key header (required); body per action
    GET  /units/openapi.json            this API's OpenAPI document (public)

Auth: a unit's API key (``X-Api-Key``, scope ``unit``) sees only its unit's cases, and
another unit's case is a 404; the admin token (``Authorization: Bearer``) and keys of
the coordinating unit (diskominfo) are the coordinator. Order of checks: the caller
(401), the route (404, 405), the Idempotency-Key, the body, then the action itself.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Annotated, Any

from flask import Request, Response
from pydantic import BeforeValidator, Field

from shared.domain.unit_actions import Actor
from shared.services.unit_actions import KEY_HEADER, MISSING_KEY, act_on_case, sent_back_by, visible_to
from shared.web import openapi
from shared.web.auth import BEARER, UNIT_KEY, unit_actor
from shared.web.cases import CASE_ID, case_view
from shared.web.contract import HeaderParam, Operation, Reply, errors
from shared.web.errors import read_json, read_query
from shared.web.paging import CODES, StatusQuery, page_answer
from shared.web.refusals import http_status
from shared.web.replies import ActionDone, CasePage, CaseWithTimeline
from shared.web.responses import error, json_response
from shared.web.routing import Param, Route, Router, routing_error
from shared.web.schemas import Instant
from shared.web.unit_bodies import BODIES, HINTS, SUMMARIES

__all__ = ["BODIES", "ROUTER", "handle"]
CALLER = ((UNIT_KEY,), (BEARER,))


def _instant(value: Any) -> Any:
    return datetime.fromisoformat(value) if isinstance(value, str) else value


class UnitQuery(StatusQuery):
    category: Annotated[str | None, Field(max_length=64, description="a category code")] = None
    due_before: Annotated[Instant | None, BeforeValidator(_instant),
                          Field(description="RFC 3339 with a zone: cases due by then, soonest first")] = None


LIST_CODES = {**CODES, "status": ("invalid_status", "status must be a case status"),
              "due_before": ("invalid_field", "due_before must be an RFC 3339 date-time with a zone, "
                                            "in the years 1970..2999")}


def _list(request: Request, app: Any, actor: Actor) -> Response:
    query = read_query(UnitQuery, request.args, LIST_CODES)
    if isinstance(query, Response):
        return query
    unit = actor.unit_id if actor.unit_id and not actor.coordinator else query.unit or actor.unit_id
    if unit is None or unit not in app.catalog.units:
        return error(422, "unknown_unit", "unit must be a known unit id", "unit")
    if query.category is not None and query.category not in app.catalog.categories:
        return error(422, "unknown_category", "category must be a known code", "category")
    return page_answer(lambda: app.repo.list_for_unit(
        unit_id=unit, status=query.status, category=query.category, due_before=query.due_before,
        page_size=query.page_size, page_token=query.page_token), app.catalog, case_view)


def _one(request: Request, app: Any, actor: Actor, case_id: str) -> Response:
    case = app.repo.get(case_id)
    if case is None:
        return error(404, "case_not_found", "no case with this id", "id")
    timeline = app.repo.timeline(case.id)
    if not visible_to(case, actor) and not sent_back_by(timeline, actor.unit_id):
        return error(404, "case_not_found", "no case with this id", "id")
    return json_response(case_view(case, app.catalog, timeline))


def _unknown_action(request: Request, app: Any, actor: Actor, case_id: str, action: str) -> Response:
    return error(404, "unknown_action", f"actions: {', '.join(sorted(BODIES))}", "action")


def _act(request: Request, app: Any, actor: Actor, case_id: str, action: str) -> Response:
    key = request.headers.get(KEY_HEADER)
    if key is None or not key.strip():
        return error(422, MISSING_KEY.code, MISSING_KEY.message, MISSING_KEY.field)
    if len(key) > 255 or not key.isprintable():
        return error(422, "invalid_header", "Idempotency-Key must be 1-255 printable characters", KEY_HEADER)
    body = read_json(BODIES[action], request.get_data() or b"{}", hints=HINTS)
    if isinstance(body, Response):
        return body
    params = body.model_dump()
    fingerprint = hashlib.sha256(f"{case_id}\n{action}\n{json.dumps(params, sort_keys=True)}".encode()).hexdigest()
    answer = act_on_case(case_id, action, params, actor=actor, idempotency_key=key, fingerprint=fingerprint,
                         uow=app.uow, publisher=app.publisher, clock=app.clock, catalog=app.catalog,
                         rules=app.escalation.rules if app.escalation else None,
                         corrections=getattr(app, "routing_learning", None))  # issue 12: routing learns
    return json_response(answer.body, http_status(answer.refused))


def _spec(request: Request, app: Any) -> Response:
    return json_response(openapi.document("units", "Sigap unit API", ROUTER))


IDEMPOTENCY = HeaderParam(KEY_HEADER, "required: a retry with the same key and body gets the recorded answer, "
                          "never a second change; the same key with another body is 422", required=True,
                          schema={"type": "string", "minLength": 1, "maxLength": 255,
                                  "pattern": "^[!-~]([ -~]*[!-~])?$"})
ACTION_REPLIES = {200: Reply("the action made (or the recorded answer of a retry)", ActionDone),
                  **errors(400, 401, 403, 404, 409, 422)}
_ID = {"case_id": CASE_ID}
ROUTER = Router([
    Route("/cases", "GET", _list, Operation(
        "The caller's cases (the coordinator: any unit's, with unit=)", query=UnitQuery, security=CALLER,
        replies={200: Reply("one page of cases", CasePage), **errors(400, 401, 422)})),
    Route("/cases/{case_id}", "GET", _one, Operation(
        "One case with its timeline (another unit's case is 404; one the unit sent back it still reads, "
        "with the unit it is with now)", security=CALLER,
        replies={200: Reply("the case", CaseWithTimeline), **errors(401, 404)}), params=_ID),
    *(Route(f"/cases/{{case_id}}/{action}", "POST", _act, Operation(
        SUMMARIES[action], body=model, headers=(IDEMPOTENCY,), security=CALLER, body_required=False,
        replies=ACTION_REPLIES), params=_ID, defaults={"action": action}) for action, model in BODIES.items()),
    Route("/cases/{case_id}/{action}", "POST", _unknown_action, None,
          params={**_ID, "action": Param(r"[a-z_]{1,32}", "an action")}),
    Route("/openapi.json", "GET", _spec, openapi.SPEC_OPERATION),
])


def handle(request: Request, app: Any) -> Response:
    match = ROUTER.match(request)
    if match.route is not None and match.route.handler is _spec:
        return match.call(request, app)
    actor = unit_actor(request, app)
    if isinstance(actor, Response):
        return actor
    if match.route is None:
        return routing_error(match, "use /units/cases, /units/cases/{id} or POST /units/cases/{id}/{action}")
    return match.route.handler(request, app, actor, **match.values)
