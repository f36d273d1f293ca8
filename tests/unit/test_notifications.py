from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from shared.adapters.catalog_files import load_catalog
from shared.delivery.engine import deliver_due, redrive
from shared.delivery.policy import RetryPolicy
from shared.delivery.state import Delivery, DeliveryStatus, Outcome
from shared.domain.integrations.notifications import Channel, messages, recipients_for, text_for
from shared.services.notify import queue_notifications
from tests.delivery_fakes import FakeChannelSender, FakeNotificationStore, FakeWebhookSender
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher

CATALOG = load_catalog()
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
NOTIFY_RETRY = RetryPolicy.scheduled((30.0, 120.0, 600.0, 3600.0, 21600.0))


def contact(name, **addresses):
    return SimpleNamespace(name=name, role="Admin", addresses=addresses)


CONTACTS = {
    "dlh": SimpleNamespace(admins=(contact("Admin DLH", email="dlh@example.invalid", telegram="1001"),
                                   contact("Admin DLH 2", email="dlh@example.invalid")),
                           head=contact("Kepala DLH", email="kadis@example.invalid")),
    "diskominfo": SimpleNamespace(admins=(contact("Admin Kominfo", telegram="2002"),), head=contact("Kadis")),
}
ESCALATION = SimpleNamespace(contacts=CONTACTS, rules=None)


def assigned(unit="dlh"):
    return {"id": "c-1.00002-routed", "type": "complaint.assigned", "case_id": "c-1",
            "occurred_at": NOW.isoformat(), "data": {"unit_id": unit, "category": "sampah-kebersihan"}}


def test_assignment_tells_the_units_admins_once_per_address():
    told = recipients_for(assigned(), CATALOG, CONTACTS)
    sent = messages(told, "x")
    assert [(m.channel, m.address) for m in sent] == [("email", "dlh@example.invalid"), ("telegram", "1001")]


def test_triage_tells_the_coordinator():
    event = {**assigned(), "type": "complaint.triaged", "data": {"unit_id": "diskominfo"}}
    assert [r["name"] for r in recipients_for(event, CATALOG, CONTACTS)] == ["Admin Kominfo"]


def test_escalation_at_digest_levels_tells_only_the_admins():
    people = [{"role": "admin", "name": "A", "addresses": {"email": "a@x.invalid"}},
              {"role": "head", "name": "H", "addresses": {"email": "h@x.invalid"}}]
    event = {**assigned(), "type": "complaint.escalated", "data": {"recipients": people, "delivery": "digest",
                                                                   "message": "Eskalasi tingkat 2"}}
    assert [r["name"] for r in recipients_for(event, CATALOG, CONTACTS)] == ["A"]
    direct = {**event, "data": {**event["data"], "delivery": "direct"}}
    assert [r["name"] for r in recipients_for(direct, CATALOG, CONTACTS)] == ["A", "H"]


def test_assignment_text_is_indonesian_with_link_and_deadline():
    text = text_for(assigned(), CATALOG, "https://sigap.example/cases/c-1", "Senin, 30 November 2026 pukul 16.00 WIB")
    assert text.startswith("Laporan baru c-1 (kategori: Sampah dan Kebersihan) ditugaskan kepada Dinas Lingkungan")
    assert "Batas tanggapan pertama: Senin" in text and text.endswith("https://sigap.example/cases/c-1")


def test_digest_lists_each_unit():
    event = {"id": "digest-2026-11-23", "type": "digest.daily", "case_id": "", "occurred_at": NOW.isoformat(),
             "data": {"message": "Ringkasan harian", "units": {"dlh": {"name": "Dinas Lingkungan Hidup",
                      "due_today": ["c-1"], "overdue": ["c-2", "c-3"], "escalated": []}}}}
    assert "- Dinas Lingkungan Hidup: jatuh tempo hari ini 1, melewati batas waktu 2, dieskalasi 0" in \
        text_for(event, CATALOG, "https://x", None)


