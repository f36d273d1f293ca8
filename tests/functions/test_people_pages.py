"""The people's pages of the reports function (docs/people.md) through the test client:
personal sign-in, the case page, the unit inbox, and their refusals."""
import re

import pytest

from shared.web import links
from shared.web.people_session import COOKIE
from tests.functions.conftest import ADMIN, pubsub_push
from tests.functions.test_route_function import stored_case
from tests.people_fakes import LINK_SECRET, with_people

DLH_ADMIN, DLH_HEAD = "lapor.dlh@example.invalid", "pimpinan.dlh@example.invalid"
PUPR_ADMIN, COORDINATOR = "lapor.dinas-pupr@example.invalid", "lapor.diskominfo@example.invalid"
SETDA_HEAD = "pimpinan.setda@example.invalid"


@pytest.fixture
def people(app):
    return with_people(app)


@pytest.fixture
def routed(people, client):
    case_id = stored_case(people, location={"kelurahan": "Iringmulyo", "address": "Jl. Pasar No. 1"})
    client("route", "cloudevent").post("/", json=pubsub_push({"case_id": case_id}))
    assert people.repo.get(case_id).unit_id == "dlh"
    return case_id


def sign_in(app, browser, address):
    """The whole sign-in: ask for a link, open it, press Masuk; returns the 303."""
    asked = browser.post("/masuk", data={"alamat": address})
    assert asked.status_code == 200 and "tautan masuk sudah dikirim" in asked.get_data(as_text=True)
    token = app.notification_sender.last_link().rsplit("/", 1)[1]
    confirm = browser.get(f"/masuk/{token}")
    assert confirm.status_code == 200 and "Masuk sebagai" in confirm.get_data(as_text=True)
    return browser.post(f"/masuk/{token}"), token


def form_fields(html, action):
    """The hidden fields (csrf, idem) of one action's form on the case page."""
    form = re.search(rf'<form method="post" action="[^"]*/{action}">(.*?)</form>', html, re.S)
    assert form, f"no form for {action}"
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form.group(1)))


def test_a_unit_admin_signs_in_by_a_one_time_link(people, client, routed):
    browser = client("reports")
    done, token = sign_in(people, browser, "LAPOR.DLH@example.invalid ")
    cookie = done.headers["Set-Cookie"]
    assert done.status_code == 303 and done.headers["Location"] == "../kotak-masuk"
    assert COOKIE in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    sent = people.notification_sender.sent[-1]
    assert sent["channel"] == "email" and sent["address"] == DLH_ADMIN and "satu kali" in sent["text"]
    inbox = browser.get("/kotak-masuk")
    html = inbox.get_data(as_text=True)
    assert inbox.status_code == 200 and "Dinas Lingkungan Hidup" in html and routed in html
    assert "Sampah menumpuk di TPS" in html and inbox.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in inbox.headers["Content-Security-Policy"]
    reused = client("reports").post(f"/masuk/{token}")
    assert reused.status_code == 410 and "satu kali" in reused.get_data(as_text=True)


def test_a_whatsapp_number_typed_as_people_do_finds_the_person(people, client, routed):
    browser = client("reports")
    browser.post("/masuk", data={"alamat": "0800-0000-007"})  # dlh admin: +628000000007
    assert people.notification_sender.sent[-1]["address"] == DLH_ADMIN  # WhatsApp not configured: e-mail


def test_an_unknown_address_gets_the_same_answer_and_nothing_is_sent(people, client):
    answer = client("reports").post("/masuk", data={"alamat": "orang.lain@example.invalid"})
    assert answer.status_code == 200 and "tautan masuk sudah dikirim" in answer.get_data(as_text=True)
    assert people.notification_sender.sent == []


def test_an_expired_or_forged_sign_in_link_is_refused(people, client):
    token = links.sign_in_token("admin:dlh:0", secret=LINK_SECRET, now=people.clock.now())
    people.clock.advance(minutes=16)
    expired = client("reports").post(f"/masuk/{token}")
    assert expired.status_code == 410 and "kedaluwarsa" in expired.get_data(as_text=True)
    assert not expired.headers.get("Set-Cookie")
    forged = links.sign_in_token("coordinator:diskominfo:0", secret="another-secret-0123456789abcdefgh",
                                 now=people.clock.now())
    assert client("reports").post(f"/masuk/{forged}").status_code == 400
    case_link = links.case_token("x", "admin:dlh:0", secret=LINK_SECRET, now=people.clock.now())
    assert client("reports").post(f"/masuk/{case_link}").status_code == 400  # a case link never signs in


