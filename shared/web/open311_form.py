"""An Open311 request form (``POST /open311/v2/requests.json``) as the complaint the
intake path takes: the same validation, errors named by the form's fields."""
from __future__ import annotations

import mimetypes
import uuid
from collections.abc import Mapping

from pydantic import ValidationError

from shared.domain.catalog import Catalog, Category
from shared.web.errors import problem_of, wire_values
from shared.web.open311_format import Open311Error
from shared.web.open311_models import RequestForm
from shared.web.schemas import ComplaintIn

# Where a ComplaintIn field came from in the Open311 form, for error messages.
_FORM_NAMES = {"location.lat": "lat", "location.lon": "long", "location.address": "address_string",
               "reporter.name": "first_name", "reporter.email": "email", "reporter.phone": "phone",
               "attachments.0.url": "media_url", "attachments.0.content_type": "media_url"}
_NUMBERS = {"lat": ("invalid_field", "lat must be a number"), "long": ("invalid_field", "long must be a number")}


def complaint_from_form(values: Mapping[str, str], catalog: Catalog, category: Category, key_id: str,
                        idempotency_key: str | None) -> ComplaintIn:
    """The form as the complaint intake takes, or Open311Error(400) naming the form's field."""
    try:
        form = RequestForm.model_validate(wire_values(RequestForm, values))
    except ValidationError as exc:
        raise Open311Error(400, problem_of(exc, codes=_NUMBERS).message) from None
    description = form.description.strip()
    kelurahan = catalog.units.get(form.kelurahan or "")
    if not (form.address_string or kelurahan or (form.lat is not None and form.long is not None)):
        raise Open311Error(400, "a location is required: lat and long, address_string, or attribute[kelurahan]")
    if category.location_scoped and kelurahan is None:
        raise Open311Error(400, "attribute[kelurahan] is required for this service")
    name = " ".join(filter(None, (form.first_name, form.last_name))) or None
    media = form.media_url
    raw = {
        "external_id": f"{key_id}:{idempotency_key or uuid.uuid4().hex}"[:128],
        "title": f"{category.name}: {description[:120]}",
        "description": description, "category": category.code, "channel": "open311",
        # Sigap's extension: the reporter may ask for a secret (rahasia) or anonymous (anonim) report.
        "secret": (form.rahasia or "").lower() in ("true", "1"),
        "location": {k: v for k, v in {"kelurahan": kelurahan.name if kelurahan else None,
                                       "address": form.address_string, "lat": form.lat, "lon": form.long}.items()
                     if v is not None},
        "reporter": {k: v for k, v in {"name": name, "email": form.email, "phone": form.phone,
                                       "anonymous": (form.anonim or "").lower() in ("true", "1")
                                       }.items() if v} or None,
        "attachments": [{"url": media, "content_type": mimetypes.guess_type(media)[0]
                         or "application/octet-stream"}] if media else [],
    }
    try:
        return ComplaintIn.model_validate(raw)
    except ValidationError as exc:
        raise Open311Error(400, problem_of(exc, names=_FORM_NAMES).message) from None