def test_each_message_is_recorded_once_and_sent_once():
    store, publisher, clock, sender = FakeNotificationStore(), FakePublisher(), FakeClock(NOW), FakeChannelSender()
    kwargs: dict[str, Any] = dict(store=store, publisher=publisher, clock=clock, catalog=CATALOG,
                                  escalation=ESCALATION, repo=FakeCaseStore(), link_base="https://sigap.example")
    assert queue_notifications(assigned(), **kwargs) == 2
    assert queue_notifications(assigned(), **kwargs) == 0  # redelivered event
    assert deliver_due(store=store, sender=sender, clock=clock, policy=NOTIFY_RETRY).delivered == 2
    assert deliver_due(store=store, sender=sender, clock=clock, policy=NOTIFY_RETRY).delivered == 0
    assert sorted(channel for channel, _, _ in sender.sent) == ["email", "telegram"]
    assert all("https://sigap.example/cases/c-1" in data["text"] for _, _, data in sender.sent)
    assert [t for t, _ in publisher.signals] == ["notification-deliveries"]


def message(channel, data, event_id="e-1"):
    payload = {"id": event_id, "type": "complaint.assigned", "case_id": "c-1", "occurred_at": NOW.isoformat(),
               "data": data}
    return Delivery(f"{event_id}~{channel}-x", f"notify-{channel}", event_id, "complaint.assigned", payload, NOW, NOW)


def test_the_webhook_channel_posts_through_the_guarded_sender_without_the_address_in_the_body():
    from shared.adapters.notification_senders import NotificationSender
    webhooks = FakeWebhookSender()
    sender = NotificationSender(smtp=None, telegram_base="https://bot.invalid", telegram_token=None,
                                webhook_sender=webhooks)
    delivery = message("webhook", {"address": "https://simpel.metrokota.example/hook", "text": "Laporan baru c-1",
                                   "name": "DLH"})
    assert sender.send(Channel("webhook", secret="whsec_x"), delivery, NOW).ok
    ((url, message_id, sent),) = webhooks.sent
    assert url == "https://simpel.metrokota.example/hook" and message_id == "e-1"
    assert sent["data"] == {"id": "e-1", "case_id": "c-1", "text": "Laporan baru c-1", "name": "DLH"}
    assert sent["type"] == "complaint.assigned" and sent["timestamp"] == NOW.isoformat()


def test_unconfigured_channels_fail_with_a_reason_not_an_exception():
    from shared.adapters.notification_senders import NotificationSender
    sender = NotificationSender(smtp=None, telegram_base="https://bot.invalid", telegram_token=None,
                                webhook_sender=FakeWebhookSender())
    delivery = message("email", {"address": "a", "text": "t", "subject": "s"}, event_id="e")
    assert "SIGAP_SMTP_HOST" in str(sender.send(Channel("email"), delivery, NOW).error)
    assert "SIGAP_TELEGRAM_BOT_TOKEN" in str(sender.send(Channel("telegram"), delivery, NOW).error)


def test_a_parked_notification_flags_its_channel_until_it_is_redriven():
    store, clock = FakeNotificationStore(), FakeClock(NOW)
    kwargs: dict[str, Any] = dict(store=store, publisher=FakePublisher(), clock=clock, catalog=CATALOG,
                                  escalation=ESCALATION, repo=FakeCaseStore(), link_base="https://sigap.example")
    assert queue_notifications(assigned(), channels=frozenset({"telegram"}), **kwargs) == 1
    sender = FakeChannelSender({"telegram": [Outcome(502, "HTTP 502")] * 2})
    policy = RetryPolicy.scheduled((60.0,))
    for _ in range(2):
        deliver_due(store=store, sender=sender, clock=clock, policy=policy)
        clock.advance(minutes=2)
    (parked,) = store.deliveries.values()
    assert parked.status is DeliveryStatus.PARKED and parked.attempts == 2
    (telegram,) = [c for c in store.destinations() if c.name == "telegram"]
    assert telegram.flagged_at == NOW + timedelta(minutes=2)
    assert redrive("notify-telegram", store=store, clock=clock) == 1
    assert all(c.flagged_at is None for c in store.destinations())
    assert deliver_due(store=store, sender=sender, clock=clock, policy=policy).delivered == 1


def test_only_configured_channels_are_planned():
    store, clock = FakeNotificationStore(), FakeClock(NOW)
    kwargs: dict[str, Any] = dict(store=store, publisher=FakePublisher(), clock=clock, catalog=CATALOG,
                                  escalation=ESCALATION, repo=FakeCaseStore(), link_base="https://sigap.example")
    assert queue_notifications(assigned(), channels=frozenset({"telegram", "webhook"}), **kwargs) == 1
    assert [d.subscription_id for d in store.deliveries.values()] == ["notify-telegram"]
