"""HTTP face of the unit API (function ``units``): a unit works its own cases.

    GET  /units/cases?status=&category=&due_before=&page_size=&page_token=   (admin: &unit=)
    GET  /units/cases/{id}
    POST /units/cases/{id}/{action}     Idempotency-Key header (required); body per action

Auth: a unit's API key (``X-Api-Key``, scope ``unit``) sees only its unit's cases, and
another unit's case is a 404; the admin token (``Authorization: Bearer``) and keys of
the coordinating unit (diskominfo) are the coordinator.
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Annotated, Any, Literal, Optional

from flask import Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from shared.domain.api_keys import key_digest
from shared.domain.case import CaseStatus
from shared.domain.unit_actions import ACTIONS, Actor
from shared.ports import InvalidPageToken
from shared.services.unit_actions import KEY_HEADER, MISSING_KEY, act_on_case, visible_to
from shared.web.auth import admin_refusal
from shared.web.cases import case_view
from shared.web.responses import error, json_response

_PATH = re.compile(r"^/cases(?:/([A-Za-z0-9._-]{1,128})(?:/([a-z_]{1,32}))?)?/?$")
Text = lambda lo, hi: Annotated[str, StringConstraints(strip_whitespace=True, min_length=lo, max_length=hi)]  # noqa: E731
Url = Annotated[str, StringConstraints(max_length=2048, pattern=r"^https?://\S+$")]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class NoteBody(_Body):
    note: Optional[Text(1, 1000)] = None


class FollowUpBody(_Body):
    text: Text(5, 5000)
    visibility: Literal["public", "internal"]  # stated every time: public reaches LAPOR!, internal stays in Sigap
    attachments: Annotated[list[Url], Field(max_length=10)] = []


class ReasonBody(_Body):
    reason: Text(5, 1000)


class RerouteBody(ReasonBody):
    suggested_unit: Optional[Text(1, 64)] = None


class ResolveBody(_Body):
    resolution: Text(10, 5000)
    evidence: Annotated[list[Url], Field(max_length=10)] = []


class ReassignBody(_Body):
    unit_id: Text(1, 64)
    reason: Optional[Text(1, 1000)] = None


class MergeBody(_Body):
    into: Text(1, 128)


class CategoryBody(_Body):
    category: Text(1, 64)


BODIES: dict[str, type[_Body]] = {
    "acknowledge": NoteBody, "follow_up": FollowUpBody, "request_reroute": RerouteBody, "wait_reporter": ReasonBody,
    "resume": NoteBody, "resolve": ResolveBody, "accept": NoteBody, "reject": ReasonBody, "reassign": ReassignBody,
    "merge": MergeBody, "reopen": ReasonBody, "change_category": CategoryBody,
}
assert set(BODIES) == set(ACTIONS)
_HINTS = {"visibility": ": 'public' (sent to LAPOR!) or 'internal' (stays in Sigap)"}  # for a missing field


def _actor(request: Request, app: Any) -> Actor | Response:
    given = request.headers.get("X-Api-Key")
    if given:
        key = app.api_keys.find(key_digest(given))
        if key is None or not key.allows("unit") or key.unit_id is None:
            return error(401, "unauthorized", "the API key is unknown, revoked or not a unit key", "X-Api-Key")
        return Actor(f"unit:{key.unit_id}:{key.key_id}", key.unit_id, key.unit_id == app.catalog.triage_unit)
    refusal = admin_refusal(request, app)
    return refusal if refusal is not None else Actor("admin", None, True)


def handle(request: Request, app: Any) -> Response:
    actor = _actor(request, app)
    if isinstance(actor, Response):
        return actor
    match = _PATH.match(request.path)
    if not match:
        return error(404, "not_found", "no such endpoint")
    case_id, action = match.groups()
    if case_id is None:
        return _list(request, app, actor) if request.method == "GET" else error(405, "method_not_allowed", "use GET")
    if action is None:
        if request.method != "GET":
            return error(405, "method_not_allowed", "use GET")
        case = app.repo.get(case_id)
        if not visible_to(case, actor):
            return error(404, "case_not_found", "no case with this id", "id")
        return json_response(case_view(case, app.catalog, app.repo.timeline(case.id)))
    if request.method != "POST":
        return error(405, "method_not_allowed", "use POST")
    if action not in ACTIONS:
        return error(404, "unknown_action", f"actions: {', '.join(sorted(ACTIONS))}", "action")
    return _act(request, app, actor, case_id, action)


def _act(request: Request, app: Any, actor: Actor, case_id: str, action: str) -> Response:
    key = request.headers.get(KEY_HEADER)
    if key is None or not key.strip():
        return error(422, MISSING_KEY.code, MISSING_KEY.message, MISSING_KEY.field)
    if len(key) > 255:
        return error(422, "invalid_header", "Idempotency-Key must be 1-255 characters", KEY_HEADER)
    raw = request.get_data() or b"{}"
    try:
        params = BODIES[action].model_validate_json(raw).model_dump()
    except ValidationError as exc:
        return _body_refusal(exc)
    fingerprint = hashlib.sha256(f"{case_id}\n{action}\n{json.dumps(params, sort_keys=True)}".encode()).hexdigest()
    answer = act_on_case(case_id, action, params, actor=actor, idempotency_key=key, fingerprint=fingerprint,
                         repo=app.repo, store=app.lapor_store, outbox=app.outbox, publisher=app.publisher,
                         clock=app.clock, catalog=app.catalog, rules=app.escalation.rules if app.escalation else None)
    return json_response(answer.body, answer.status)


def _body_refusal(exc: ValidationError) -> Response:
    """The first problem of a body, naming its field (400 when it is not a JSON object at all)."""
    first = exc.errors(include_url=False)[0]
    if first["type"] in ("json_invalid", "model_type"):
        return error(400, "malformed_json", "the body must be a JSON object")
    field = ".".join(str(p) for p in first["loc"]) or None
    if first["type"] == "missing":
        return error(422, "invalid_field", f"{field} is required{_HINTS.get(field or '', '')}", field)
    return error(422, "invalid_field", f"{field}: {first['msg']}", field)


def _list(request: Request, app: Any, actor: Actor) -> Response:
    args = request.args
    unit = actor.unit_id if actor.unit_id and not actor.coordinator else args.get("unit") or actor.unit_id
    if unit is None or unit not in app.catalog.units:
        return error(422, "unknown_unit", "unit must be a known unit id", "unit")
    try:
        status = CaseStatus(args["status"]) if args.get("status") else None
    except ValueError:
        return error(422, "invalid_status", "status must be a case status", "status")
    category = args.get("category") or None
    if category is not None and category not in app.catalog.categories:
        return error(422, "unknown_category", "category must be a known code", "category")
    try:
        due = datetime.fromisoformat(args["due_before"]) if args.get("due_before") else None
        if due is not None and due.tzinfo is None:
            raise ValueError
    except ValueError:
        return error(422, "invalid_field", "due_before must be an RFC 3339 date-time with a zone", "due_before")
    try:
        size = int(args.get("page_size", 50))
        if not 1 <= size <= 200:
            raise ValueError
    except ValueError:
        return error(422, "invalid_page_size", "page_size must be 1..200", "page_size")
    try:
        page = app.repo.list_for_unit(unit_id=unit, status=status, category=category, due_before=due,
                                      page_size=size, page_token=args.get("page_token"))
    except InvalidPageToken:
        return error(400, "invalid_page_token", "page_token is not one this API gave", "page_token")
    return json_response({"cases": [case_view(c, app.catalog) for c in page.cases],
                          "next_page_token": page.next_page_token})
