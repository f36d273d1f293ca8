import pytest

from tests.functions.conftest import ADMIN
from tests.functions.test_route_function import stored_case

AUTH = {"Authorization": f"Bearer {ADMIN}"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": ADMIN},
                                     {"Authorization": f"Basic {ADMIN}"}])
def test_401_without_the_admin_token(app, client, headers):
    response = client("cases").get("/", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"


def test_one_case_with_its_timeline_and_no_anonymous_identity(app, client):
    case_id = stored_case(app, reporter={"name": "Rahasia Sekali", "phone": "0811111111", "anonymous": True})
    body = client("cases").get(f"/{case_id}", headers=AUTH).get_json()
    assert body["id"] == case_id and body["status"] == "received"
    assert body["reporter"] == {"anonymous": True} and "Rahasia" not in str(body) and "0811" not in str(body)
    assert [e["action"] for e in body["timeline"]] == ["received"]
    assert body["created_at"].endswith("Z")


def test_unknown_case_is_404(app, client):
    assert client("cases").get("/c-doesnotexist", headers=AUTH).status_code == 404


@pytest.mark.parametrize("query, field", [("unit=dinas-hantu", "unit"), ("status=done", "status"),
                                          ("page_size=0", "page_size"), ("page_size=abc", "page_size"),
                                          ("page_token=zzz", "page_token")])
def test_bad_filters_are_named(app, client, query, field):
    response = client("cases").get(f"/?{query}", headers=AUTH)
    assert response.status_code in (400, 422) and response.get_json()["error"]["field"] == field
