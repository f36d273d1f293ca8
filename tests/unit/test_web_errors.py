"""The one mapping from a pydantic error to Sigap's answer (shared/web/errors.py)."""
import pytest
from pydantic import ValidationError

from shared.web.errors import problem_of, wire_values
from shared.web.report_models import PeriodQuery
from shared.web.schemas import ComplaintIn
from shared.web.unit_bodies import BODIES, HINTS
from shared.web.webhook_models import CODES, SubscriptionIn


def problem(model, raw, **options):
    with pytest.raises(ValidationError) as caught:
        model.model_validate_json(raw)
    found = problem_of(caught.value, **options)
    return found.status, found.code, found.field, found.message


@pytest.mark.parametrize("raw", ["{not json", ""])
def test_not_json_is_400_malformed_json(raw):
    assert problem(ComplaintIn, raw)[:3] == (400, "malformed_json", None)


@pytest.mark.parametrize("raw", ["[1, 2]", "null", "5", '"text"'])
def test_json_that_is_not_an_object_is_400(raw):
    assert problem(ComplaintIn, raw)[:3] == (400, "malformed_json", None)


def test_a_field_is_named_with_its_path():
    raw = '{"external_id": "e", "title": "Judul laporan", "description": "Cukup panjang ya", "location": {"lat": 91}}'
    assert problem(ComplaintIn, raw)[:3] == (422, "invalid_field", "location.lat")


def test_a_missing_field_says_required_with_its_hint():
    status, code, field, message = problem(BODIES["follow_up"], '{"text": "Sudah ditangani"}', hints=HINTS)
    assert (status, code, field) == (422, "invalid_field", "visibility")
    assert message.startswith("visibility is required") and "public" in message and "internal" in message


def test_a_field_with_its_own_code_is_named_as_a_whole():
    raw = '{"url": "https://x.example/h", "event_types": ["complaint.deleted"]}'
    assert problem(SubscriptionIn, raw, codes=CODES)[:3] == (422, "invalid_field", "event_types")


def test_a_field_is_named_as_the_caller_knows_it():
    raw = '{"external_id": "e", "title": "Judul laporan", "description": "Cukup panjang ya", "location": {"lon": 500}}'
    field, message = problem(ComplaintIn, raw, names={"location.lon": "long"})[2:]
    assert field == "long" and message.startswith("long: ")


def test_empty_query_values_count_as_absent_and_aliases_are_read():
    assert wire_values(PeriodQuery, {"from": "2026-01-01", "to": "", "other": "x"}) == {"from": "2026-01-01"}
