"""The Telegram bot's webhook through functions-framework's test client: the secret
header, the chat mapped to a person of contacts.yaml, the action applied through the
unit actions' service exactly once per update id, and the callback answered."""
from datetime import UTC, datetime

import pytest

from shared.config import Settings
from shared.domain.case import Case, CaseStatus
from shared.domain.clock.escalation import chain_length
from shared.domain.integrations.notifications import FOLLOW_UP_PROMPT
from tests.fakes import add_case
from tests.functions.conftest import ADMIN, SECRET

HOOK_SECRET = "telegram_webhook_secret_for_tests"
PUPR_ADMIN, DLH_ADMIN = 100000005, 100000007  # contacts.yaml: the admins' telegram chat ids


class Replies:
    def __init__(self):
        self.answered, self.sent = [], []

    def answer_callback(self, callback_id, text):
        self.answered.append((callback_id, text))

    def send(self, chat_id, text, *, prompt=False):
        self.sent.append((chat_id, text, prompt))


@pytest.fixture
def bot(app):
    app.settings = Settings(project_id="test", intake_secrets={"demo": SECRET}, admin_token=ADMIN,
                            telegram_webhook_secret=HOOK_SECRET)
    app.chat_replies = Replies()
    received = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
    clock = app.escalation.rules.start(anchor_at=received, now=received, sla_days=14, at_triage=False,
                                       top_level=chain_length(app.catalog, "dinas-pupr"))
    add_case(app.repo, Case(id="lapor-51", source="lapor", external_id="51", title="Jalan berlubang di Imopuro",
                            description="Lubang besar di jalan", created_at=received, status=CaseStatus.ASSIGNED,
                            category="jalan-jembatan", unit_id="dinas-pupr", clock=clock))
    return app


def press(client, update_id, data, chat=PUPR_ADMIN, secret=HOOK_SECRET):
    update = {"update_id": update_id, "callback_query": {
        "id": f"cb-{update_id}", "from": {"id": chat, "is_bot": False}, "chat_instance": "x", "data": data,
        "message": {"message_id": 7, "chat": {"id": chat, "type": "private"}, "text": "Laporan baru lapor-51"}}}
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return client("telegram_webhook").post("/", json=update, headers=headers)


def reply(client, update_id, text, chat=PUPR_ADMIN):
    update = {"update_id": update_id, "message": {
        "message_id": 9, "from": {"id": chat}, "chat": {"id": chat, "type": "private"}, "text": text,
        "reply_to_message": {"message_id": 8, "chat": {"id": chat}, "text": FOLLOW_UP_PROMPT.format(
            case_id="lapor-51")}}}
    return client("telegram_webhook").post("/", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET})


def test_terima_acknowledges_the_case_as_the_person_once_per_update(bot, client):
    response = press(client, 501, "ack:lapor-51")
    assert response.status_code == 200 and response.get_json() == {"ok": True, "outcome": "done"}
    case = bot.repo.get("lapor-51")
    assert case.status is CaseStatus.ACKNOWLEDGED and case.clock.responded_at is not None
    (entry,) = [e for e in bot.repo.timeline("lapor-51") if e.action == "acknowledged"]
    assert entry.actor == "person:admin:dinas-pupr:0"
    assert bot.chat_replies.answered == [("cb-501", "Laporan lapor-51 diterima; statusnya kini diterima.")]
    assert press(client, 501, "ack:lapor-51").get_json()["outcome"] == "done"  # Telegram redelivers the update
    assert len(bot.repo.timeline("lapor-51")) == 1 and bot.publisher.types() == ["complaint.updated"]
    again = press(client, 502, "ack:lapor-51")  # a second press, a new update: the status table answers
    assert again.get_json()["outcome"] == "refused"
    assert bot.chat_replies.answered[-1][1] == "Tidak dapat: laporan lapor-51 sudah diterima."


def test_tindak_lanjut_asks_for_the_text_and_the_reply_is_an_internal_follow_up(bot, client):
    assert press(client, 601, "fu:lapor-51").get_json()["outcome"] == "prompted"
    (prompt,) = bot.chat_replies.sent
    assert prompt == (str(PUPR_ADMIN), FOLLOW_UP_PROMPT.format(case_id="lapor-51"), True)
    assert reply(client, 602, "terlalu").get_json()["outcome"] == "refused"  # under 10 characters
    assert reply(client, 603, "Tim sudah meninjau lokasi, penambalan Kamis.").get_json()["outcome"] == "done"
    assert reply(client, 603, "Tim sudah meninjau lokasi, penambalan Kamis.").get_json()["outcome"] == "done"
    case = bot.repo.get("lapor-51")
    assert case.status is CaseStatus.IN_PROGRESS
    (entry,) = bot.repo.timeline("lapor-51")
    assert entry.action == "follow_up" and entry.detail["visibility"] == "internal"
    assert entry.detail["text"] == "Tim sudah meninjau lokasi, penambalan Kamis."


def test_another_units_admin_and_an_unknown_chat_change_nothing(bot, client):
    assert press(client, 701, "ack:lapor-51", chat=DLH_ADMIN).get_json()["outcome"] == "refused"
    assert bot.chat_replies.answered[-1][1] == "Laporan lapor-51 tidak ditemukan di unit Anda."
    unknown = press(client, 702, "ack:lapor-51", chat=123456789)
    assert unknown.get_json()["outcome"] == "unknown_chat" and "123456789" in bot.chat_replies.answered[-1][1]
    assert bot.repo.get("lapor-51").status is CaseStatus.ASSIGNED and not bot.repo.timeline("lapor-51")


@pytest.mark.parametrize("secret", [None, "", "wrong-secret-of-the-same-kind"])
def test_a_wrong_or_missing_secret_is_401_and_nothing_happens(bot, client, secret):
    response = press(client, 801, "ack:lapor-51", secret=secret)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    assert bot.repo.get("lapor-51").status is CaseStatus.ASSIGNED and not bot.chat_replies.answered


def test_without_a_configured_secret_every_update_is_refused(app, client):
    app.chat_replies = Replies()
    response = press(client, 901, "ack:lapor-51")
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "not_configured"


def test_a_body_that_is_not_an_update_is_refused(bot, client):
    post = client("telegram_webhook").post
    headers = {"X-Telegram-Bot-Api-Secret-Token": HOOK_SECRET}
    assert post("/", data=b"not json", headers=headers, content_type="application/json").status_code == 400
    assert post("/", json={"message": {}}, headers=headers).status_code == 422
    assert post("/elsewhere", json={"update_id": 1}, headers=headers).status_code == 404
    assert client("telegram_webhook").get("/", headers=headers).status_code == 405
