"""handle_update: a Telegram update (a button pressed under a notification, or a reply
to the bot's follow-up prompt) becomes the same unit action the unit API and the inbox
apply (shared/services/unit_actions.act_on_case), by the person of contacts.yaml whose
``telegram`` address is the chat, exactly once per update id.

- "Terima" (``ack:<case id>``): acknowledge;
- "Tindak lanjut" (``fu:<case id>``): the bot asks for the text; the reply to that
  prompt is written as an internal follow-up (public follow-ups reach the reporter through
  LAPOR! and are written in the inbox, where they can be read over first);
- "Buka kasus" is a link (the signed case page), no update.

The update id is the Idempotency-Key: Telegram redelivers an update until the webhook
answers 200, and a redelivered one gets the recorded answer, never a second change.
A head is told they read only; a chat nobody listed is told its chat id, so the
coordinator can add it to contacts.yaml."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared import logs
from shared.domain.catalog import Catalog
from shared.domain.clock.deadlines import ClockRules
from shared.domain.integrations.notifications import FOLLOW_UP_PROMPT, parse_callback, prompted_case
from shared.domain.people import People, Person, PersonKind
from shared.domain.unit_actions import Refusal
from shared.ports import Clock, EventPublisher
from shared.ports.chat import ChatReplies
from shared.services.unit_actions import act_on_case
from shared.unit_of_work import UnitOfWork

STATUS_WORDS = {"assigned": "ditugaskan", "acknowledged": "diterima", "in_progress": "sedang ditindaklanjuti",
                "waiting_reporter": "menunggu pelapor", "resolved": "dinyatakan selesai", "closed": "ditutup",
                "triage": "menunggu triase", "received": "baru diterima"}
FOLLOW_UP_MIN, FOLLOW_UP_MAX = 10, 5000


@dataclass(frozen=True)
class ChatOutcome:
    """What was done with one update: ``kind`` (done, refused, prompted, unknown_chat,
    read_only, ignored) and what the person was told."""
    kind: str
    reply: str = ""
    case_id: str | None = None


@dataclass(frozen=True)
class ChatContext:
    people: People
    uow: UnitOfWork
    publisher: EventPublisher
    clock: Clock
    catalog: Catalog
    rules: ClockRules | None
    replies: ChatReplies | None


def _obj(value: Any) -> Mapping[str, Any]:
    """A JSON object of the update, or an empty one (an update is read, never trusted to be well formed)."""
    return value if isinstance(value, Mapping) else {}


def _id(value: Any) -> str | None:
    return str(value) if isinstance(value, int | str) and not isinstance(value, bool) and str(value) else None


def _sender(update: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """(the person's Telegram user id, the chat to answer in)."""
    part = _obj(update.get("callback_query")) or _obj(update.get("message"))
    user = _obj(part.get("from")).get("id")
    chat = (_obj(_obj(part.get("message")).get("chat")) or _obj(part.get("chat"))).get("id")
    return _id(user), _id(chat)


def handle_update(update: Mapping[str, Any], ctx: ChatContext) -> ChatOutcome:
    user, chat = _sender(update)
    callback = _obj(update.get("callback_query"))
    outcome = _decide(update, user, chat, ctx)
    if ctx.replies is not None:
        if callback and _id(callback.get("id")):
            ctx.replies.answer_callback(str(callback["id"]), outcome.reply)
            if outcome.kind == "prompted" and chat and outcome.case_id:
                ctx.replies.send(chat, FOLLOW_UP_PROMPT.format(case_id=outcome.case_id), prompt=True)
        elif chat and outcome.reply:
            ctx.replies.send(chat, outcome.reply)
    logs.info("telegram update", update_id=update.get("update_id"), outcome=outcome.kind, case_id=outcome.case_id)
    return outcome


def _decide(update: Mapping[str, Any], user: str | None, chat: str | None, ctx: ChatContext) -> ChatOutcome:
    callback, message = _obj(update.get("callback_query")), _obj(update.get("message"))
    if not callback and not message:
        return ChatOutcome("ignored")
    person = ctx.people.find(user, "telegram") if user else None
    if person is None:
        return ChatOutcome("unknown_chat", f"Akun Telegram ini (id {user or chat}) belum terdaftar di Sigap. "
                                           "Minta koordinator mencantumkannya di contacts.yaml sebagai 'telegram'.")
    if callback:
        data = callback.get("data")
        press = parse_callback(data if isinstance(data, str) else None)
        if press is None:
            return ChatOutcome("ignored", "Tombol ini tidak dikenal.")
        if not _may_act(person):
            return ChatOutcome("read_only", "Anda hanya dapat membaca kasus ini; tindakan dilakukan admin unit.",
                               press.case_id)
        if press.action == "follow_up":
            case = ctx.uow.cases.get(press.case_id)
            if case is None or not person.acts_on(case.unit_id):
                return ChatOutcome("refused", f"Laporan {press.case_id} tidak ditemukan di unit Anda.", press.case_id)
            return ChatOutcome("prompted", "Tulis tindak lanjutnya sebagai balasan pesan berikut.", press.case_id)
        return _act(update, person, press.case_id, "acknowledge", {"note": "diterima melalui Telegram"}, ctx)
    prompt = _obj(message.get("reply_to_message")).get("text")
    case_id = prompted_case(prompt if isinstance(prompt, str) else None)
    if case_id is None:
        return ChatOutcome("ignored", f"Halo {person.name}. Sigap mengirim laporan ke chat ini; gunakan tombol "
                                      "di bawah setiap pemberitahuan.")
    if not _may_act(person):
        return ChatOutcome("read_only", "Anda hanya dapat membaca kasus ini; tindakan dilakukan admin unit.", case_id)
    raw = message.get("text")
    text = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not FOLLOW_UP_MIN <= len(text) <= FOLLOW_UP_MAX:
        return ChatOutcome("refused", f"Tindak lanjut harus {FOLLOW_UP_MIN}-{FOLLOW_UP_MAX} karakter; "
                                      "tekan Tindak lanjut lagi untuk mencoba.", case_id)
    return _act(update, person, case_id, "follow_up", {"text": text, "visibility": "internal", "attachments": []},
                ctx)


def _may_act(person: Person) -> bool:
    return person.kind in (PersonKind.ADMIN, PersonKind.COORDINATOR)


def _act(update: Mapping[str, Any], person: Person, case_id: str, action: str, params: Mapping[str, Any],
         ctx: ChatContext) -> ChatOutcome:
    fingerprint = hashlib.sha256(f"{case_id}\n{action}\n{json.dumps(params, sort_keys=True)}".encode()).hexdigest()
    answer = act_on_case(case_id, action, params, actor=person.actor(),
                         idempotency_key=f"telegram-update:{update.get('update_id')}", fingerprint=fingerprint,
                         uow=ctx.uow, publisher=ctx.publisher, clock=ctx.clock, catalog=ctx.catalog, rules=ctx.rules)
    body = answer.body
    if answer.refused is None:
        words = STATUS_WORDS.get(str(body.get("status")), str(body.get("status")))
        done = "diterima" if action == "acknowledge" else "dicatat sebagai tindak lanjut internal"
        return ChatOutcome("done", f"Laporan {case_id} {done}; statusnya kini {words}.", case_id)
    error = body.get("error") or {}
    if answer.refused is Refusal.INVALID_TRANSITION:
        now = STATUS_WORDS.get(str(error.get("current_status")), str(error.get("current_status")))
        return ChatOutcome("refused", f"Tidak dapat: laporan {case_id} sudah {now}.", case_id)
    if answer.refused is Refusal.CASE_NOT_FOUND:
        return ChatOutcome("refused", f"Laporan {case_id} tidak ditemukan di unit Anda.", case_id)
    return ChatOutcome("refused", f"Tidak dapat: {error.get('message', 'tindakan ditolak')}.", case_id)
