"""HTTP face of the intake webhook: ``POST /intake/sources/{source}/complaints``.

Order of checks: the caller's address (locked out after repeated failures, or over its
rate: 429), route, source, size, media type, signature on the raw bytes, the source's
rate (429), then decoding (invalid UTF-8 or JSON nested too deep: 400 ``malformed_json``)
and validation; only a fully valid call reaches the service. The signature is checked
on the raw bytes before they are decoded at all, so an unsigned body is 401 whatever it
holds, and a signed one that is not UTF-8 is 400. An unknown source stays 404
(integrators need it) and a bad signature 401, but both count as failures of the
caller's address (shared/web/limits.py).
``GET /intake/openapi.json`` is this API's OpenAPI document.
"""
from __future__ import annotations

from typing import Any

from flask import Request, Response
from pydantic import BaseModel

from shared import logs
from shared.domain.case import CaseStatus
from shared.domain.integrations.signature import HEADERS, signature_valid
from shared.services.intake import receive_complaint
from shared.web import limits, openapi
from shared.web.contract import DESCRIBES, Operation, Reply, errors
from shared.web.errors import read_json
from shared.web.responses import error, json_response
from shared.web.routing import Param, Route, Router, routing_error
from shared.web.schemas import ComplaintIn
from shared.web.security import SIGNED

MAX_DELIVERY_ID = 256


class Receipt(BaseModel):
    """The answer: a complaint taken, 201 when new, 200 for a repeat (the same id)."""
    model_config = DESCRIBES
    id: str
    status: CaseStatus


def _read_body(request: Request, limit: int) -> bytes | None:
    if request.content_length is not None and request.content_length > limit:
        return None
    body = request.stream.read(limit + 1)
    return None if len(body) > limit else body


def _complaint(request: Request, app: Any, source: str) -> Response:
    secret = app.settings.intake_secrets.get(source)
    if secret is None:
        return limits.failed(request, app, error(404, "unknown_source", f"source '{source}' is not registered",
                                                 "source"))
    body = _read_body(request, app.settings.max_body_bytes)
    if body is None:
        return error(413, "body_too_large", f"the body exceeds {app.settings.max_body_bytes} bytes")
    if request.mimetype != "application/json":
        return error(415, "unsupported_media_type", "send Content-Type: application/json", "Content-Type")
    if not signature_valid(secret, body, {name: request.headers.get(name, "") for name in HEADERS}):
        logs.warning("intake signature refused", source=source)
        return limits.failed(request, app, error(401, "invalid_signature", "missing, malformed, stale or wrong "
                                                 "webhook-id/webhook-timestamp/webhook-signature"))
    limited = limits.per_minute(app, f"source:{source}", app.settings.limit_source_per_minute,
                                f"deliveries from source '{source}'")
    if limited is not None:
        return limited
    delivery_id = request.headers["webhook-id"]
    if len(delivery_id) > MAX_DELIVERY_ID or not delivery_id.isprintable():
        return error(422, "invalid_header", f"webhook-id must be 1-{MAX_DELIVERY_ID} printable characters",
                     "webhook-id")
    complaint = read_json(ComplaintIn, body)
    if isinstance(complaint, Response):
        return complaint
    if complaint.category and complaint.category not in app.catalog.categories:
        return error(422, "unknown_category", f"category '{complaint.category}' is not a known code", "category")
    receipt = receive_complaint(complaint, source=source, delivery_id=delivery_id,
                                uow=app.uow, publisher=app.publisher, clock=app.clock,
                                behind=app.announcer if app.settings.intake_publish_behind else None)
    return json_response({"id": receipt.case_id, "status": receipt.status.value},
                         201 if receipt.created else 200)


def _spec(request: Request, app: Any) -> Response:
    return json_response(openapi.document("intake", "Sigap intake webhook", ROUTER))


ROUTER = Router([
    Route("/sources/{source}/complaints", "POST", _complaint, Operation(
        "Submit a complaint, signed the Standard Webhooks way",
        description="Checked in order: the caller's address (429 when locked out or over its rate), the source "
                    "(404), the size (413), the media type (415), the signature on the raw bytes (401), the "
                    "source's rate (429), the body: UTF-8, JSON, at most 32 levels deep (400), and every field "
                    "(422). A repeat (same external_id, or same webhook-id) answers 200 with the same id. On any "
                    "error nothing is stored.",
        body=ComplaintIn, security=(SIGNED,),
        replies={201: Reply("a new case", Receipt), 200: Reply("a repeat: the case it made", Receipt),
                 **errors(400, 401, 404, 413, 415, 422, e404="unknown_source (or no such endpoint)")}),
        params={"source": Param(r"[a-z0-9][a-z0-9_-]{0,63}", "the registered source (SIGAP_INTAKE_SECRETS)")}),
    Route("/openapi.json", "GET", _spec, openapi.SPEC_OPERATION),
])


def handle(request: Request, app: Any) -> Response:
    if not app.settings.intake_publish_behind:
        return _handle(request, app)
    with app.announcer.request():  # the last request in flight answers once every event is out
        return _handle(request, app)


def _handle(request: Request, app: Any) -> Response:
    refused = limits.locked_out(request, app) or limits.address_limited(request, app, "intake")
    if refused is not None:
        return refused
    match = ROUTER.match(request)
    if match.route is None:
        return routing_error(match, "use POST /intake/sources/{source}/complaints")
    return match.call(request, app)
