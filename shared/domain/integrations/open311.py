"""Open311 GeoReport v2 views of Sigap's categories and cases. Pure.

Public answers carry no personal data: never a reporter, and a secret report shows
only its service, status and dates.
"""
from __future__ import annotations

from typing import Any

from shared.domain.case import Case, CaseStatus
from shared.domain.catalog import Catalog

OPEN, CLOSED = "open", "closed"
KELURAHAN_ATTRIBUTE = "kelurahan"


def open311_status(status: CaseStatus) -> str:
    return CLOSED if status is CaseStatus.CLOSED else OPEN


def statuses_for(open311: str) -> tuple[CaseStatus, ...]:
    return tuple(s for s in CaseStatus if open311_status(s) == open311)


def services(catalog: Catalog) -> list[dict[str, Any]]:
    return [{"service_code": c.code, "service_name": c.name, "description": c.description,
             "metadata": c.location_scoped, "type": "realtime", "keywords": c.code.replace("-", ","),
             "group": catalog.units[c.default_unit].name if not c.location_scoped else "Kelurahan"}
            for c in catalog.categories.values()]


def service_definition(catalog: Catalog, code: str) -> dict[str, Any] | None:
    """Location-scoped services ask which kelurahan; the others have no attributes."""
    category = catalog.categories.get(code)
    if category is None:
        return None
    attributes = []
    if category.location_scoped:
        attributes.append({
            "variable": True, "code": KELURAHAN_ATTRIBUTE, "datatype": "singlevaluelist", "required": True,
            "datatype_description": "Kelurahan tempat layanan", "order": 1, "description": "Kelurahan",
            "values": [{"key": u.id, "name": u.name} for u in sorted(catalog.kelurahan(), key=lambda u: u.id)]})
    return {"service_code": code, "attributes": attributes}


def service_request(case: Case, catalog: Catalog) -> dict[str, Any]:
    category = catalog.categories.get(case.category or case.category_hint or "")
    unit = catalog.units.get(case.unit_id or "")
    view: dict[str, Any] = {
        "service_request_id": case.id,
        "status": open311_status(case.status),
        "service_name": category.name if category else None,
        "service_code": category.code if category else None,
        "requested_datetime": case.created_at,
        "updated_datetime": case.updated_at or case.created_at,
    }
    if case.secret:
        return view
    location = case.location or {}
    view.update({
        "status_notes": None,  # the latest public follow-up, once units record them
        "description": case.description,
        "agency_responsible": unit.name if unit else None,
        "service_notice": None,
        "expected_datetime": None,
        "address": location.get("address"),
        "address_id": None,
        "zipcode": None,
        "lat": location.get("lat"),
        "long": location.get("lon"),
        "media_url": case.attachments[0]["url"] if case.attachments else None,
    })
    return view
