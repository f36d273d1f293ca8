"""The routers through functions-framework: 405 comes from the route table with an Allow
header, a trailing slash is no redirect, refusal kinds map to their statuses, and JSON
answers match the models the OpenAPI documents publish."""
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest

from shared.domain.api_keys import issue_key, key_digest
from shared.domain.unit_actions import Refusal
from shared.web.open311_models import ServiceRequests, Services
from shared.web.refusals import STATUS, http_status
from shared.web.replies import CasePage, CaseWithTimeline
from shared.web.report_models import Report
from shared.web.webhook_models import SubscriptionCreated, SubscriptionList
from tests.functions.conftest import ADMIN, pubsub_push
from tests.functions.test_route_function import stored_case

AUTH = {"Authorization": f"Bearer {ADMIN}"}


@pytest.mark.parametrize("function, method, path, allow", [
    ("intake", "GET", "/sources/demo/complaints", "POST"),
    ("cases", "POST", "/", "GET, HEAD"),
    ("cases", "DELETE", "/c-1", "GET, HEAD"),
    ("units", "GET", "/cases/c-1/acknowledge", "POST"),
    ("units", "PUT", "/cases", "GET, HEAD"),
    ("webhooks", "PUT", "/subscriptions", "GET, HEAD, POST"),
    ("webhooks", "POST", "/subscriptions/sub_1", "DELETE, GET, HEAD"),
    ("reports", "POST", "/figures.json", "GET, HEAD"),
])
def test_method_not_allowed_comes_from_the_router(app, client, function, method, path, allow):
    response = client(function).open(path, method=method, headers=AUTH)
    assert response.status_code == 405 and response.headers["Allow"] == allow
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_open311_says_405_in_its_own_format(app, client):
    response = client("open311").delete("/v2/services.xml")
    assert response.status_code == 405 and response.headers["Allow"] == "GET, HEAD"
    assert ElementTree.fromstring(response.data).find("error/code").text == "405"


def test_a_trailing_slash_reaches_the_same_route(app, client):
    assert client("cases").get("/c-missing/", headers=AUTH).get_json()["error"]["code"] == "case_not_found"
    assert client("webhooks").get("/subscriptions/", headers=AUTH).status_code == 200


def test_the_admin_token_comes_before_the_route(app, client):
    assert client("cases").post("/nowhere/at/all").status_code == 401
    assert client("cases").get("/openapi.json").status_code == 200  # the document is public


def test_every_refusal_kind_has_its_status():
    assert set(STATUS) == set(Refusal) and http_status(None) == 200
    assert (http_status(Refusal.INVALID_TRANSITION), http_status(Refusal.COORDINATOR_ONLY),
            http_status(Refusal.CASE_NOT_FOUND), http_status(Refusal.UNKNOWN_UNIT)) == (409, 403, 404, 422)


def test_a_reserved_or_dotted_case_id_is_no_route(app, client):
    for case_id in ("__name__", ".."):
        assert client("cases").get(f"/{case_id}", headers=AUTH).status_code == 404


def test_open311_default_range_ends_at_the_clock_not_the_wall(app, client):
    key, plaintext = issue_key(owner="x", scopes=("open311",), now=app.clock.now(), key_id="k1", secret="s" * 20)
    app.api_keys.add(key_digest(plaintext), key)
    app.clock.current = datetime(2031, 3, 3, tzinfo=UTC)  # years from the wall clock
    form = {"api_key": plaintext, "service_code": "drainase", "description": "Saluran tersumbat sampah plastik.",
            "address_string": "Jl. Imam Bonjol 12"}
    created = client("open311").post("/v2/requests.json", data=form).get_json()[0]["service_request_id"]
    found = client("open311").get("/v2/requests.json").get_json()
    assert [r["service_request_id"] for r in found] == [created]


def test_json_answers_match_their_published_models(app, client):
    case_id = stored_case(app)
    client("route", "cloudevent").post("/", json=pubsub_push({"case_id": case_id}))
    CaseWithTimeline.model_validate(client("cases").get(f"/{case_id}", headers=AUTH).get_json())
    CasePage.model_validate(client("cases").get("/", headers=AUTH).get_json())
    created = client("webhooks").post("/subscriptions", headers=AUTH, json={
        "url": "https://simpel.metrokota.go.id/hooks", "event_types": ["*"]})
    SubscriptionCreated.model_validate(created.get_json())
    SubscriptionList.model_validate(client("webhooks").get("/subscriptions", headers=AUTH).get_json())
    Services.model_validate(client("open311").get("/v2/services.json").get_json())
    ServiceRequests.model_validate(client("open311").get(f"/v2/requests/{case_id}.json").get_json())
    app.report_source = _source(app)
    Report.model_validate(client("reports").get("/figures.json", headers=AUTH).get_json())


def _source(app):
    from tests.fakes import FakeReportSource
    return FakeReportSource(app.repo)
