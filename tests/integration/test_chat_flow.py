"""Answers from the chat on a stack of its own, with the people channels' stand-ins
(infra/local/chat_standin.py, as ``make run`` starts them) and the real Firestore
emulator: an escalation reaches the unit admin on Telegram with buttons and the head
on WhatsApp (after the stand-in fails with 429 and 500), and "Terima" pressed in the
chat acknowledges the case in Firestore as that person, once per update id."""
from __future__ import annotations

import base64
import json
import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests

from infra.local.run import LOCAL_WEBHOOK_POLICY
from infra.local.stack import LocalStack, free_port
from shared.adapters.firestore_cases import FirestoreCaseRepository
from shared.domain.integrations.signature import signed_headers
from tests.integration.conftest import tick_until

PROJECT = "sigap-chat"
DLH_ADMIN_CHAT, DLH_HEAD_WHATSAPP = "100000007", "628000010007"  # contacts.yaml


@pytest.fixture(scope="module")
def chat_stack(tmp_path_factory):
    settings = {
        "SIGAP_INTAKE_SECRETS": json.dumps({"demo": "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()}),
        "SIGAP_ADMIN_TOKEN": secrets.token_urlsafe(24), "SIGAP_LINK_SECRET": secrets.token_urlsafe(32),
        "SIGAP_NOTIFY_RETRY_SCHEDULE": "1,1,1", "SIGAP_ALLOW_CLOCK_OVERRIDE": "1", "SIGAP_LAPOR_SANDBOX_REPORTS": "0",
        "SIGAP_LAPOR_SUBMIT_SOURCES": "none", "SIGAP_PUBLIC_BASE_URL": "https://sigap.metrokota.example",
        **LOCAL_WEBHOOK_POLICY}
    local = LocalStack(project=PROJECT, firestore_port=free_port(), pubsub_port=free_port(), gateway_port=free_port(),
                       settings=settings, log_dir=tmp_path_factory.mktemp("chat-logs"), scheduler=False, standins=True)
    local.start()
    yield local
    local.stop()


def standin(stack, path, **kwargs):
    base = stack.outbox_url.rsplit("/_outbox", 1)[0]
    method = "post" if "json" in kwargs else "get"
    response = getattr(requests, method)(f"{base}{path}", timeout=30, **kwargs)
    response.raise_for_status()
    return response.json()


def escalate(stack, as_of: datetime) -> None:
    data = base64.b64encode(json.dumps({"schedule": "escalate", "as_of": as_of.isoformat()}).encode()).decode()
    mid = uuid.uuid4().hex
    body = {"message": {"data": data, "attributes": {}, "messageId": mid, "message_id": mid},
            "subscription": f"projects/{PROJECT}/subscriptions/escalate-push"}
    assert requests.post(f"{stack.gateway_url}/escalate", json=body, timeout=60).status_code == 200


def test_an_escalation_reaches_telegram_and_whatsapp_and_terima_acknowledges_once(chat_stack):
    from google.cloud import firestore

    from infra.local.stack import emulator_env
    secret = json.loads(chat_stack.settings["SIGAP_INTAKE_SECRETS"])["demo"]
    body = json.dumps({"external_id": f"chat-{uuid.uuid4().hex[:6]}", "title": "Sampah menumpuk di TPS Pasar Kopindo",
                       "description": "Sampah tidak diangkut sudah seminggu, baunya sampai ke rumah warga.",
                       "category": "sampah-kebersihan", "location": {"kelurahan": "Metro"},
                       "reporter": {"name": "Sulastri Wijaya", "phone": "+6281200000001"}})
    created = requests.post(f"{chat_stack.gateway_url}/intake/sources/demo/complaints", data=body,
                            headers=signed_headers(secret, body), timeout=30)
    case_id = created.json()["id"]
    admin = {"Authorization": f"Bearer {chat_stack.settings['SIGAP_ADMIN_TOKEN']}"}
    case = lambda: requests.get(f"{chat_stack.gateway_url}/cases/{case_id}", headers=admin, timeout=30).json()  # noqa: E731
    deadline = time.monotonic() + 20
    while case()["status"] != "assigned" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert case()["unit"]["id"] == "dlh"

    standin(chat_stack, "/_standin/fail", json={"service": "whatsapp", "statuses": [429, 500], "retry_after": 1})
    escalate(chat_stack, datetime.now(UTC) + timedelta(days=30))  # past the first-response deadline: level 1
    tick_until(chat_stack, "notification-deliveries", lambda: standin(chat_stack, "/_standin/sent?service=whatsapp")
               and any(m["chat_id"] == DLH_ADMIN_CHAT and "Eskalasi" in m["text"]
                       for m in standin(chat_stack, "/_standin/sent?service=telegram")), timeout=40)

    (whatsapp,) = standin(chat_stack, "/_standin/sent?service=whatsapp")
    assert whatsapp["to"] == DLH_HEAD_WHATSAPP and whatsapp["template"] == "sigap_eskalasi"
    assert whatsapp["params"][0] == "tingkat 1" and case_id in whatsapp["params"][1]
    assert whatsapp["params"][-1].startswith(f"https://sigap.metrokota.example/reports/kasus/{case_id}?t=")
    assert standin(chat_stack, "/_standin/health")["calls"]["whatsapp"] == 3  # 429, 500, then delivered once
    (telegram,) = [m for m in standin(chat_stack, "/_standin/sent?service=telegram")
                   if m["chat_id"] == DLH_ADMIN_CHAT and "Eskalasi" in m["text"]]
    assert "Keadaan: tanpa jawaban" in telegram["text"] and "Sampah menumpuk di TPS Pasar Kopindo" in telegram["text"]
    assert "Sulastri" not in telegram["text"] and "+6281200000001" not in telegram["text"]
    keyboard = telegram["reply_markup"]["inline_keyboard"]
    assert [b["text"] for row in keyboard for b in row] == ["Terima", "Tindak lanjut", "Buka kasus"]
    mails = standin(chat_stack, "/_standin/sent?service=mail")
    assert {"lapor.dlh@example.invalid", "pimpinan.dlh@example.invalid"} <= {t for m in mails for t in m["to"]}

    pressed = standin(chat_stack, "/_standin/press", json={"n": telegram["n"], "data": f"ack:{case_id}"})
    assert pressed["status"] == 200 and json.loads(pressed["answer"])["outcome"] == "done"
    assert case()["status"] == "acknowledged"
    with emulator_env(chat_stack.env):
        repo = FirestoreCaseRepository(firestore.Client(project=PROJECT))
    acknowledged = [e for e in repo.timeline(case_id) if e.action == "acknowledged"]
    assert [e.actor for e in acknowledged] == ["person:admin:dlh:0"]

    # Telegram redelivers an update until it gets a 200: the same update id changes nothing
    (posted,) = [w for w in standin(chat_stack, "/_standin/sent?service=webhook") if "callback_query" in w["update"]]
    again = requests.post(f"{chat_stack.gateway_url}/telegram_webhook/", json=posted["update"], timeout=30,
                          headers={"X-Telegram-Bot-Api-Secret-Token":
                                   chat_stack.settings["SIGAP_TELEGRAM_WEBHOOK_SECRET"]})
    assert again.status_code == 200 and again.json()["outcome"] == "done"
    assert len([e for e in repo.timeline(case_id) if e.action == "acknowledged"]) == 1
    answers = [w for w in standin(chat_stack, "/_standin/sent?service=webhook") if "answerCallbackQuery" in w["update"]]
    assert answers and answers[0]["answer"].startswith(f"Laporan {case_id} diterima")
    wrong = requests.post(f"{chat_stack.gateway_url}/telegram_webhook/", json=posted["update"], timeout=30,
                          headers={"X-Telegram-Bot-Api-Secret-Token": "not-the-secret"})
    assert wrong.status_code == 401
