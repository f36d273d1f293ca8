from datetime import UTC, datetime

from shared.adapters.catalog_files import load_catalog
from shared.domain.case import Case, CaseStatus
from shared.domain.integrations.open311 import service_definition, service_request, services, statuses_for

CATALOG = load_catalog()
NOW = datetime(2026, 11, 23, tzinfo=UTC)


def a_case(**fields):
    return Case(**{"id": "c-1", "source": "demo", "external_id": "x", "title": "Lampu mati",
                   "description": "Lampu PJU mati di depan pasar", "created_at": NOW,
                   "status": CaseStatus.ASSIGNED, "category": "penerangan-jalan", "unit_id": "dinas-perkim",
                   "location": {"address": "Jl. Cendrawasih", "lat": -5.11, "lon": 105.3},
                   **fields})


def test_services_come_from_the_categories():
    listed = {s["service_code"]: s for s in services(CATALOG)}
    assert set(listed) == set(CATALOG.categories)
    assert listed["layanan-kelurahan"]["metadata"] is True and listed["drainase"]["metadata"] is False


def test_location_scoped_service_asks_for_the_kelurahan():
    definition = service_definition(CATALOG, "layanan-kelurahan")
    assert definition is not None, "layanan-kelurahan is a service"
    (attribute,) = definition["attributes"]
    assert attribute["code"] == "kelurahan" and attribute["required"] is True and len(attribute["values"]) == 22
    drainase = service_definition(CATALOG, "drainase")
    assert drainase is not None and drainase["attributes"] == []
    assert service_definition(CATALOG, "nope") is None


def test_request_view_has_the_unit_and_no_reporter():
    view = service_request(a_case(reporter=None), CATALOG)
    assert view["agency_responsible"] == "Dinas Perumahan dan Kawasan Permukiman"
    assert view["status"] == "open" and view["long"] == 105.3 and "reporter" not in view


def test_secret_request_shows_only_service_status_and_dates():
    view = service_request(a_case(secret=True), CATALOG)
    assert set(view) == {"service_request_id", "status", "service_name", "service_code",
                         "requested_datetime", "updated_datetime"}


def test_open_and_closed_partition_the_statuses():
    assert set(statuses_for("open")) | set(statuses_for("closed")) == set(CaseStatus)
    assert statuses_for("closed") == (CaseStatus.CLOSED,)