def test_sign_in_requests_are_rate_limited_per_account(people, client):
    browser = client("reports")
    answers = [browser.post("/masuk", data={"alamat": DLH_ADMIN}).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 429] and len(people.notification_sender.sent) == 3
    assert browser.post("/masuk", data={"alamat": DLH_ADMIN}).headers["Retry-After"]


def test_the_unit_acknowledges_and_writes_a_tindak_lanjut_from_the_case_page(people, client, routed):
    browser = client("reports")
    sign_in(people, browser, DLH_ADMIN)
    page = browser.get(f"/kasus/{routed}").get_data(as_text=True)
    assert "Sampah menumpuk di TPS" in page and "Jl. Pasar No. 1" in page and "Iringmulyo" in page
    fields = form_fields(page, "acknowledge")
    done = browser.post(f"/kasus/{routed}/acknowledge", data={**fields, "note": "Tim berangkat besok."})
    assert done.status_code == 303 and done.headers["Location"] == f"../{routed}?hasil=acknowledge"
    again = browser.post(f"/kasus/{routed}/acknowledge", data={**fields, "note": "Tim berangkat besok."})
    assert again.status_code == 303  # the same form twice: the recorded answer, not a second change
    timeline = people.repo.timeline(routed)
    assert [e.action for e in timeline].count("acknowledged") == 1
    assert timeline[-1].actor == "person:admin:dlh:0"
    page = browser.get(f"/kasus/{routed}?hasil=acknowledge").get_data(as_text=True)
    assert "Laporan diterima unit." in page and "Admin SP4N-LAPOR! Dinas Lingkungan Hidup" in page
    fields = form_fields(page, "follow_up")
    short = browser.post(f"/kasus/{routed}/follow_up", data={**fields, "text": "ok", "visibility": "public"})
    assert short.status_code == 422 and "Periksa isian" in short.get_data(as_text=True)
    fields = form_fields(short.get_data(as_text=True), "follow_up")
    ok = browser.post(f"/kasus/{routed}/follow_up",
                      data={**fields, "text": "Truk dijadwalkan besok pagi.", "visibility": "public"})
    assert ok.status_code == 303
    page = browser.get(f"/kasus/{routed}").get_data(as_text=True)
    assert "Publik: Truk dijadwalkan besok pagi." in page
    assert people.repo.get(routed).status.value == "in_progress"


def test_an_action_that_does_not_apply_says_so(people, client, routed):
    browser = client("reports")
    sign_in(people, browser, DLH_ADMIN)
    fields = form_fields(browser.get(f"/kasus/{routed}").get_data(as_text=True), "acknowledge")
    browser.post(f"/kasus/{routed}/acknowledge", data=fields)
    fields = form_fields(browser.get(f"/kasus/{routed}").get_data(as_text=True), "follow_up")
    refused = browser.post(f"/kasus/{routed}/resume", data={**fields, "idem": "fresh-key-1"})
    assert refused.status_code == 409 and "tidak berlaku untuk kasus berstatus" in refused.get_data(as_text=True)


@pytest.mark.parametrize("csrf", [None, "", "0" * 64])
def test_every_form_needs_its_csrf_token(people, client, routed, csrf):
    browser = client("reports")
    sign_in(people, browser, DLH_ADMIN)
    fields = form_fields(browser.get(f"/kasus/{routed}").get_data(as_text=True), "acknowledge")
    data = {"idem": fields["idem"]} | ({} if csrf is None else {"csrf": csrf})
    refused = browser.post(f"/kasus/{routed}/acknowledge", data=data)
    assert refused.status_code == 403 and "token keamanan" in refused.get_data(as_text=True)
    assert people.repo.get(routed).status.value == "assigned"
    assert browser.post("/keluar", data=data).status_code == 403  # signing out is a form too


