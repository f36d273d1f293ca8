"""The people's path in a real browser (Playwright on Debian's chromium, /usr/bin/chromium)
against a stack of its own: the Firestore and Pub/Sub emulators, the functions behind the
functions-framework gateway, an SMTP catcher (aiosmtpd) and the LAPOR! sandbox.

1. A complaint is routed to DLH and escalated; DLH's head receives the escalation e-mail
   and opens its signed link: the case page, read-only, without signing in.
2. DLH's admin signs in by a one-time link from the mail catcher, finds the case in the
   inbox, acknowledges it and writes a public tindak lanjut: the timeline and the LAPOR!
   sandbox show it.
3. The coordinator signs in, drills into DLH and downloads the CSV.
Plus the refusals: an expired or reused sign-in link, a link addressed to someone else,
another unit's case, a form without its CSRF token.

Screenshots (390 px wide, a phone) go to build/screenshots/ (git-ignored; CI keeps them)."""
from __future__ import annotations

import base64
import json
import re
import secrets
import time
from datetime import datetime, timedelta
from email import message_from_string
from email.policy import default
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, sync_playwright

from infra.local.run import LOCAL_WEBHOOK_POLICY
from infra.local.stack import LocalStack, free_port
from shared.domain.integrations.signature import signed_headers
from shared.web import links
from tests.integration.conftest import tick_until

PROJECT = "sigap-people"
SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DLH_ADMIN, DLH_HEAD = "lapor.dlh@example.invalid", "pimpinan.dlh@example.invalid"
PUPR_ADMIN, COORDINATOR = "lapor.dinas-pupr@example.invalid", "lapor.diskominfo@example.invalid"
FOLLOW_UP = "Truk sampah dijadwalkan besok pagi pukul 07.00 ke TPS Pasar Cendrawasih."


