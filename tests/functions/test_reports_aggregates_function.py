"""Issue 15 through create_app(): the reports_ingest entry point fed by Pub/Sub push, the
figures answered from the aggregates (the same as ``?exact=1``, the rescan), the rescan
until the backfill has completed, and the recurring-problems page."""
from __future__ import annotations

import pytest

from shared.services.intake import receive_complaint
from shared.services.routing import route_case
from shared.web.schemas import ComplaintIn, LocationIn
from tests.escalation_support import CATALOG, ESCALATION, RULES
from tests.functions.conftest import ADMIN, pubsub_push
from tests.report_fakes import FakeAggregateStore, StoreFacts
from tests.unit.test_report_aggregates import normalised

AUTH = {"Authorization": f"Bearer {ADMIN}"}
TITLES = ["Sampah menumpuk di jalan Sudirman", "Sampah menumpuk di jalan Sudirman lagi", "Lampu jalan mati",
          "Rahasia pungli di kelurahan"]


@pytest.fixture
def reported(app, client):
    app.report_source, app.aggregate_store = StoreFacts(app.repo), FakeAggregateStore()
    ingest = client("reports_ingest", "cloudevent")
    for i, title in enumerate(TITLES):
        complaint = ComplaintIn(external_id=f"a-{i}", title=title, secret="Rahasia" in title,
                                description="Sudah seminggu tidak ditangani petugas.",
                                location=LocationIn(kelurahan="Yosodadi" if i % 2 else "Iring Mulyo"))
        case_id = receive_complaint(complaint, source="demo", delivery_id=f"m-{i}", uow=app.uow,
                                    publisher=app.publisher, clock=app.clock).case_id
        route_case(case_id, uow=app.uow, publisher=app.publisher, catalog=CATALOG, rules=RULES, clock=app.clock,
                   escalation=ESCALATION)
    for n, event in enumerate(app.publisher.published * 2):  # every event, each delivered twice
        assert ingest.post("/", json=pubsub_push(event.to_message(), str(n))).status_code == 200
    return app


def test_the_consumer_fills_the_aggregates_and_the_figures_equal_the_rescan(reported, client):
    assert reported.aggregate_store.ledger and any(t == "report-facts" for t, _ in reported.publisher.signals)
    fast = client("reports").get("/figures.json", headers=AUTH).get_json()
    exact = client("reports").get("/figures.json?exact=1", headers=AUTH).get_json()
    assert fast["total"]["received"] == 4 and normalised(fast) == normalised(exact)


def test_the_rescan_answers_until_the_backfill_has_completed(reported, client):
    reported.aggregate_store.ready = lambda: False
    reported.aggregate_store.unit_documents = None  # not read
    assert client("reports").get("/figures.json", headers=AUTH).get_json()["total"]["received"] == 4


@pytest.mark.parametrize("exact", ["", "?exact=1"])
def test_the_recurring_page_in_bahasa_indonesia_with_the_security_headers(reported, client, exact):
    response = client("reports").get("/dashboard/berulang" + exact, headers=AUTH)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Masalah berulang" in html and "Masalah utama per kelurahan" in html and "width=device-width" in html
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY" and "<script" not in html
    assert "Yosodadi" in html and "Rahasia" not in html and "pungli" not in html


def test_the_recurring_page_needs_the_admin_token(reported, client):
    response = client("reports").get("/dashboard/berulang")
    assert response.status_code == 401 and "Masalah berulang" not in response.get_data(as_text=True)


@pytest.mark.parametrize("exact", ["", "&exact=1"])
def test_a_kelurahan_view_from_its_own_aggregates(reported, client, exact):
    """Each kelurahan on the page links its own view; the view reads only that kelurahan's
    documents and shows every category with what came in and what was resolved."""
    page = client("reports").get("/dashboard/berulang", headers=AUTH).get_data(as_text=True)
    assert "berulang?kelurahan=yosodadi&amp;from=" in page
    if not exact:
        reported.aggregate_store.unit_documents = None  # the city's documents are not read for one kelurahan
    response = client("reports").get("/dashboard/berulang?kelurahan=yosodadi" + exact, headers=AUTH)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Masalah di Kelurahan Yosodadi" in html
    # two categories, one case each: the secret one counts, its text never shows
    assert html.count("data-figure='received'>1<") == 2 and "Sampah dan Kebersihan" in html
    assert "Rahasia" not in html and "Iring" not in html
    assert "name='kelurahan' value='yosodadi'" in html  # the period form keeps the kelurahan


@pytest.mark.parametrize("key", ["Yosodadi", "yoso dadi", "x" * 65, "%3Cb%3E"])
def test_a_kelurahan_key_that_is_not_one_is_refused(reported, client, key):
    response = client("reports").get(f"/dashboard/berulang?kelurahan={key}", headers=AUTH)
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "kelurahan"


def test_one_end_of_the_period_given_is_enough(reported, client):
    response = client("reports").get("/dashboard/berulang?to=2026-11-30", headers=AUTH)
    assert response.status_code == 200 and "sampai 2026-11-30" in response.get_data(as_text=True)
