"""HTTP face of Open311 GeoReport v2 (function ``open311``): ``/open311/v2/...``.

Formats JSON and XML; errors as the spec says: a list of ``{code, description}``.
A request becomes a case through the same path as the intake webhook (routing included).
"""
from __future__ import annotations

import mimetypes
import re
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any
from xml.etree import ElementTree

from flask import Request, Response
from pydantic import ValidationError

from shared.domain.integrations import open311
from shared.domain.api_keys import key_digest
from shared.web.schemas import ComplaintIn
from shared.services.intake import receive_complaint
from shared.web.responses import encode_value, json_response

_ROUTE = re.compile(r"^/v2/(services|requests)(?:/([A-Za-z0-9._-]{1,128}))?\.(json|xml)$")
MAX_RESULTS, MAX_RANGE = 1000, timedelta(days=90)
_ITEM = {"services": "service", "service_requests": "request", "attributes": "attribute", "values": "value",
         "errors": "error"}


# Where a ComplaintIn field came from in the Open311 form, for error messages.
_FORM_NAMES = {"location.lat": "lat", "location.lon": "long", "location.address": "address_string",
               "reporter.name": "first_name", "reporter.email": "email", "reporter.phone": "phone",
               "attachments.0.url": "media_url", "attachments.0.content_type": "media_url"}


class Open311Error(Exception):
    def __init__(self, status: int, description: str):
        super().__init__(description)
        self.status, self.description = status, description


def _xml(root: str, body: Any) -> Response:
    def fill(element: ElementTree.Element, value: Any, tag: str) -> None:
        if isinstance(value, list):
            item_tag = _ITEM.get(tag, "item")
            for item in value:
                fill(ElementTree.SubElement(element, item_tag), item, item_tag)
        elif isinstance(value, dict):
            for key, inner in value.items():
                fill(ElementTree.SubElement(element, key), inner, key)
        else:
            element.text = _text(value)
    tree = ElementTree.Element(root)
    fill(tree, body, root)
    return Response(ElementTree.tostring(tree, encoding="utf-8", xml_declaration=True), mimetype="text/xml")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return encode_value(value) if isinstance(value, datetime) else str(value)


def _answer(fmt: str, root: str, body: Any, status: int = 200) -> Response:
    response = _xml(root, body) if fmt == "xml" else json_response(body)
    response.status_code = status
    return response


def handle(request: Request, app: Any) -> Response:
    match = _ROUTE.match(request.path)
    fmt = match.group(3) if match else ("xml" if request.path.endswith(".xml") else "json")
    try:
        if not match:
            raise Open311Error(404, "no such Open311 endpoint")
        resource, ident = match.group(1), match.group(2)
        if resource == "services" and request.method == "GET":
            return _services(app, ident, fmt)
        if resource == "requests" and request.method == "POST" and ident is None:
            return _create(request, app, fmt)
        if resource == "requests" and request.method == "GET":
            return _requests(request, app, ident, fmt)
        raise Open311Error(405, f"{request.method} is not supported here")
    except Open311Error as exc:
        return _answer(fmt, "errors", [{"code": exc.status, "description": exc.description}], exc.status)


def _services(app: Any, code: str | None, fmt: str) -> Response:
    if code is None:
        return _answer(fmt, "services", open311.services(app.catalog))
    definition = open311.service_definition(app.catalog, code)
    if definition is None:
        raise Open311Error(404, f"service_code '{code}' not found")
    return _answer(fmt, "service_definition", definition)


def _create(request: Request, app: Any, fmt: str) -> Response:
    form = request.values
    key = app.api_keys.find(key_digest(form.get("api_key", ""))) if form.get("api_key") else None
    if key is None or not key.allows("open311"):
        raise Open311Error(403, "api_key is missing, unknown or revoked")
    code = form.get("service_code", "")
    category = app.catalog.categories.get(code)
    if category is None:
        raise Open311Error(400 if not code else 404, f"service_code '{code}' is required and must be a known service")
    complaint = _complaint(form, app, category, key.key_id, request.headers.get("Idempotency-Key"))
    receipt = receive_complaint(complaint, source="open311", delivery_id=None, repo=app.repo,
                                outbox=app.outbox, publisher=app.publisher, clock=app.clock)
    body = [{"service_request_id": receipt.case_id, "service_notice": "Laporan diterima dan diteruskan ke unit "
             "yang berwenang.", "account_id": None}]
    return _answer(fmt, "service_requests", body, 201 if receipt.created else 200)