class Inbox:
    def __init__(self):
        self.mails: list[tuple[list[str], str]] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        self.mails.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"

    def to(self, address: str) -> list:
        return [message_from_string(raw, policy=default) for rcpt, raw in self.mails if address in rcpt]

    def wait_for(self, address: str, contains: str, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for mail in reversed(self.to(address)):
                text = mail.get_content()
                if contains in text:
                    return text
            time.sleep(0.3)
        raise AssertionError(f"no mail to {address} with {contains!r}; got {[m['Subject'] for m in self.to(address)]}")


def sign_in_link(text: str) -> str:
    found = re.search(r"https?://\S+/reports/masuk/\S+", text)
    assert found, text
    return found.group(0)


@pytest.fixture(autouse=True)
def fresh_data():
    """This module runs on its own stack (below), not the session's: nothing to reset there."""


@pytest.fixture(scope="module")
def inbox():
    box = Inbox()
    smtp = Controller(box, hostname="127.0.0.1", port=free_port())
    smtp.start()
    box.port = smtp.port
    yield box
    smtp.stop()


@pytest.fixture(scope="module")
def people_stack(inbox, tmp_path_factory):
    gateway_port = free_port()
    settings = {
        "SIGAP_INTAKE_SECRETS": json.dumps({"demo": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()}),
        "SIGAP_ADMIN_TOKEN": secrets.token_urlsafe(24), "SIGAP_LINK_SECRET": secrets.token_urlsafe(32),
        "SIGAP_SMTP_HOST": "127.0.0.1", "SIGAP_SMTP_PORT": str(inbox.port), "SIGAP_SMTP_STARTTLS": "false",
        "SIGAP_PUBLIC_BASE_URL": f"http://127.0.0.1:{gateway_port}", "SIGAP_NOTIFY_RETRY_SCHEDULE": "1,1,1",
        "SIGAP_OUTBOX_GRACE_SECONDS": "0", "SIGAP_ALLOW_CLOCK_OVERRIDE": "1", "SIGAP_LAPOR_SANDBOX_REPORTS": "0",
        **LOCAL_WEBHOOK_POLICY}
    local = LocalStack(project=PROJECT, firestore_port=free_port(), pubsub_port=free_port(),
                       gateway_port=gateway_port, settings=settings,
                       log_dir=tmp_path_factory.mktemp("people-logs"), scheduler=False)
    local.start()
    yield local
    local.stop()


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def phone(browser) -> Page:
    return browser.new_context(viewport=PHONE, accept_downloads=True).new_page()


def no_horizontal_scroll(page: Page) -> None:
    """Nothing is clipped on a phone: the page itself never scrolls sideways (tables scroll in their box)."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def submit_complaint(stack) -> str:
    secret = json.loads(stack.settings["SIGAP_INTAKE_SECRETS"])["demo"]
    body = json.dumps({"external_id": f"p-{secrets.token_hex(4)}", "title": "Sampah menumpuk di TPS Pasar Cendrawasih",
                       "description": "Sampah di TPS pasar tidak diangkut sudah seminggu, bau sekali sampai rumah.",
                       "location": {"kelurahan": "Iringmulyo", "address": "Jl. Cendrawasih No. 3"},
                       "reporter": {"name": "Sulastri Wijaya", "anonymous": True}})
    created = requests.post(f"{stack.gateway_url}/intake/sources/demo/complaints", data=body,
                            headers=signed_headers(secret, body), timeout=30)
    assert created.status_code in (200, 201, 202), created.text
    case_id = created.json()["id"]
    admin = {"Authorization": f"Bearer {stack.settings['SIGAP_ADMIN_TOKEN']}"}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        case = requests.get(f"{stack.gateway_url}/cases/{case_id}", headers=admin, timeout=30).json()
        if case.get("unit") and case["unit"]["id"] == "dlh":
            return case_id
        time.sleep(0.5)
    raise AssertionError(f"case {case_id} not routed to dlh: {case}")


def escalate(stack, as_of: datetime) -> None:
    data = base64.b64encode(json.dumps({"schedule": "escalate", "as_of": as_of.isoformat()}).encode()).decode()
    mid = secrets.token_hex(8)
    body = {"message": {"data": data, "attributes": {}, "messageId": mid, "message_id": mid},
            "subscription": f"projects/{PROJECT}/subscriptions/escalate-push"}
    assert requests.post(f"{stack.gateway_url}/escalate", json=body, timeout=60).status_code in (200, 204)


def ask_link(page: Page, base: str, address: str) -> None:
    page.goto(f"{base}/reports/masuk")
    page.fill("#alamat", address)
    shot(page, "0-sign-in-form")
    page.click("button[type=submit]")
    assert "tautan masuk sudah dikirim" in page.inner_text("main")
    no_horizontal_scroll(page)


def sign_in(page: Page, stack, inbox: Inbox, address: str) -> str:
    before = len(inbox.to(address))
    ask_link(page, stack.gateway_url, address)
    deadline = time.monotonic() + 20
    while len(inbox.to(address)) <= before and time.monotonic() < deadline:
        time.sleep(0.2)
    link = sign_in_link(inbox.to(address)[-1].get_content())
    page.goto(link)
    page.click("#masuk")
    return link


def test_the_whole_path_head_unit_admin_coordinator(people_stack, inbox, browser):
    stack = people_stack
    case_id = submit_complaint(stack)

    # 1. escalated: DLH's head gets the e-mail and opens the signed link without signing in
    escalate(stack, datetime.now().astimezone() + timedelta(days=30))
    tick_until(stack, "notification-deliveries", lambda: inbox.to(DLH_HEAD), timeout=40)
    mail = inbox.to(DLH_HEAD)[-1].get_content()
    link = re.search(rf"https?://\S+/reports/kasus/{case_id}\?t=\S+", mail)
    assert link, mail
    head = phone(browser)
    head.goto(link.group(0))
    assert "Sampah menumpuk di TPS Pasar Cendrawasih" in head.inner_text("#judul")
    assert "Hanya dapat dibaca" in head.inner_text("main") and head.locator("form[action*='/kasus/']").count() == 0
    assert "Sulastri" not in head.content()
    no_horizontal_scroll(head)
    shot(head, "1-head-case-link")

    # 2. the unit admin signs in, finds the case, acknowledges, writes a public tindak lanjut
    admin = phone(browser)
    sign_in(admin, stack, inbox, DLH_ADMIN)
    assert admin.url.endswith("/reports/kotak-masuk")
    assert case_id in admin.content()
    no_horizontal_scroll(admin)
    shot(admin, "2-unit-inbox")
    admin.click(f"a[href$='kasus/{case_id}']")
    shot(admin, "3-unit-case")
    admin.click("#aksi-acknowledge button[type=submit]")
    assert "Laporan diterima unit." in admin.inner_text("main")
    if admin.get_attribute("#aksi-follow_up", "open") is None:  # the first action's form is open already
        admin.click("#aksi-follow_up summary")
    admin.fill("#follow_up-text", FOLLOW_UP)
    admin.select_option("#follow_up-visibility", "public")
    admin.click("#aksi-follow_up button[type=submit]")
    assert "Tindak lanjut tercatat." in admin.inner_text("main")
    timeline = admin.inner_text("#riwayat")
    assert f"Publik: {FOLLOW_UP}" in timeline and "Admin SP4N-LAPOR! Dinas Lingkungan Hidup" in timeline
    no_horizontal_scroll(admin)
    shot(admin, "4-unit-after-follow-up")

    def lapor_shows_it() -> bool:
        got = requests.get(f"{stack.lapor_url}/_sandbox/received", timeout=10).json()
        return any(f["text"] == FOLLOW_UP and f["client_ref"].startswith(case_id) for f in got["follow_ups"])
    tick_until(stack, "lapor-push", lapor_shows_it, timeout=40)

    # 3. the coordinator signs in, drills into DLH and downloads the CSV
    coordinator = phone(browser)
    sign_in(coordinator, stack, inbox, COORDINATOR)
    assert coordinator.url.endswith("/reports/dashboard")
    no_horizontal_scroll(coordinator)
    shot(coordinator, "5-coordinator-dashboard")
    coordinator.click("#units a[href*='unit/dlh']")
    assert coordinator.inner_text("#unit-name") == "Dinas Lingkungan Hidup" and case_id in coordinator.content()
    no_horizontal_scroll(coordinator)
    shot(coordinator, "6-coordinator-unit-dlh")
    with coordinator.expect_download() as download:
        coordinator.click("a[href*='figures.csv']")
    csv_text = Path(download.value.path()).read_text()
    assert csv_text.startswith("group,id,received") and "\nunit,dlh,1," in csv_text

    # 4. the recurring problems, then one kelurahan's own view, as a lurah would open it
    coordinator.go_back()
    coordinator.click("header a[href$='dashboard/berulang']")
    assert coordinator.inner_text("h1") == "Masalah berulang"
    no_horizontal_scroll(coordinator)
    shot(coordinator, "7-coordinator-recurring")
    coordinator.click("a[href*='berulang?kelurahan=iringmulyo']")
    assert coordinator.inner_text("h1") == "Masalah di Kelurahan Iringmulyo"
    assert "Sampah dan Kebersihan" in coordinator.inner_text("main")
    no_horizontal_scroll(coordinator)
    shot(coordinator, "8-kelurahan-iringmulyo")


def test_the_refusals(people_stack, inbox, browser):
    stack, base = people_stack, people_stack.gateway_url
    case_id = submit_complaint(stack)
    secret = stack.settings["SIGAP_LINK_SECRET"]

    # an expired sign-in link, then a reused one
    an_hour_ago = datetime.now().astimezone() - timedelta(hours=1)
    expired = links.sign_in_url(base, "admin:dlh:0", secret=secret, now=an_hour_ago)
    page = phone(browser)
    answer = page.goto(expired)
    assert answer.status == 410 and "kedaluwarsa" in page.inner_text("main")
    link = sign_in(page, stack, inbox, DLH_ADMIN)
    again = phone(browser)
    again.goto(link)
    reused = again.request.post(link)
    assert reused.status == 410 and "satu kali" in reused.text()
    shot(again, "7-refused-reused-link")

    # a form without its CSRF token changes nothing
    page.goto(f"{base}/reports/kasus/{case_id}")
    idem = page.input_value("#aksi-acknowledge input[name=idem]")
    forged = page.request.post(f"{base}/reports/kasus/{case_id}/acknowledge", form={"idem": idem})
    assert forged.status == 403 and "token keamanan" in forged.text()
    page.goto(f"{base}/reports/kasus/{case_id}")
    assert page.inner_text("#status") == "Didisposisikan ke unit"

    # another unit's admin: 404 on the case; the head's signed link refused to them
    pupr = phone(browser)
    sign_in(pupr, stack, inbox, PUPR_ADMIN)
    assert pupr.goto(f"{base}/reports/kasus/{case_id}").status == 404
    addressed = links.signed_case_url(base, case_id, "head:dlh", secret=secret, now=datetime.now().astimezone())
    refused = pupr.goto(addressed)
    assert refused.status == 403 and "orang lain" in pupr.inner_text("main")
    shot(pupr, "8-refused-link-for-someone-else")

    # DLH sends it back ("bukan kewenangan"): it stays in DLH's inbox, read-only, saying where it went
    page.goto(f"{base}/reports/kasus/{case_id}")
    page.click("#aksi-request_reroute summary")
    page.fill("#request_reroute-reason", "Saluran drainase tersumbat, bukan urusan sampah.")
    page.select_option("#request_reroute-unit", "dinas-pupr")
    page.click("#aksi-request_reroute button[type=submit]")
    assert "dikembalikan ke koordinator" in page.inner_text("main")
    assert "Dinas Komunikasi dan Informatika" in page.inner_text("#dikembalikan")
    assert page.locator("form[action*='/kasus/']").count() == 0
    page.goto(f"{base}/reports/kotak-masuk")
    assert case_id in page.inner_text("main") and "Dikembalikan oleh unit ini" in page.inner_text("main")
    no_horizontal_scroll(page)
    shot(page, "9-sent-back-in-the-inbox")
