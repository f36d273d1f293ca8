"""Notifications on a stack of their own: real SMTP server (aiosmtpd), a Telegram Bot
API stand-in and a JSON webhook receiver, all on this machine."""
from __future__ import annotations

import base64
import json
import secrets
import shutil
import threading
import time
from email import message_from_string
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
import yaml
from aiosmtpd.controller import Controller

from infra.local.run import LOCAL_WEBHOOK_POLICY
from infra.local.stack import LocalStack, free_port
from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR
from shared.domain.integrations.signature import signed_headers
from tests.integration.conftest import tick_until

PROJECT = "sigap-notify"


class Inbox:
    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


class BotApi:
    """Speaks enough of the Telegram Bot API: POST /bot<token>/sendMessage; fails on demand."""

    def __init__(self, fail_first=0):
        self.sent: list[dict[str, Any]] = []
        self.calls, self.fail_first = 0, fail_first
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                api.calls += 1
                ok = api.calls > api.fail_first and self.path == "/bottest-token/sendMessage"
                if ok:
                    api.sent.append(body)
                reply = json.dumps({"ok": ok, "result": {"message_id": api.calls}}).encode()
                self.send_response(200 if ok else 502)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def channels():
    inbox, bot = Inbox(), BotApi(fail_first=2)
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    yield inbox, bot, smtp.port
    smtp.stop()
    bot.server.shutdown()


@pytest.fixture(scope="module")
def notify_stack(channels, tmp_path_factory):
    inbox, bot, smtp_port = channels
    catalog = tmp_path_factory.mktemp("catalog")
    shutil.copytree(DEFAULT_CATALOG_DIR, catalog, dirs_exist_ok=True)
    contacts = yaml.safe_load((catalog / "contacts.yaml").read_text())
    contacts["contacts"]["dlh"]["admins"] = [{"name": "Admin DLH", "role": "Admin SP4N-LAPOR!",
                                              "email": "admin.dlh@example.invalid", "telegram": "777001"}]
    (catalog / "contacts.yaml").write_text(yaml.safe_dump(contacts, allow_unicode=True))
    settings = {
        "SIGAP_INTAKE_SECRETS": json.dumps({"demo": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()}),
        "SIGAP_ADMIN_TOKEN": secrets.token_urlsafe(24), "SIGAP_CATALOG_DIR": str(catalog),
        "SIGAP_SMTP_HOST": "127.0.0.1", "SIGAP_SMTP_PORT": str(smtp_port), "SIGAP_SMTP_STARTTLS": "false",
        "SIGAP_TELEGRAM_API_BASE": f"http://127.0.0.1:{bot.port}", "SIGAP_TELEGRAM_BOT_TOKEN": "test-token",
        "SIGAP_NOTIFY_RETRY_SCHEDULE": "1,1,1", "SIGAP_PUBLIC_BASE_URL": "https://sigap.metrokota.example",
        **LOCAL_WEBHOOK_POLICY}
    local = LocalStack(project=PROJECT, firestore_port=free_port(), pubsub_port=free_port(), gateway_port=free_port(),
                       settings=settings, log_dir=tmp_path_factory.mktemp("notify-logs"), scheduler=False)
    local.start()
    yield local
    local.stop()


def test_assignment_reaches_the_unit_admin_by_email_and_telegram_once(notify_stack, channels):
    inbox, bot, _ = channels
    secret = json.loads(notify_stack.settings["SIGAP_INTAKE_SECRETS"])["demo"]
    body = json.dumps({"external_id": "n-1", "title": "Sampah menumpuk di TPS Pasar Cendrawasih",
                       "description": "Rahasia: petugas kebersihan tidak datang seminggu, bau menyengat.",
                       "secret": True, "reporter": {"name": "Sulastri Wijaya", "anonymous": True}})
    created = requests.post(f"{notify_stack.gateway_url}/intake/sources/demo/complaints", data=body,
                            headers=signed_headers(secret, body), timeout=30)
    case_id = created.json()["id"]
    tick_until(notify_stack, "notification-deliveries", lambda: inbox.mails and bot.sent)
    time.sleep(2)
    mails = [(rcpt, message_from_string(raw, policy=default)) for rcpt, raw in inbox.mails]
    ours = [(rcpt, m) for rcpt, m in mails if case_id in m["Subject"]]
    assert len(ours) == 1 and ours[0][0] == ["admin.dlh@example.invalid"]
    mail, (telegram,) = ours[0][1].get_content(), bot.sent
    assert telegram["chat_id"] == "777001" and bot.calls == 3  # two failures, then delivered once
    for text in (mail, telegram["text"]):
        assert f"Laporan baru {case_id}" in text
        assert f"https://sigap.metrokota.example/reports/kasus/{case_id}" in text  # the case page, not the API
        assert "Tahap: tanggapan pertama, batas waktu" in text and "(laporan rahasia)" in text
        assert "Sulastri" not in text and "petugas kebersihan" not in text and "Sampah menumpuk" not in text
