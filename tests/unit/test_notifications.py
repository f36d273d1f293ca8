from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from shared.adapters.catalog_files import load_catalog
from shared.adapters.escalation_files import load_escalation
from shared.delivery.engine import deliver_due, redrive
from shared.delivery.policy import RetryPolicy
from shared.delivery.state import Delivery, DeliveryStatus, Outcome
from shared.domain.case import Case, CaseStatus, Reporter
from shared.domain.clock.escalation import chain_length, recipients
from shared.domain.integrations.notifications import (
    Channel,
    Recipient,
    case_facts,
    compose,
    messages,
    parse_callback,
    prompted_case,
    recipients_for,
)
from shared.services.notify import plan_messages, queue_notifications
from shared.web.links import verify_case_token
from tests.delivery_fakes import FakeChannelSender, FakeNotificationStore, FakeWebhookSender
from tests.fakes import FakeCaseStore, FakeClock, FakePublisher, add_case

CATALOG = load_catalog()
REAL = load_escalation(CATALOG)
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
NOTIFY_RETRY = RetryPolicy.scheduled((30.0, 120.0, 600.0, 3600.0, 21600.0))
SECRET = "link-secret-for-the-tests-only-0123456789"


def contact(name, **addresses):
    return SimpleNamespace(name=name, role="Admin", addresses=addresses)


CONTACTS = {
    "dlh": SimpleNamespace(admins=(contact("Admin DLH", email="dlh@example.invalid", telegram="1001"),
                                   contact("Admin DLH 2", email="dlh@example.invalid")),
                           head=contact("Kepala DLH", email="kadis@example.invalid")),
    "diskominfo": SimpleNamespace(admins=(contact("Admin Kominfo", telegram="2002"),), head=contact("Kadis")),
}
ESCALATION = SimpleNamespace(contacts=CONTACTS, rules=None)


def assigned(unit="dlh", case_id="c-1"):
    return {"id": f"{case_id}.00002-routed", "type": "complaint.assigned", "case_id": case_id,
            "occurred_at": NOW.isoformat(), "data": {"unit_id": unit, "category": "sampah-kebersihan"}}


def a_case(*, status=CaseStatus.ASSIGNED, secret=False, anonymous=False, unit="dinas-pupr", case_id="lapor-51"):
    """A road complaint received Monday 16 November 2026 09:00 WIB, on the real clock."""
    received = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
    clock = REAL.rules.start(anchor_at=received, now=received, sla_days=14, at_triage=False,
                             top_level=chain_length(CATALOG, unit))
    if status is not CaseStatus.ASSIGNED:
        clock = REAL.rules.responded(clock, received + timedelta(hours=1))
    return Case(id=case_id, source="lapor", external_id="51", title="Jalan berlubang di depan SD Negeri 3",
                description="Sudah dua motor jatuh di sini, tolong", created_at=received, status=status,
                category="jalan-jembatan", unit_id=unit, location={"kelurahan": "Imopuro"},
                reporter=Reporter(name="Budi Santoso", phone="+6281234567890", anonymous=anonymous), secret=secret,
                clock=clock)


def escalated(case: Case, level: int, at: datetime) -> dict[str, Any]:
    assert case.clock is not None and case.unit_id is not None
    return {"id": f"{case.id}.00009-escalated", "type": "complaint.escalated", "case_id": case.id,
            "occurred_at": at.isoformat(),
            "data": {"unit_id": case.unit_id, "stage": case.clock.stage.value, "level": level,
                     "deadline_at": case.clock.deadline_at.isoformat() if case.clock.deadline_at else None,
                     "delivery": "direct", "recipients": recipients(case.unit_id, level, CATALOG, REAL)}}


def planned(event, case: Case | None, at: datetime):
    store = FakeCaseStore()
    if case is not None:
        add_case(store, case)
    from shared.web.links import signed_case_url
    return plan_messages(event, catalog=CATALOG, escalation=REAL, repo=store, clock=FakeClock(at),
                         link_base="https://sigap.example",
                         case_link=lambda c, r: signed_case_url("https://sigap.example", c, r, secret=SECRET, now=at))


# --- who is told ---------------------------------------------------------------------------------

def test_assignment_tells_the_units_admins_once_per_address():
    told = recipients_for(assigned(), CATALOG, CONTACTS)
    sent = messages(told, lambda r: compose(assigned(), None, r, "x"))
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


# --- what they read --------------------------------------------------------------------------------

def test_an_assignment_names_the_complaint_the_unit_the_deadline_the_ask_and_a_signed_link():
    case = a_case()
    sent = planned({**assigned("dinas-pupr", case.id), "data": {"unit_id": "dinas-pupr"}}, case, case.created_at)
    (mail,) = [m for m in sent if m.channel == "email"]
    assert mail.subject == f"[Sigap] Laporan baru {case.id}"
    text = mail.text
    assert text.startswith(f"Laporan baru {case.id} ditugaskan kepada Dinas Pekerjaan Umum dan Penataan Ruang")
    assert "\u201cJalan berlubang di depan SD Negeri 3\u201d (kategori Jalan dan Jembatan, Kelurahan Imopuro)" in text
    assert "Tahap: tanggapan pertama, batas waktu Kamis, 19 November 2026 pukul 16.00 WIB" in text
    assert "Keadaan: tanpa jawaban" in text and "Yang diminta dari Anda: terima laporan ini" in text
    link = text.rsplit("Buka kasus: ", 1)[1]
    assert link.startswith(f"https://sigap.example/reports/kasus/{case.id}?t=") and mail.link == link
    token = link.split("?t=", 1)[1]
    assert verify_case_token(token, case.id, secret=SECRET, now=case.created_at) == "admin:dinas-pupr:0"


