import json
from datetime import UTC, datetime, timedelta

import pytest

from shared.domain.integrations.signature import signed_headers
from tests.functions.conftest import SECRET

URL = "/sources/demo/complaints"
VALID = {"external_id": "sipp-001", "title": "Jalan berlubang di Jl. Ki Hajar Dewantara",
         "description": "Lubang besar di tengah jalan, sudah ada motor yang jatuh.",
         "location": {"kelurahan": "Iringmulyo"}, "reporter": {"name": "Budi", "anonymous": True}}


def post(client, body, headers=None, url=URL):
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client("intake").post(url, data=raw, headers=headers if headers is not None else signed_headers(SECRET, raw))


def nothing_written(app):
    return not app.repo.cases and not app.repo.outbox and not app.repo.deliveries and not app.publisher.published


def test_signed_complaint_is_created(app, client):
    response = post(client, VALID)
    assert response.status_code == 201
    assert response.get_json() == {"id": response.get_json()["id"], "status": "received"}
    assert len(app.repo.cases) == 1 and app.publisher.types() == ["complaint.received"]


def test_repeat_answers_200_with_the_same_id(app, client):
    first, second = post(client, VALID), post(client, VALID)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"] and len(app.repo.cases) == 1


def stale(raw, minutes):
    return signed_headers(SECRET, raw, at=datetime.now(UTC) + timedelta(minutes=minutes))


RAW = json.dumps(VALID)


# Each case builds its headers when the test runs (not at collection), so a slow suite
# cannot age a "newer than 5 minutes" timestamp into a valid one.
BAD_SIGNATURES = {
    "no signature headers": lambda: {"Content-Type": "application/json"},
    "wrong signature": lambda: {**signed_headers(SECRET, RAW), "webhook-signature": "v1,AAAA"},
    "malformed signature": lambda: {**signed_headers(SECRET, RAW), "webhook-signature": "garbage"},
    "other key": lambda: signed_headers("whsec_" + "b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA==", RAW),
    "older than 5 minutes": lambda: stale(RAW, -6),
    "newer than 5 minutes": lambda: stale(RAW, 6),
    "signed another body": lambda: {**signed_headers(SECRET, RAW + " "), "Content-Type": "application/json"},
}


@pytest.mark.parametrize("why", list(BAD_SIGNATURES))
def test_bad_signatures_get_401_and_write_nothing(app, client, why):
    response = post(client, RAW, BAD_SIGNATURES[why]())
    assert response.status_code == 401, why
    assert response.get_json()["error"]["code"] == "invalid_signature"
    assert nothing_written(app)


def test_a_second_valid_signature_among_several_is_accepted(app, client):
    headers = signed_headers(SECRET, RAW)
    headers["webhook-signature"] = "v1,AAAA " + headers["webhook-signature"]
    assert post(client, RAW, headers).status_code == 201


def test_signature_with_a_valid_stale_timestamp_is_refused_even_if_correct(app, client):
    assert post(client, RAW, stale(RAW, -10)).status_code == 401 and nothing_written(app)


@pytest.mark.parametrize("body, status, code, field", [
    ("{not json", 400, "malformed_json", None),
    ("[1, 2]", 400, "malformed_json", None),
    ({**VALID, "title": "abc"}, 422, "invalid_field", "title"),
    ({k: v for k, v in VALID.items() if k != "external_id"}, 422, "invalid_field", "external_id"),
    ({**VALID, "external_id": "x" * 129}, 422, "invalid_field", "external_id"),
    ({**VALID, "description": "pendek"}, 422, "invalid_field", "description"),
    ({**VALID, "category": "jalan-tol"}, 422, "unknown_category", "category"),
    ({**VALID, "secret": "yes"}, 422, "invalid_field", "secret"),
    ({**VALID, "occurred_at": "2026-11-01 10:00"}, 422, "invalid_field", "occurred_at"),
    ({**VALID, "occurred_at": "2026-11-01T10:00:00"}, 422, "invalid_field", "occurred_at"),
    ({**VALID, "location": {"lat": 91}}, 422, "invalid_field", "location.lat"),
    ({**VALID, "reporter": {"email": "not-an-email"}}, 422, "invalid_field", "reporter.email"),
    ({**VALID, "attachments": [{"url": "ftp://x/y", "content_type": "image/jpeg"}]}, 422, "invalid_field",
     "attachments.0.url"),
    ({**VALID, "attachments": [{"url": "https://x/y.jpg", "content_type": "image/jpeg"}] * 11}, 422,
     "invalid_field", "attachments"),
    ({**VALID, "kategori": "drainase"}, 422, "invalid_field", "kategori"),
])
def test_invalid_bodies_are_named_and_write_nothing(app, client, body, status, code, field):
    response = post(client, body)
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code and response.get_json()["error"]["field"] == field
    assert nothing_written(app)


def test_unknown_source_is_404(app, client):
    response = post(client, VALID, url="/sources/nobody/complaints")
    assert response.status_code == 404 and response.get_json()["error"]["field"] == "source"
    assert nothing_written(app)


def test_body_over_64_kib_is_413(app, client):
    raw = json.dumps({**VALID, "description": "x" * (65 * 1024)})
    response = post(client, raw)
    assert response.status_code == 413 and nothing_written(app)


def test_not_json_is_415(app, client):
    headers = {**signed_headers(SECRET, RAW), "Content-Type": "text/plain"}
    response = post(client, RAW, headers)
    assert response.status_code == 415 and nothing_written(app)


@pytest.mark.parametrize("method, url, status", [("GET", URL, 405), ("POST", "/elsewhere", 404)])
def test_wrong_method_or_path(app, client, method, url, status):
    assert client("intake").open(url, method=method).status_code == status


def test_overlong_webhook_id_is_refused(app, client):
    response = post(client, RAW, signed_headers(SECRET, RAW, message_id="m" * 300))
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "webhook-id"
    assert nothing_written(app)
