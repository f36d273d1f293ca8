"""Each HTTP function serves its OpenAPI 3.1 document at /openapi.json (without
credentials), written from its route table: valid, every route listed with its method,
the one error shape, and the security the function really checks."""
import pytest
from openapi_spec_validator import validate

from shared.web import cases, intake, open311, reports, telegram_webhook, units, webhooks_admin

ROUTERS = {"intake": intake.ROUTER, "cases": cases.ROUTER, "units": units.ROUTER, "open311": open311.ROUTER,
           "reports": reports.ROUTER, "webhooks": webhooks_admin.ROUTER, "telegram_webhook": telegram_webhook.ROUTER}
SECURITY = {"intake": {"webhookId", "webhookTimestamp", "webhookSignature"}, "cases": {"adminToken"},
            "units": {"unitKey", "adminToken"}, "open311": {"open311Key"},
            "reports": {"adminToken", "dashboardSession"}, "webhooks": {"adminToken"},
            "telegram_webhook": {"telegramSecret"}}
PUBLIC = {("reports", "/login", "post"), ("open311", "/v2/services.json", "get")}


@pytest.fixture(params=sorted(ROUTERS))
def served(request, app, client):
    response = client(request.param).get("/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return request.param, response.get_json()


def test_the_document_is_valid_openapi_3_1(served):
    function, document = served
    validate(document)
    assert document["openapi"] == "3.1.0" and document["servers"] == [{"url": f"/{function}"}]


def test_every_route_is_listed_with_its_method(served):
    function, document = served
    routes = {(r.path, r.method.lower()) for r in ROUTERS[function].routes if r.operation is not None}
    listed = {(path, method) for path, item in document["paths"].items() for method in item}
    assert listed == routes and ("/openapi.json", "get") in listed


def test_errors_have_the_one_shape_and_security_is_declared(served):
    function, document = served
    schemes = document["components"]["securitySchemes"]
    assert set(schemes) == SECURITY[function]
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert "200" in operation["responses"] or "201" in operation["responses"] or \
                "204" in operation["responses"] or "303" in operation["responses"], (path, method)
            assert "405" in operation["responses"] and "Allow" in operation["responses"]["405"]["headers"]
            public = path == "/openapi.json" or (function, path, method) in PUBLIC or function == "open311"
            assert operation["security"] or public, (path, method)
            for name in (n for alternative in operation["security"] for n in alternative):
                assert name in schemes
    if function != "open311":
        error = document["components"]["schemas"]["ErrorDetail"]
        assert set(error["required"]) == {"code", "message", "field"}


def test_request_bodies_are_the_validating_models(app, client):
    document = client("units").get("/openapi.json").get_json()
    body = document["paths"]["/cases/{case_id}/follow_up"]["post"]["requestBody"]["content"]["application/json"]
    follow_up = document["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert follow_up == units.BODIES["follow_up"].model_json_schema(ref_template="#/components/schemas/{model}")
    assert follow_up["additionalProperties"] is False and follow_up["properties"]["visibility"]["enum"] == [
        "public", "internal"]
    headers = document["paths"]["/cases/{case_id}/resolve"]["post"]["parameters"]
    assert {"name": "Idempotency-Key", "in": "header", "required": True}.items() <= headers[1].items()


def test_open311_lists_the_catalogs_services_as_the_forms_choices(app, client):
    document = client("open311").get("/openapi.json").get_json()
    form = document["components"]["schemas"]["RequestForm"]
    assert form["properties"]["service_code"]["enum"] == sorted(app.catalog.categories)
    assert document["paths"]["/v2/requests.json"]["post"]["security"] == [{"open311Key": []}]
    assert "text/xml" in document["paths"]["/v2/services.xml"]["get"]["responses"]["200"]["content"]
