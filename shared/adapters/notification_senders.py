"""Channels that reach people: e-mail over SMTP, a Telegram Bot API compatible
sender with inline buttons (base URL configurable, so it can point at a local
stand-in), WhatsApp Business Cloud API template messages (shared/adapters/whatsapp.py),
and a generic JSON webhook. ``NotificationSender`` is the delivery engine's Sender for the channels:
one ``send`` per message, an Outcome and never an exception."""
from __future__ import annotations

import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from shared.adapters.telegram import TelegramClient
from shared.adapters.whatsapp import WhatsAppClient
from shared.delivery.state import Delivery, Outcome
from shared.domain.integrations.notifications import Channel
from shared.domain.integrations.webhooks import webhook_body
from shared.ports.delivery import SignedPoster


def keyboard(buttons: Sequence[Mapping[str, Any]]) -> list[list[dict[str, Any]]]:
    """The inline keyboard of a stored message: its buttons (each naming its ``row``) in rows."""
    rows: dict[int, list[dict[str, Any]]] = {}
    for button in buttons:
        rows.setdefault(int(button.get("row", 0)), []).append({k: v for k, v in button.items() if k != "row"})
    return [rows[i] for i in sorted(rows)]


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    sender: str = "Sigap Kota Metro <sigap@metrokota.go.id>"
    username: str | None = None
    password: str | None = None
    starttls: bool = True


class NotificationSender:
    def __init__(self, *, smtp: SmtpSettings | None, telegram_base: str, telegram_token: str | None,
                 webhook_sender: SignedPoster, whatsapp: WhatsAppClient | None = None,
                 timeout: tuple[float, float] = (3.0, 10.0)):
        self._smtp, self._webhooks, self._whatsapp, self._timeout = smtp, webhook_sender, whatsapp, timeout
        self._telegram = TelegramClient(base_url=telegram_base, token=telegram_token, timeout=timeout) \
            if telegram_token else None

    def channels(self) -> frozenset[str]:
        """The channels configured here; messages for the others are not planned at all."""
        return frozenset({"webhook"} | ({"email"} if self._smtp else set())
                         | ({"telegram"} if self._telegram else set()) | ({"whatsapp"} if self._whatsapp else set()))

    def send(self, destination: Channel, delivery: Delivery, at: datetime) -> Outcome:
        """One message through its channel; ``delivery.event_id`` is the message id on every retry."""
        body, message_id = webhook_body(delivery.payload), delivery.event_id
        data = body["data"]
        if destination.name == "email":
            return self._email(data["address"], data["subject"], data["text"], message_id)
        if destination.name == "telegram":
            if self._telegram is None:
                return Outcome(None, "Telegram is not configured (SIGAP_TELEGRAM_BOT_TOKEN)")
            return self._telegram.send_message(data["address"], data["text"], at, keyboard(data.get("buttons") or ()))
        if destination.name == "whatsapp":
            if self._whatsapp is None:
                return Outcome(None, "WhatsApp is not configured (SIGAP_WHATSAPP_TOKEN, _PHONE_NUMBER_ID)")
            if not data.get("template"):
                return Outcome(None, "no WhatsApp template for this message", transient=False)
            return self._whatsapp.send_template(data["address"], data["template"], data.get("template_params") or (),
                                                at)
        if destination.name == "webhook":
            payload = {"type": body["type"], "timestamp": body["timestamp"],
                       "data": {k: v for k, v in data.items() if k != "address"}}
            return self._webhooks.post(data["address"], destination.secret, message_id, payload, at)
        return Outcome(None, f"unknown channel {destination.name}")

    def _email(self, address: str, subject: str, text: str, message_id: str) -> Outcome:
        if self._smtp is None:
            return Outcome(None, "SMTP is not configured (SIGAP_SMTP_HOST)")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self._smtp.sender, address, subject
        message["Message-ID"] = f"<{message_id}@sigap>"  # the same id on every retry
        message.set_content(text)
        try:
            with smtplib.SMTP(self._smtp.host, self._smtp.port, timeout=self._timeout[1]) as smtp:
                if self._smtp.starttls:
                    smtp.starttls()
                if self._smtp.username:
                    smtp.login(self._smtp.username, self._smtp.password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as exc:
            return Outcome(None, type(exc).__name__)
        return Outcome(250)
