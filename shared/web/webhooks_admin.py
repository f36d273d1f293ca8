"""HTTP face of the outbound webhook admin API (function ``webhooks``), admin token only.

    POST   /webhooks/subscriptions                  {url, event_types, description}
    GET    /webhooks/subscriptions[/{id}]
    DELETE /webhooks/subscriptions/{id}             deactivate
    GET    /webhooks/subscriptions/{id}/deliveries?status=parked|pending|delivered
    POST   /webhooks/subscriptions/{id}/redrive     parked deliveries back in line
"""
from __future__ import annotations

import base64
import re
import secrets
from typing import Any

from flask import Request, Response

from shared.domain.events import TOPICS
from shared.domain.integrations.url_safety import UnsafeUrl
from shared.domain.integrations.webhooks import DeliveryStatus, Subscription
from shared.services.webhooks import DELIVER_TOPIC, redrive
from shared.web.auth import admin_refusal
from shared.web.responses import error, json_response

_PATH = re.compile(r"^/subscriptions(?:/([a-z0-9_]{1,64})(?:/(deliveries|redrive))?)?/?$")


def _view(sub: Subscription, secret: bool = False) -> dict[str, Any]:
    view = {"id": sub.id, "url": sub.url, "event_types": list(sub.event_types), "description": sub.description,
            "active": sub.active, "flagged_at": sub.flagged_at, "created_at": sub.created_at}
    return {**view, "secret": sub.secret} if secret else view


def handle(request: Request, app: Any) -> Response:
    refusal = admin_refusal(request, app)
    if refusal is not None:
        return refusal
    match = _PATH.match(request.path)
    if not match:
        return error(404, "not_found", "no such endpoint")
    sub_id, action = match.groups()
    store = app.webhook_store
    if sub_id is None:
        if request.method == "POST":
            return _create(request, app)
        return json_response({"subscriptions": [_view(s) for s in store.subscriptions()]})
    sub = store.get_subscription(sub_id)
    if sub is None:
        return error(404, "subscription_not_found", "no subscription with this id", "id")
    if action == "redrive" and request.method == "POST":
        count = redrive(sub_id, store=store, clock=app.clock)
        app.publisher.publish_signal(DELIVER_TOPIC, {"subscription_id": sub_id})
        return json_response({"redriven": count})
    if action == "deliveries":
        try:
            status = DeliveryStatus(request.args.get("status", "parked"))
        except ValueError:
            return error(422, "invalid_status", "status must be pending, delivered or parked", "status")
        rows = store.deliveries_of(sub_id, status)
        return json_response({"deliveries": [
            {"id": d.id, "event_id": d.event_id, "event_type": d.event_type, "status": d.status.value,
             "attempts": d.attempts, "last_status": d.last_status, "last_error": d.last_error,
             "next_attempt_at": d.next_attempt_at, "delivered_at": d.delivered_at} for d in rows]})
    if action is None and request.method == "DELETE":
        store.set_subscription_state(sub_id, active=False)
        return Response(status=204)
    if action is None and request.method == "GET":
        return json_response(_view(sub))
    return error(405, "method_not_allowed", "method not allowed here")


def _create(request: Request, app: Any) -> Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "malformed_json", "the body must be a JSON object")
    url, types = body.get("url"), body.get("event_types")
    if not isinstance(url, str) or len(url) > 2048:
        return error(422, "invalid_field", "url must be a string of at most 2048 characters", "url")
    known = set(TOPICS) | {"*"}
    if not isinstance(types, list) or not types or not all(isinstance(t, str) and t in known for t in types):
        return error(422, "invalid_field", f"event_types must be a non-empty list of {sorted(known)}", "event_types")
    description = body.get("description", "")
    if not isinstance(description, str) or len(description) > 500:
        return error(422, "invalid_field", "description must be a string of at most 500 characters", "description")
    try:
        app.webhook_sender.check(url)
    except UnsafeUrl as exc:
        return error(422, "unsafe_url", f"url refused: {exc}", "url")
    sub = Subscription(id=f"sub_{secrets.token_hex(8)}", url=url, event_types=tuple(dict.fromkeys(types)),
                       secret="whsec_" + base64.b64encode(secrets.token_bytes(32)).decode(),
                       created_at=app.clock.now(), description=description)
    app.webhook_store.add_subscription(sub)
    return json_response(_view(sub, secret=True), 201)
