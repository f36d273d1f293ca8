"""HTTP face of the outbound webhook admin API (function ``webhooks``), admin token only.

    POST   /webhooks/subscriptions                  {url, event_types, description}
    GET    /webhooks/subscriptions[/{id}]
    DELETE /webhooks/subscriptions/{id}             deactivate
    GET    /webhooks/subscriptions/{id}/deliveries?status=parked|pending|delivered
    POST   /webhooks/subscriptions/{id}/redrive     parked deliveries back in line
    GET    /webhooks/openapi.json                   this API's OpenAPI document (public)

Order of checks: the admin token (401), the route (404, 405), the subscription (404).
"""
from __future__ import annotations

import base64
import secrets
from typing import Any

from flask import Request, Response

from shared.domain.integrations.url_safety import UnsafeUrl
from shared.domain.integrations.webhooks import Subscription
from shared.services.webhooks import DELIVER_TOPIC, redrive
from shared.web import openapi
from shared.web.auth import BEARER, admin_refusal
from shared.web.contract import Operation, Reply, errors
from shared.web.errors import read_json, read_query
from shared.web.responses import error, json_response
from shared.web.routing import Param, Route, Router, serve_admin_only
from shared.web.webhook_models import (
    CODES,
    DeliveriesQuery,
    DeliveryList,
    Redriven,
    SubscriptionCreated,
    SubscriptionIn,
    SubscriptionList,
    SubscriptionOut,
)


def _view(sub: Subscription, secret: bool = False) -> dict[str, Any]:
    view = {"id": sub.id, "url": sub.url, "event_types": list(sub.event_types), "description": sub.description,
            "active": sub.active, "flagged_at": sub.flagged_at, "created_at": sub.created_at}
    return {**view, "secret": sub.secret} if secret else view


def _list(request: Request, app: Any) -> Response:
    return json_response({"subscriptions": [_view(s) for s in app.webhook_store.subscriptions()]})


def _create(request: Request, app: Any) -> Response:
    if not request.is_json:
        return error(400, "malformed_json", "the body must be a JSON object")
    body = read_json(SubscriptionIn, request.get_data(), codes=CODES)
    if isinstance(body, Response):
        return body
    try:
        app.webhook_sender.check(body.url)
    except UnsafeUrl as exc:
        return error(422, "unsafe_url", f"url refused: {exc}", "url")
    except UnicodeError:  # a host name IDNA cannot encode (a label over 63 characters): it resolves to nothing
        return error(422, "unsafe_url", "url refused: the host name is not a valid DNS name", "url")
    sub = Subscription(id=f"sub_{secrets.token_hex(8)}", url=body.url,
                       event_types=tuple(dict.fromkeys(body.event_types)),
                       secret="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
                       created_at=app.clock.now(), description=body.description)
    app.webhook_store.add_subscription(sub)
    return json_response(_view(sub, secret=True), 201)


def _found(app: Any, sub_id: str) -> Subscription | Response:
    sub = app.webhook_store.get_subscription(sub_id)
    return sub if sub is not None else error(404, "subscription_not_found", "no subscription with this id", "id")


def _one(request: Request, app: Any, sub_id: str) -> Response:
    sub = _found(app, sub_id)
    return sub if isinstance(sub, Response) else json_response(_view(sub))


def _deactivate(request: Request, app: Any, sub_id: str) -> Response:
    sub = _found(app, sub_id)
    if isinstance(sub, Response):
        return sub
    app.webhook_store.set_subscription_state(sub_id, active=False)
    return Response(status=204)


def _deliveries(request: Request, app: Any, sub_id: str) -> Response:
    sub = _found(app, sub_id)
    if isinstance(sub, Response):
        return sub
    query = read_query(DeliveriesQuery, request.args, CODES)
    if isinstance(query, Response):
        return query
    rows = app.webhook_store.deliveries_of(sub_id, query.status)
    return json_response({"deliveries": [
        {"id": d.id, "event_id": d.event_id, "event_type": d.event_type, "status": d.status.value,
         "attempts": d.attempts, "last_status": d.last_status, "last_error": d.last_error,
         "next_attempt_at": d.next_attempt_at, "delivered_at": d.delivered_at} for d in rows]})


def _redrive(request: Request, app: Any, sub_id: str) -> Response:
    sub = _found(app, sub_id)
    if isinstance(sub, Response):
        return sub
    count = redrive(sub_id, store=app.webhook_store, clock=app.clock)
    app.publisher.publish_signal(DELIVER_TOPIC, {"subscription_id": sub_id})
    return json_response({"redriven": count})


def _spec(request: Request, app: Any) -> Response:
    return json_response(openapi.document("webhooks", "Sigap outbound webhook admin API", ROUTER))


def _admin(summary: str, replies: dict[int, Reply], **more: Any) -> Operation:
    return Operation(summary, security=((BEARER,),), replies={**replies, **errors(401, 404)}, **more)


_ID = {"sub_id": Param(r"[a-z0-9_]{1,64}", "the subscription id")}
_SUB = "/subscriptions/{sub_id}"
ROUTER = Router([
    Route("/subscriptions", "GET", _list, _admin("Every subscription", {200: Reply("them", SubscriptionList)})),
    Route("/subscriptions", "POST", _create, _admin(
        "Subscribe a URL to event types; the answer shows the signing secret, once", body=SubscriptionIn,
        replies={201: Reply("the subscription with its secret", SubscriptionCreated), **errors(400, 422)})),
    Route(_SUB, "GET", _one, _admin("One subscription", {200: Reply("it", SubscriptionOut)}), params=_ID),
    Route(_SUB, "DELETE", _deactivate, _admin("Deactivate a subscription", {204: Reply("done", None)}), params=_ID),
    Route(f"{_SUB}/deliveries", "GET", _deliveries, _admin(
        "A subscription's deliveries in one status", query=DeliveriesQuery,
        replies={200: Reply("them", DeliveryList), **errors(422)}), params=_ID),
    Route(f"{_SUB}/redrive", "POST", _redrive, _admin(
        "Parked deliveries back in line", {200: Reply("how many", Redriven)}), params=_ID),
    Route("/openapi.json", "GET", _spec, openapi.SPEC_OPERATION),
])


def handle(request: Request, app: Any) -> Response:
    return serve_admin_only(ROUTER, request, app, "use /webhooks/subscriptions[/{id}]", admin_refusal)