def test_another_units_admin_gets_404_and_a_head_reads_without_acting(people, client, routed):
    pupr = client("reports")
    sign_in(people, pupr, PUPR_ADMIN)
    assert pupr.get(f"/kasus/{routed}").status_code == 404
    assert pupr.get("/kotak-masuk?unit=dlh").status_code == 404
    head = client("reports")
    sign_in(people, head, SETDA_HEAD)  # setda's head: every OPD under setda
    page = head.get(f"/kasus/{routed}")
    assert page.status_code == 200 and "<form method=\"post\" action=\"../kasus/" not in page.get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    refused = head.post(f"/kasus/{routed}/acknowledge", data={"csrf": csrf, "idem": "k-1"})
    assert refused.status_code == 403 and people.repo.get(routed).status.value == "assigned"
    assert head.get("/kotak-masuk?unit=dlh").status_code == 200


def test_a_signed_case_link_opens_the_case_read_only_for_its_recipient(people, client, routed):
    url = links.signed_case_url("http://127.0.0.1:8080", routed, "head:dlh", secret=LINK_SECRET,
                                now=people.clock.now())
    path = url.split("/reports", 1)[1]
    page = client("reports").get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Sampah menumpuk di TPS" in html and "Hanya dapat dibaca" in html
    assert "Kepala Dinas Lingkungan Hidup" in html and "<form method=\"post\" action=\"../kasus" not in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    other_case = path.replace(routed, "demo-other")
    assert client("reports").get(other_case).status_code == 403
    people.clock.advance(days=15)
    assert client("reports").get(path).status_code == 410


def test_a_link_addressed_to_someone_else_is_refused_to_a_signed_in_person(people, client, routed):
    path = links.signed_case_url("", routed, "head:dlh", secret=LINK_SECRET, now=people.clock.now())
    pupr = client("reports")
    sign_in(people, pupr, PUPR_ADMIN)
    refused = pupr.get(path.removeprefix("/reports"))
    assert refused.status_code == 403 and "orang lain" in refused.get_data(as_text=True)


def test_a_case_the_unit_sent_back_stays_visible_read_only(people, client, routed):
    browser = client("reports")
    sign_in(people, browser, DLH_ADMIN)
    fields = form_fields(browser.get(f"/kasus/{routed}").get_data(as_text=True), "request_reroute")
    sent = browser.post(f"/kasus/{routed}/request_reroute",
                        data={**fields, "reason": "Saluran drainase, bukan sampah.", "suggested_unit": "dinas-pupr"})
    assert sent.status_code == 303 and people.repo.get(routed).unit_id == "diskominfo"
    page = browser.get(f"/kasus/{routed}").get_data(as_text=True)
    assert "Dinas Komunikasi dan Informatika" in page and "Hanya dapat dibaca" in page
    assert 'action="../kasus/' not in page
    inbox = browser.get("/kotak-masuk").get_data(as_text=True)
    assert "Dikembalikan oleh unit ini" in inbox and routed in inbox


def test_the_unit_api_reads_a_case_it_sent_back(people, client, routed):
    from tests.functions.test_units_function import act, unit_key
    dlh = unit_key(people, "dlh")
    assert act(client, routed, "request_reroute", dlh, {"reason": "Bukan kewenangan DLH."}).status_code == 200
    answer = client("units").get(f"/cases/{routed}", headers=dlh)
    assert answer.status_code == 200 and answer.get_json()["unit"]["id"] == "diskominfo"
    assert act(client, routed, "follow_up", dlh, {"text": "tetap?", "visibility": "internal"}).status_code == 404


def test_a_secret_report_shows_neither_title_nor_text(people, client):
    case_id = stored_case(people, secret=True, title="Rahasia pungli di kantor",
                          description="Ada pungutan liar di kantor kelurahan, tolong.")
    client("route", "cloudevent").post("/", json=pubsub_push({"case_id": case_id}))
    coordinator = client("reports")
    sign_in(people, coordinator, COORDINATOR)
    html = coordinator.get(f"/kasus/{case_id}").get_data(as_text=True)
    assert "Laporan rahasia" in html and "pungli" not in html and "tolong" not in html


