"""The WhatsApp Cloud API and Telegram Bot API channels and the mail catcher, against the
local stand-ins (infra/local/chat_standin.py) in this process: what goes over the wire,
and the delivery engine's retries when the stand-in fails on demand (429 with
Retry-After, 500), as the real APIs do."""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from infra.local.chat_standin import serve
from infra.local.stack import free_port
from shared.adapters.notification_senders import NotificationSender, SmtpSettings
from shared.adapters.telegram import TelegramClient, TelegramReplies
from shared.adapters.whatsapp import WhatsAppClient, template_body
from shared.delivery.engine import deliver_due
from shared.delivery.policy import RetryPolicy
from shared.delivery.state import Delivery, DeliveryStatus
from tests.delivery_fakes import FakeNotificationStore, FakeWebhookSender
from tests.fakes import FakeClock

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
TOKEN, WA_TOKEN, PHONE_ID = "bot-token-test", "wa-token-test", "100000000000001"


@pytest.fixture(scope="module")
def standin():
    port = free_port()
    server, mail, state = serve(port, free_port())
    state.telegram_token, state.whatsapp_token = TOKEN, WA_TOKEN
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.base = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    state.mail_port = mail.port  # type: ignore[attr-defined]
    yield state
    server.shutdown()
    mail.stop()


@pytest.fixture(autouse=True)
def clean(standin):
    for items in standin.sent.values():
        items.clear()
    for queue in standin.failures.values():
        queue.clear()
    standin.calls.update(telegram=0, whatsapp=0)


def whatsapp(standin) -> WhatsAppClient:
    return WhatsAppClient(base_url=f"{standin.base}/v21.0", phone_number_id=PHONE_ID, token=WA_TOKEN)


def fail(standin, service, statuses, retry_after=None):
    requests.post(f"{standin.base}/_standin/fail", timeout=5,
                  json={"service": service, "statuses": statuses, "retry_after": retry_after}).raise_for_status()


def test_a_template_message_as_the_cloud_api_takes_it(standin):
    body: Any = template_body("+62 800-001-0005", "sigap_eskalasi", ["tingkat 1", "baris\nbaru"])
    assert body["to"] == "628000010005" and body["template"]["language"] == {"code": "id"}
    assert body["template"]["components"][0]["parameters"][1] == {"type": "text", "text": "baris baru"}
    assert whatsapp(standin).send_template("+628000010005", "sigap_eskalasi", ["tingkat 1", "x"], NOW).ok
    (sent,) = standin.sent["whatsapp"]
    assert (sent["to"], sent["template"], sent["language"], sent["params"]) == (
        "628000010005", "sigap_eskalasi", "id", ["tingkat 1", "x"])


def test_the_cloud_apis_failures_become_outcomes(standin):
    fail(standin, "whatsapp", [429, 500], retry_after=7)
    client = whatsapp(standin)
    limited = client.send_template("+628000010005", "sigap_eskalasi", ["a"], NOW)
    assert (limited.status, limited.retry_after, limited.transient) == (429, 7.0, True)
    broken = client.send_template("+628000010005", "sigap_eskalasi", ["a"], NOW)
    assert (broken.status, broken.transient) == (500, True)
    wrong = WhatsAppClient(base_url=f"{standin.base}/v21.0", phone_number_id=PHONE_ID, token="wrong")
    refused = wrong.send_template("+628000010005", "sigap_eskalasi", ["a"], NOW)
    assert (refused.status, refused.transient) == (401, False)  # the same request fails the same way: parked
    assert not standin.sent["whatsapp"]


def _whatsapp_delivery() -> Delivery:
    payload = {"id": "e-9", "type": "complaint.escalated", "case_id": "c-9", "occurred_at": NOW.isoformat(),
               "data": {"address": "+628000010005", "name": "Kepala", "text": "t", "subject": "s", "link": "l",
                        "template": "sigap_eskalasi", "template_params": ["tingkat 1", "c-9", "DLH", "x", "y", "l"]}}
    return Delivery("e-9~whatsapp-x", "notify-whatsapp", "e-9", "complaint.escalated", payload, NOW, NOW)