def test_no_message_carries_the_reporter_nor_the_text_and_a_secret_report_not_even_its_title():
    case = a_case(secret=True, anonymous=True)
    at = (case.clock.deadline_at if case.clock and case.clock.deadline_at else NOW) + timedelta(days=1)
    for message in planned(escalated(case, 1, at), case, at):
        everything = " ".join([message.text, message.subject, *message.template_params,
                               *(b.get("text", "") for row in message.buttons for b in row)])
        for private in ("Budi", "+6281234567890", "motor jatuh", "Jalan berlubang"):
            assert private not in everything, (message.channel, private)
        assert "(laporan rahasia)" in message.text


@pytest.mark.parametrize("status, words", [
    (CaseStatus.ASSIGNED, "tanpa jawaban"),
    (CaseStatus.ACKNOWLEDGED, "sudah diterima, belum ada tindak lanjut"),
    (CaseStatus.IN_PROGRESS, "sudah ditindaklanjuti, belum selesai"),
])
def test_tanpa_jawaban_only_when_nobody_answered(status, words):
    case = a_case(status=status)
    assert case.clock is not None and case.clock.deadline_at is not None
    at = REAL.rules.calendar.add_working_days(case.clock.deadline_at, 2)
    (mail, *_) = planned(escalated(case, 1, at), case, at)
    assert f"Keadaan: {words}" in mail.text and mail.text.splitlines()[0].endswith(words)
    assert ("tanpa jawaban" in mail.text) is (status is CaseStatus.ASSIGNED)
    assert "(terlambat 2 hari kerja)" in mail.text  # the case clock says how late


def test_the_escalation_tells_the_head_what_to_do_by_whatsapp_and_the_admin_with_buttons():
    case = a_case()
    assert case.clock is not None and case.clock.deadline_at is not None
    sent = planned(escalated(case, 1, case.clock.deadline_at), case, case.clock.deadline_at)
    by = {(m.channel, m.recipient_role): m for m in sent}
    telegram = by[("telegram", "admin")]
    assert [b.get("callback_data") for b in telegram.buttons[0]] == [f"ack:{case.id}", f"fu:{case.id}"]
    assert telegram.buttons[1][0]["text"] == "Buka kasus" and telegram.buttons[1][0]["url"] == telegram.link
    whatsapp = by[("whatsapp", "head")]
    assert whatsapp.address == "+628000010005" and whatsapp.template == "sigap_eskalasi"
    assert len(whatsapp.template_params) == 6 and all("\n" not in p for p in whatsapp.template_params)
    assert whatsapp.template_params[0] == "tingkat 1" and whatsapp.template_params[-1] == whatsapp.link
    assert "pastikan Dinas Pekerjaan Umum dan Penataan Ruang segera menindaklanjuti" in whatsapp.template_params[4]
    assert verify_case_token(whatsapp.link.split("?t=")[1], case.id, secret=SECRET, now=case.created_at) == \
        "head:dinas-pupr"
    # WhatsApp reaches the heads only; the copied coordinator reads, with no action buttons
    assert not [m for m in sent if m.channel == "whatsapp" and m.recipient_role != "head"]
    copy = by[("telegram", "copy")]
    assert [b["text"] for row in copy.buttons for b in row] == ["Buka kasus"] and "tembusan" in copy.text


def test_the_digest_links_to_the_dashboard():
    event = {"id": "digest-2026-11-23", "type": "digest.daily", "case_id": "", "occurred_at": NOW.isoformat(),
             "data": {"message": "Ringkasan harian", "date": "2026-11-23",
                      "totals": {"due_today": 1, "overdue": 2, "escalated": 0},
                      "units": {"dlh": {"name": "Dinas Lingkungan Hidup", "due_today": ["c-1"],
                                        "overdue": ["c-2", "c-3"], "escalated": []}},
                      "recipients": [{"unit_id": "walikota", "role": "head", "name": "Wali Kota",
                                      "addresses": {"email": "wk@x.invalid", "whatsapp": "+628000010001"}}]}}
    mail, whatsapp = planned(event, None, NOW)
    assert "- Dinas Lingkungan Hidup: jatuh tempo hari ini 1, melewati batas waktu 2, dieskalasi 0" in mail.text
    assert mail.text.endswith("Buka dasbor: https://sigap.example/reports/dashboard/")
    assert whatsapp.template == "sigap_ringkasan" and whatsapp.template_params == (
        "2026-11-23", "1", "2", "0", "https://sigap.example/reports/dashboard/")


