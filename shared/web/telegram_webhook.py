"""HTTP face of the Telegram bot's webhook (function ``telegram_webhook``).

    POST /telegram_webhook/               an Update from Telegram (setWebhook with secret_token)
    GET  /telegram_webhook/openapi.json   this API's OpenAPI document (public)

Order of checks: the secret (``X-Telegram-Bot-Api-Secret-Token`` equal to
SIGAP_TELEGRAM_WEBHOOK_SECRET, compared in constant time: 401; not configured: 503),
the route (404, 405), the body (at most 64 KiB: 413; JSON with an integer ``update_id``:
400/422), then the update (shared/services/chat_actions.py). Every update that passes
those checks answers 200, whatever came of it: a non-2xx would make Telegram send it
again and again, and what the person needs to know is told in the chat.
"""
from __future__ import annotations

import hmac
from typing import Any

from flask import Request, Response
from pydantic import BaseModel, ConfigDict, Field

from shared.domain.people import People, build_people
from shared.services.chat_actions import ChatContext, handle_update
from shared.web import openapi
from shared.web.contract import HeaderParam, Operation, Reply, errors
from shared.web.errors import read_json
from shared.web.responses import error, json_response
from shared.web.routing import Route, Router, routing_error
from shared.web.security import TELEGRAM_SECRET

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 64 * 1024


class TelegramUpdate(BaseModel):
    """The part of Telegram's Update the bot reads; the rest is accepted and ignored."""
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [
        {"update_id": 10001, "callback_query": {"id": "cb-1", "from": {"id": 100000005}, "data": "ack:c-1",
                                                "message": {"message_id": 7, "chat": {"id": 100000005}}}}]})
    update_id: int = Field(ge=0)
    callback_query: dict[str, Any] | None = None
    message: dict[str, Any] | None = None


class UpdateHandled(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ok: bool
    outcome: str = Field(description="done, refused, prompted, unknown_chat, read_only or ignored")


def _update(request: Request, app: Any) -> Response:
    raw = request.get_data(cache=False)
    if len(raw) > MAX_BODY:
        return error(413, "body_too_large", f"at most {MAX_BODY} bytes")
    body = read_json(TelegramUpdate, raw or b"null")
    if isinstance(body, Response):
        return body
    found = getattr(app, "people", None)  # built once per instance (shared/wiring/people.py)
    people = found if isinstance(found, People) else build_people(app.escalation.contacts, app.catalog)
    outcome = handle_update(body.model_dump(by_alias=True), ChatContext(
        people=people, uow=app.uow, publisher=app.publisher, clock=app.clock, catalog=app.catalog,
        rules=app.escalation.rules, replies=app.chat_replies))
    return json_response({"ok": True, "outcome": outcome.kind})


def _spec(request: Request, app: Any) -> Response:
    return json_response(openapi.document("telegram_webhook", "Sigap Telegram bot webhook", ROUTER))


ROUTER = Router([
    Route("/", "POST", _update, Operation(
        "One update from Telegram: a button under a notification, or a reply to the bot", body=TelegramUpdate,
        security=((TELEGRAM_SECRET,),),
        headers=(HeaderParam(SECRET_HEADER, "the webhook's secret_token", required=True),),
        replies={200: Reply("the update was read (what came of it is told in the chat)", UpdateHandled),
                 **errors(400, 401, 413, 422),
                 503: Reply("the webhook secret is not configured (SIGAP_TELEGRAM_WEBHOOK_SECRET)")})),
    Route("/openapi.json", "GET", _spec, openapi.SPEC_OPERATION),
])


def refusal(request: Request, app: Any) -> Response | None:
    secret = app.settings.telegram_webhook_secret
    if not secret:
        return error(503, "not_configured", "the webhook secret is not configured", SECRET_HEADER)
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return error(401, "unauthorized", f"{SECRET_HEADER} is missing or wrong", SECRET_HEADER)
    return None


def handle(request: Request, app: Any) -> Response:
    match = ROUTER.match(request)
    if match.route is not None and match.route.handler is _spec:
        return match.call(request, app)
    refused = refusal(request, app)
    if refused is not None:
        return refused
    if match.route is None:
        return routing_error(match, "Telegram posts updates to /telegram_webhook/")
    return match.call(request, app)
