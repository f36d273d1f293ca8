from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest

from shared.domain.api_keys import issue_key, key_digest

NOW = datetime(2026, 11, 23, tzinfo=UTC)


@pytest.fixture
def api_key(app):
    key, plaintext = issue_key(owner="Metro Smart City", scopes=("open311",), now=NOW, key_id="k1", secret="s" * 20)
    app.api_keys.add(key_digest(plaintext), key)
    return plaintext


FORM = {"service_code": "sampah-kebersihan", "description": "Sampah di TPS Pasar Cendrawasih tidak diangkut.",
        "lat": "-5.113", "long": "105.307", "first_name": "Budi", "email": "budi@example.org"}


def test_post_creates_a_case_through_intake(app, client, api_key):
    response = client("open311").post("/v2/requests.json", data={**FORM, "api_key": api_key})
    assert response.status_code == 201
    (created,) = response.get_json()
    case = app.repo.get(created["service_request_id"])
    assert case.source == "open311" and case.category_hint == "sampah-kebersihan" and case.location["lon"] == 105.307
    assert app.publisher.types() == ["complaint.received"]


def test_idempotency_key_makes_a_repeat_answer_the_same_request(app, client, api_key):
    post = lambda: client("open311").post("/v2/requests.json", data={**FORM, "api_key": api_key},  # noqa: E731
                                          headers={"Idempotency-Key": "abc"})
    first, second = post(), post()
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json() == second.get_json() and len(app.repo.cases) == 1


@pytest.mark.parametrize("change, status, words", [
    ({"api_key": "sgp_k1_wrong"}, 403, "api_key"),
    ({"api_key": None}, 403, "api_key"),
    ({"service_code": None}, 400, "service_code"),
    ({"service_code": "jalan-tol"}, 404, "service_code"),
    ({"lat": None, "long": None}, 400, "location"),
    ({"lat": "utara"}, 400, "lat"),
    ({"long": "500"}, 400, "long"),
    ({"description": "pendek"}, 400, "description"),
    ({"email": "bukan-email"}, 400, "email"),
    ({"service_code": "layanan-kelurahan"}, 400, "attribute[kelurahan]"),
])
def test_bad_posts_follow_the_spec_and_write_nothing(app, client, api_key, change, status, words):
    form = {k: v for k, v in {**FORM, "api_key": api_key, **change}.items() if v is not None}
    response = client("open311").post("/v2/requests.json", data=form)
    assert response.status_code == status
    (error,) = response.get_json()
    assert error["code"] == status and words in error["description"]
    assert not app.repo.cases and not app.publisher.published


def test_revoked_key_is_refused(app, client, api_key):
    app.api_keys.revoke("k1", NOW)
    assert client("open311").post("/v2/requests.json", data={**FORM, "api_key": api_key}).status_code == 403


def test_kelurahan_service_takes_the_attribute(app, client, api_key):
    form = {**FORM, "api_key": api_key, "service_code": "layanan-kelurahan", "attribute[kelurahan]": "kel-yosodadi"}
    response = client("open311").post("/v2/requests.json", data=form)
    case = app.repo.get(response.get_json()[0]["service_request_id"])
    assert case.location["kelurahan"] == "Kelurahan Yosodadi"


def test_services_in_xml(app, client):
    response = client("open311").get("/v2/services.xml")
    root = ElementTree.fromstring(response.data)
    assert response.mimetype == "text/xml" and root.tag == "services"
    codes = [s.findtext("service_code") for s in root.findall("service")]
    assert "drainase" in codes and len(codes) == len(app.catalog.categories)


@pytest.mark.parametrize("query, status", [
    ("start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z", 400),  # over 90 days
    ("start_date=kemarin", 400), ("start_date=2026-01-01T00:00:00", 400), ("status=pending", 400),
    ("service_code=jalan-tol", 404),
    ("start_date=9999-12-30T00:00:00Z", 400), ("end_date=0001-01-02T00:00:00Z", 400)])  # no date past the calendar
def test_bad_queries(app, client, query, status):
    response = client("open311").get(f"/v2/requests.json?{query}")
    assert response.status_code == status and response.get_json()[0]["code"] == status


def test_unknown_request_and_endpoint_are_404_in_the_asked_format(app, client):
    missing = client("open311").get("/v2/requests/c-nothing.xml")
    assert missing.status_code == 404 and ElementTree.fromstring(missing.data).find("error/code").text == "404"
    assert client("open311").get("/v2/elsewhere.json").status_code == 404


def test_rahasia_and_anonim_extension_attributes(app, client, api_key):
    form = {**FORM, "api_key": api_key, "attribute[rahasia]": "true", "attribute[anonim]": "true"}
    case = app.repo.get(client("open311").post("/v2/requests.json", data=form).get_json()[0]["service_request_id"])
    assert case.secret and case.anonymous
    public = client("open311").get(f"/v2/requests/{case.id}.json").get_json()[0]
    assert "description" not in public and "TPS" not in str(public)