def test_a_coordinator_opens_the_dashboard_downloads_and_drills_into_a_unit(people, client, routed):
    from tests.fakes import FakeReportSource
    people.report_source = FakeReportSource(people.repo)
    browser = client("reports")
    done, _ = sign_in(people, browser, COORDINATOR)
    assert done.headers["Location"] == "../dashboard"
    board = browser.get("/dashboard")
    html = board.get_data(as_text=True)
    assert board.status_code == 200 and "unit/dlh" in html and "figures.csv?from=" in html and "Keluar" in html
    assert browser.get("/figures.csv").status_code == 200 and browser.get("/figures.json").status_code == 200
    unit = browser.get("/unit/dlh")
    assert unit.status_code == 200 and "Dinas Lingkungan Hidup" in unit.get_data(as_text=True)
    assert routed in unit.get_data(as_text=True)
    reversed_period = browser.get("/dashboard?from=2026-11-20&to=2026-11-01")
    assert reversed_period.status_code == 422 and "Periode tidak dapat ditampilkan" in reversed_period.get_data(
        as_text=True) and reversed_period.mimetype == "text/html"
    out = browser.post("/keluar", data={"csrf": re.search(r"name='csrf' value='([^']+)'", html).group(1)})
    assert out.status_code == 303 and browser.get("/dashboard").status_code == 401


def test_a_unit_admin_session_does_not_open_the_city_figures(people, client, routed):
    browser = client("reports")
    sign_in(people, browser, DLH_ADMIN)
    assert browser.get("/dashboard").status_code == 403
    assert browser.get("/figures.json").status_code == 401
    assert browser.get("/unit/dlh").status_code == 200 and browser.get("/unit/dinas-pupr").status_code == 404


def test_the_admin_token_session_still_opens_the_dashboard_with_a_trailing_slash(people, client):
    from tests.fakes import FakeReportSource
    people.report_source = FakeReportSource(people.repo)
    browser = client("reports")
    assert browser.post("/login", data={"token": ADMIN}).status_code == 303
    page = browser.get("/dashboard/")
    assert page.status_code == 200 and "href='../figures.csv" in page.get_data(as_text=True)


def test_pages_without_the_link_secret_say_so(app, client):
    assert client("reports").get("/masuk").status_code == 503


def test_an_anonymous_visitor_is_asked_to_sign_in(people, client, routed):
    answer = client("reports").get(f"/kasus/{routed}")
    assert answer.status_code == 401 and 'name="alamat"' in answer.get_data(as_text=True)
    assert client("reports").get("/kotak-masuk").status_code == 401


def test_a_session_expires(people, client, routed):
    browser = client("reports")
    sign_in(people, browser, DLH_ADMIN)
    people.clock.advance(hours=10, seconds=1)  # people_session.LIFETIME
    assert browser.get("/kotak-masuk").status_code == 401


def test_the_coordinator_disposes_a_case_sent_back_to_triage(people, client, routed):
    dlh = client("reports")
    sign_in(people, dlh, DLH_ADMIN)
    fields = form_fields(dlh.get(f"/kasus/{routed}").get_data(as_text=True), "request_reroute")
    dlh.post(f"/kasus/{routed}/request_reroute", data={**fields, "reason": "Bukan kewenangan DLH."})
    coordinator = client("reports")
    sign_in(people, coordinator, COORDINATOR)
    inbox = coordinator.get("/kotak-masuk").get_data(as_text=True)
    assert "Kotak masuk: Dinas Komunikasi dan Informatika" in inbox and routed in inbox
    page = coordinator.get(f"/kasus/{routed}").get_data(as_text=True)
    fields = form_fields(page, "reassign")
    done = coordinator.post(f"/kasus/{routed}/reassign", data={**fields, "unit_id": "dinas-pupr", "reason": ""})
    assert done.status_code == 303 and people.repo.get(routed).unit_id == "dinas-pupr"
    assert people.repo.timeline(routed)[-1].actor == "person:coordinator:diskominfo:0"
    assert 'action="../kasus/' not in dlh.get(f"/kasus/{routed}").get_data(as_text=True)  # DLH: read-only now