def test_facts_follow_the_case_clock():
    case = a_case(status=CaseStatus.ACKNOWLEDGED)
    assert case.clock is not None and case.clock.deadline_at is not None
    facts = case_facts(case, CATALOG, REAL.rules, case.clock.deadline_at - timedelta(hours=1))
    assert facts.stage == "completion" and facts.late_days is None and facts.answered
    late = case_facts(case, CATALOG, REAL.rules, REAL.rules.calendar.add_working_days(case.clock.deadline_at, 3))
    assert late.late_days == 3
    paused = replace(case, status=CaseStatus.WAITING_REPORTER,
                     clock=REAL.rules.paused(case.clock, case.created_at + timedelta(days=1), "foto"))
    assert "menunggu jawaban pelapor" in compose(escalated(paused, 1, NOW), case_facts(
        paused, CATALOG, REAL.rules, NOW), Recipient("dinas-pupr", "admin", "A", {}), "x").text


def test_the_buttons_and_the_prompt_are_read_back():
    ack, follow_up = parse_callback("ack:lapor-51"), parse_callback("fu:c-1")
    assert ack is not None and ack.action == "acknowledge" and ack.case_id == "lapor-51"
    assert follow_up is not None and (follow_up.action, follow_up.case_id) == ("follow_up", "c-1")
    assert parse_callback("rm:c-1") is None and parse_callback("ack:") is None and parse_callback(None) is None
    assert prompted_case("Tindak lanjut laporan lapor-51: balas pesan ini") == "lapor-51"
    assert prompted_case("Laporan lapor-51") is None


# --- recorded once, delivered by the engine -------------------------------------------------------

def test_each_message_is_recorded_once_and_sent_once():
    store, publisher, clock, sender = FakeNotificationStore(), FakePublisher(), FakeClock(NOW), FakeChannelSender()
    kwargs: dict[str, Any] = dict(store=store, publisher=publisher, clock=clock, catalog=CATALOG,
                                  escalation=ESCALATION, repo=FakeCaseStore(), link_base="https://sigap.example")
    assert queue_notifications(assigned(), **kwargs) == 2
    assert queue_notifications(assigned(), **kwargs) == 0  # redelivered event
    assert deliver_due(store=store, sender=sender, clock=clock, policy=NOTIFY_RETRY).delivered == 2
    assert deliver_due(store=store, sender=sender, clock=clock, policy=NOTIFY_RETRY).delivered == 0
    assert sorted(channel for channel, _, _ in sender.sent) == ["email", "telegram"]
    assert all("https://sigap.example/reports/kasus/c-1" in data["text"] for _, _, data in sender.sent)
    (telegram,) = [data for channel, _, data in sender.sent if channel == "telegram"]
    assert telegram["buttons"][0] == {"text": "Terima", "callback_data": "ack:c-1", "row": 0}
    for delivery in store.deliveries.values():  # Firestore stores no array in an array
        assert not any(isinstance(v, list) and any(isinstance(i, list) for i in v)
                       for v in delivery.payload["data"].values())
    from shared.adapters.notification_senders import keyboard
    assert [[b["text"] for b in row] for row in keyboard(telegram["buttons"])] == [
        ["Terima", "Tindak lanjut"], ["Buka kasus"]]
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
    assert "SIGAP_WHATSAPP_TOKEN" in str(sender.send(Channel("whatsapp"), delivery, NOW).error)
    assert sender.channels() == frozenset({"webhook"})


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


def test_the_escalation_events_own_message_says_tanpa_jawaban_only_without_an_answer():
    from shared.domain.clock.escalation import ESCALATION as STEP_KIND
    from shared.domain.clock.escalation import Step, message
    for status, words in ((CaseStatus.ASSIGNED, "tanpa jawaban"),
                          (CaseStatus.ACKNOWLEDGED, "sudah diterima, belum ada tindak lanjut"),
                          (CaseStatus.IN_PROGRESS, "sudah ditindaklanjuti, belum selesai")):
        case = a_case(status=status)
        assert case.clock is not None and case.clock.deadline_at is not None
        step = Step(STEP_KIND, case.clock.stage, 1, case.clock.deadline_at, case.clock)
        text = message(case, step, "Dinas Pekerjaan Umum dan Penataan Ruang", REAL.rules)
        assert words in text and ("tanpa jawaban" in text) is (status is CaseStatus.ASSIGNED)


@pytest.mark.parametrize("event", ["assigned", "triaged", "resolved", "reminder", "escalated", "late", "digest",
                                   "alert"])
def test_the_preview_prints_every_channel_for_every_event_without_private_data(event, capsys):
    from infra.tools.notifications import main
    assert main(["preview", "--event", event, "--secret"]) == 0
    out = capsys.readouterr().out
    assert "message(s)" in out and "--- email to" in out
    for private in ("(never in a message)", "+62800000000", "Jalan berlubang"):
        assert private not in out
    if event in ("escalated", "digest"):
        assert "--- whatsapp to" in out and "template sigap_" in out
    if event == "escalated":
        assert "[Terima] (ack:lapor-5100051)" in out and "/reports/kasus/lapor-5100051?t=" in out