def test_the_delivery_engine_retries_whatsapp_after_a_429s_retry_after_and_a_500(standin):
    store, clock = FakeNotificationStore(), FakeClock(NOW)
    store.create_delivery(_whatsapp_delivery())
    sender = NotificationSender(smtp=None, telegram_base="https://bot.invalid", telegram_token=None,
                                webhook_sender=FakeWebhookSender(), whatsapp=whatsapp(standin))
    assert "whatsapp" in sender.channels()
    fail(standin, "whatsapp", [429, 500], retry_after=120)
    policy = RetryPolicy.scheduled((30.0, 30.0, 30.0))
    deliver_due(store=store, sender=sender, clock=clock, policy=policy)
    (waiting,) = store.deliveries.values()
    assert waiting.last_status == 429 and waiting.next_attempt_at == NOW + timedelta(seconds=120)
    clock.advance(seconds=119)
    assert deliver_due(store=store, sender=sender, clock=clock, policy=policy).delivered == 0
    assert standin.calls["whatsapp"] == 1  # not before the Retry-After
    clock.advance(seconds=1)
    deliver_due(store=store, sender=sender, clock=clock, policy=policy)  # the 500
    clock.advance(seconds=30)
    assert deliver_due(store=store, sender=sender, clock=clock, policy=policy).delivered == 1
    (done,) = store.deliveries.values()
    assert done.status is DeliveryStatus.DELIVERED and done.attempts == 3 and len(standin.sent["whatsapp"]) == 1


def test_parameters_go_on_one_line_and_a_refusal_is_parked_at_once(standin):
    store, clock = FakeNotificationStore(), FakeClock(NOW)
    delivery = _whatsapp_delivery()
    delivery.payload["data"]["template_params"] = ["dua\tbaris"]  # the API refuses tabs and new lines
    store.create_delivery(delivery)
    sender = NotificationSender(smtp=None, telegram_base="https://bot.invalid", telegram_token=None,
                                webhook_sender=FakeWebhookSender(), whatsapp=whatsapp(standin))
    assert deliver_due(store=store, sender=sender, clock=clock, policy=RetryPolicy.scheduled((1.0,))).delivered == 1
    assert standin.sent["whatsapp"][0]["params"] == ["dua baris"]
    store = FakeNotificationStore()
    store.create_delivery(_whatsapp_delivery())
    revoked = NotificationSender(smtp=None, telegram_base="https://bot.invalid", telegram_token=None,
                                 webhook_sender=FakeWebhookSender(), whatsapp=WhatsAppClient(
                                     base_url=f"{standin.base}/v21.0", phone_number_id=PHONE_ID, token="revoked"))
    deliver_due(store=store, sender=revoked, clock=clock, policy=RetryPolicy.scheduled((1.0, 1.0, 1.0)))
    (parked,) = store.deliveries.values()
    assert parked.status is DeliveryStatus.PARKED and parked.attempts == 1 and parked.last_status == 401


def test_telegram_messages_carry_their_buttons_and_honour_retry_after(standin):
    client = TelegramClient(base_url=standin.base, token=TOKEN)
    buttons = [[{"text": "Terima", "callback_data": "ack:c-1"}], [{"text": "Buka kasus", "url": "https://x/k"}]]
    assert client.send_message("100000007", "Laporan baru c-1", NOW, buttons).ok
    (sent,) = standin.sent["telegram"]
    assert sent["reply_markup"] == {"inline_keyboard": buttons} and sent["chat_id"] == "100000007"
    fail(standin, "telegram", [429], retry_after=5)
    limited = client.send_message("100000007", "x", NOW)
    assert (limited.status, limited.retry_after) == (429, 5.0)
    TelegramReplies(client).send("100000007", "Tindak lanjut laporan c-1: balas", prompt=True)
    assert standin.sent["telegram"][-1]["reply_markup"]["force_reply"] is True


def test_email_reaches_the_mail_catcher(standin):
    sender = NotificationSender(smtp=SmtpSettings("127.0.0.1", standin.mail_port, starttls=False),
                                telegram_base="https://bot.invalid", telegram_token=None,
                                webhook_sender=FakeWebhookSender())
    payload = {"id": "e-1", "type": "complaint.assigned", "case_id": "c-1", "occurred_at": NOW.isoformat(),
               "data": {"address": "lapor.dlh@example.invalid", "subject": "[Sigap] Laporan baru c-1",
                        "text": "Laporan baru c-1 ditugaskan\n.\nBuka kasus: https://x", "name": "Admin"}}
    from shared.domain.integrations.notifications import Channel
    outcome = sender.send(Channel("email"), Delivery("e-1~email-x", "notify-email", "e-1", "complaint.assigned",
                                                     payload, NOW, NOW), NOW)
    assert outcome.ok
    (mail,) = standin.sent["mail"]
    assert mail["to"] == ["lapor.dlh@example.invalid"] and mail["subject"] == "[Sigap] Laporan baru c-1"
    assert mail["body"] == "Laporan baru c-1 ditugaskan\n.\nBuka kasus: https://x\n"
    assert mail["message_id"] == "<e-1@sigap>"
    page = requests.get(f"{standin.base}/_outbox", timeout=5)
    assert page.status_code == 200 and "[Sigap] Laporan baru c-1" in page.text
