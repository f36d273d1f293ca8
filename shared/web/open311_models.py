"""Open311 GeoReport v2 requests and answers as pydantic models (function ``open311``).

Form and query values arrive as text; an empty value counts as absent."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, RootModel

_Short = Annotated[str, Field(max_length=200)]


class RequestForm(BaseModel):
    """The form of ``POST /v2/requests.json``: a location (lat and long, address_string or
    attribute[kelurahan]) is required; attribute[rahasia] and attribute[anonim] ("true")
    are Sigap's extension for a secret or an anonymous report."""
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True, json_schema_extra={"examples": [
        {"service_code": "sampah-kebersihan", "description": "Sampah di TPS Pasar Cendrawasih tidak diangkut.",
         "lat": -5.113, "long": 105.307, "first_name": "Budi", "email": "budi@example.org"}]})
    service_code: Annotated[str, Field(max_length=64, description="a service_code of services.json")] = ""
    description: Annotated[str, Field(max_length=5000)] = ""
    lat: float | None = None
    long: float | None = None
    address_string: Annotated[str | None, Field(max_length=500)] = None
    first_name: _Short | None = None
    last_name: _Short | None = None
    email: Annotated[str | None, Field(max_length=254)] = None
    phone: Annotated[str | None, Field(max_length=40)] = None
    media_url: Annotated[str | None, Field(max_length=2048)] = None
    kelurahan: Annotated[str | None, Field(alias="attribute[kelurahan]", max_length=64)] = None
    rahasia: Annotated[str | None, Field(alias="attribute[rahasia]", max_length=10)] = None
    anonim: Annotated[str | None, Field(alias="attribute[anonim]", max_length=10)] = None


class RequestsQuery(BaseModel):
    """The filters of ``GET /v2/requests.json``; without ids, the range is at most 90 days
    (default: the 90 days before end_date, or before now)."""
    model_config = ConfigDict(extra="ignore", frozen=True)
    service_request_id: Annotated[str | None, Field(max_length=20000, description="ids, comma-separated")] = None
    service_code: Annotated[str | None, Field(max_length=2000, description="codes, comma-separated")] = None
    start_date: Annotated[str | None, Field(max_length=64, description="W3C date-time with a zone")] = None
    end_date: Annotated[str | None, Field(max_length=64, description="W3C date-time with a zone")] = None
    status: Annotated[str | None, Field(max_length=32, description="open, closed, or both comma-separated")] = None


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Service(_Out):
    service_code: str
    service_name: str
    description: str | None
    metadata: bool
    type: str
    keywords: str
    group: str


class AttributeValue(_Out):
    key: str
    name: str


class Attribute(_Out):
    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[AttributeValue]


class ServiceDefinition(_Out):
    service_code: str
    attributes: list[Attribute]


class ServiceRequest(_Out):
    """No personal data; a secret report shows only its service, status and dates."""
    service_request_id: str
    status: str
    service_name: str | None
    service_code: str | None
    requested_datetime: datetime
    updated_datetime: datetime
    status_notes: str | None = None
    description: str | None = None
    agency_responsible: str | None = None
    service_notice: str | None = None
    expected_datetime: datetime | None = None
    address: str | None = None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None = None
    long: float | None = None
    media_url: str | None = None


class Created(_Out):
    service_request_id: str
    service_notice: str
    account_id: str | None


class Open311Problem(_Out):
    code: int
    description: str


class Services(RootModel[list[Service]]):
    pass


class ServiceRequests(RootModel[list[ServiceRequest]]):
    pass


class CreatedRequests(RootModel[list[Created]]):
    pass


class Open311Errors(RootModel[list[Open311Problem]]):
    """GeoReport v2 errors: a list of ``{code, description}``, ``code`` the HTTP status."""
