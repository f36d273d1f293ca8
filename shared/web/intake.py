"""HTTP face of the intake webhook: ``POST /intake/sources/{source}/complaints``.

Order of checks: route, source, size, media type, signature on the raw bytes,
then parsing and validation; only a fully valid call reaches the service.
"""
from __future__ import annotations

import re
from typing import Any

from flask import Request, Response
from pydantic import ValidationError

from shared import logs
from shared.web.schemas import ComplaintIn
from shared.services.intake import receive_complaint
from shared.web.responses import error, json_response
from shared.domain.integrations.signature import signature_valid

MAX_DELIVERY_ID = 256
_PATH = re.compile(r"^/sources/([a-z0-9][a-z0-9_-]{0,63})/complaints/?$")


def _field(loc: tuple[Any, ...]) -> str | None:
    return ".".join(str(part) for part in loc) or None


def _read_body(request: Request, limit: int) -> bytes | None:
    if request.content_length is not None and request.content_length > limit:
        return None
    body = request.stream.read(limit + 1)
    return None if len(body) > limit else body


def handle(request: Request, app: Any) -> Response:
    match = _PATH.match(request.path)
    if not match:
        return error(404, "not_found", "no such endpoint; use POST /intake/sources/{source}/complaints")
    if request.method != "POST":
        return error(405, "method_not_allowed", "use POST", headers={"Allow": "POST"})
    source = match.group(1)
    secret = app.settings.intake_secrets.get(source)
    if secret is None:
        return error(404, "unknown_source", f"source '{source}' is not registered", "source")
    body = _read_body(request, app.settings.max_body_bytes)
    if body is None:
        return error(413, "body_too_large", f"the body exceeds {app.settings.max_body_bytes} bytes")
    if request.mimetype != "application/json":
        return error(415, "unsupported_media_type", "send Content-Type: application/json", "Content-Type")
    if not signature_valid(secret, body, request.headers):
        logs.warning("intake signature refused", source=source)
        return error(401, "invalid_signature",
                     "missing, malformed, stale or wrong webhook-id/webhook-timestamp/webhook-signature")
    delivery_id = request.headers["webhook-id"]
    if len(delivery_id) > MAX_DELIVERY_ID:
        return error(422, "invalid_header", f"webhook-id is longer than {MAX_DELIVERY_ID} characters", "webhook-id")
    try:
        complaint = ComplaintIn.model_validate_json(body)
    except ValidationError as exc:
        return _validation_error(exc)
    if complaint.category and complaint.category not in app.catalog.categories:
        return error(422, "unknown_category", f"category '{complaint.category}' is not a known code", "category")
    receipt = receive_complaint(complaint, source=source, delivery_id=delivery_id,
                                repo=app.repo, outbox=app.outbox, publisher=app.publisher, clock=app.clock)
    return json_response({"id": receipt.case_id, "status": receipt.status.value},
                         201 if receipt.created else 200)


def _validation_error(exc: ValidationError) -> Response:
    first = exc.errors(include_url=False)[0]
    if first["type"] == "json_invalid":
        return error(400, "malformed_json", "the body is not valid JSON")
    if first["type"] == "model_type" and not first["loc"]:
        return error(400, "malformed_json", "the body must be a JSON object")
    field = _field(first["loc"])
    return error(422, "invalid_field", f"{field}: {first['msg']}", field)