def _float(form: Any, name: str) -> float | None:
    try:
        return float(form[name]) if form.get(name) not in (None, "") else None
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None


def _complaint(form: Any, app: Any, category: Any, key_id: str, idempotency_key: str | None) -> ComplaintIn:
    description = (form.get("description") or "").strip()
    kelurahan = app.catalog.units.get(form.get(f"attribute[{open311.KELURAHAN_ATTRIBUTE}]", ""))
    lat, lon = _float(form, "lat"), _float(form, "long")
    if not (form.get("address_string") or kelurahan or (lat is not None and lon is not None)):
        raise Open311Error(400, "a location is required: lat and long, address_string, or attribute[kelurahan]")
    if category.location_scoped and kelurahan is None:
        raise Open311Error(400, "attribute[kelurahan] is required for this service")
    name = " ".join(filter(None, (form.get("first_name"), form.get("last_name")))) or None
    media = form.get("media_url")
    raw = {
        "external_id": f"{key_id}:{idempotency_key or uuid.uuid4().hex}"[:128],
        "title": f"{category.name}: {description[:120]}",
        "description": description, "category": category.code, "channel": "open311",
        # Sigap's extension: the reporter may ask for a secret (rahasia) or anonymous (anonim) report.
        "secret": form.get("attribute[rahasia]", "").lower() in ("true", "1"),
        "location": {k: v for k, v in {"kelurahan": kelurahan.name if kelurahan else None,
                                       "address": form.get("address_string"), "lat": lat, "lon": lon}.items()
                     if v is not None},
        "reporter": {k: v for k, v in {"name": name, "email": form.get("email"), "phone": form.get("phone"),
                                       "anonymous": form.get("attribute[anonim]", "").lower() in ("true", "1")
                                       }.items() if v} or None,
        "attachments": [{"url": media, "content_type": mimetypes.guess_type(media)[0]
                         or "application/octet-stream"}] if media else [],
    }
    try:
        return ComplaintIn.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        loc = ".".join(str(part) for part in first["loc"])
        raise Open311Error(400, f"{_FORM_NAMES.get(loc, loc)}: {first['msg']}") from None


def _dates(args: Any) -> tuple[datetime, datetime]:
    try:
        end = datetime.fromisoformat(args["end_date"]) if args.get("end_date") else None
        start = datetime.fromisoformat(args["start_date"]) if args.get("start_date") else None
    except ValueError:
        raise Open311Error(400, "start_date and end_date must be W3C date-times, e.g. 2026-01-01T00:00:00Z") from None
    if any(d is not None and d.tzinfo is None for d in (start, end)):
        raise Open311Error(400, "start_date and end_date need a time zone, e.g. Z")
    end = end or ((start + MAX_RANGE) if start else datetime.now(timezone.utc))
    start = start or end - MAX_RANGE
    if end < start or end - start > MAX_RANGE:
        raise Open311Error(400, "the date range must run forwards and span at most 90 days")
    return start, end


def _requests(request: Request, app: Any, ident: str | None, fmt: str) -> Response:
    args = request.args
    ids = [ident] if ident else [i for i in (args.get("service_request_id") or "").split(",") if i]
    if ids:
        cases = [c for c in (app.repo.get(i) for i in ids[:MAX_RESULTS]) if c is not None]
        if ident and not cases:
            raise Open311Error(404, f"service_request_id '{ident}' not found")
    else:
        cases = _search(args, app)
    return _answer(fmt, "service_requests", [open311.service_request(c, app.catalog) for c in cases])


def _search(args: Any, app: Any) -> list:
    start, end = _dates(args)
    wanted = {s for s in (args.get("status") or "").split(",") if s}
    if wanted - {open311.OPEN, open311.CLOSED}:
        raise Open311Error(400, "status must be open, closed, or both comma-separated")
    statuses = None if len(wanted) != 1 else open311.statuses_for(wanted.pop())
    codes = [c for c in (args.get("service_code") or "").split(",") if c] or [None]
    unknown = [c for c in codes if c is not None and c not in app.catalog.categories]
    if unknown:
        raise Open311Error(404, f"service_code '{unknown[0]}' not found")
    found = [case for code in codes for case in app.repo.search(
        category=code, statuses=statuses, created_from=start, created_to=end, limit=MAX_RESULTS)]
    return sorted(found, key=lambda c: c.created_at, reverse=True)[:MAX_RESULTS]
