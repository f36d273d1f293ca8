"""Channels that reach people: e-mail over SMTP, a Telegram Bot API compatible
sender (base URL configurable, so it can point at a local stand-in), and a generic
JSON webhook. ``NotificationSender`` is the delivery engine's Sender for the channels:
one ``send`` per message, an Outcome and never an exception."""
from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

import requests

from shared.delivery.policy import parse_retry_after
from shared.delivery.state import Delivery, Outcome
from shared.domain.integrations.notifications import Channel
from shared.domain.integrations.webhooks import webhook_body
from shared.ports.delivery import SignedPoster


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
                 webhook_sender: SignedPoster, timeout: tuple[float, float] = (3.0, 10.0)):
        self._smtp, self._telegram_base, self._telegram_token = smtp, telegram_base.rstrip("/"), telegram_token
        self._webhooks, self._timeout = webhook_sender, timeout
        self._session = requests.Session()

    def channels(self) -> frozenset[str]:
        """The channels configured here; messages for the others are not planned at all."""
        return frozenset({"webhook"} | ({"email"} if self._smtp else set())
                         | ({"telegram"} if self._telegram_token else set()))

    def send(self, destination: Channel, delivery: Delivery, at: datetime) -> Outcome:
        """One message through its channel; ``delivery.event_id`` is the message id on every retry."""
        body, message_id = webhook_body(delivery.payload), delivery.event_id
        data = body["data"]
        if destination.name == "email":
            return self._email(data["address"], data["subject"], data["text"], message_id)
        if destination.name == "telegram":
            return self._telegram(data["address"], data["text"], at)
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

    def _telegram(self, chat_id: str, text: str, at: datetime) -> Outcome:
        if not self._telegram_token:
            return Outcome(None, "Telegram is not configured (SIGAP_TELEGRAM_BOT_TOKEN)")
        try:
            response = self._session.post(f"{self._telegram_base}/bot{self._telegram_token}/sendMessage",
                                          json={"chat_id": chat_id, "text": text}, timeout=self._timeout)
        except requests.RequestException as exc:
            return Outcome(None, type(exc).__name__)
        retry_after = None
        if response.status_code == 429:  # the Bot API says how long in its JSON, and maybe in the header
            retry_after = parse_retry_after(response.headers.get("Retry-After"), at)
            if retry_after is None:
                try:
                    retry_after = parse_retry_after(response.json().get("parameters", {}).get("retry_after"), at)
                except (ValueError, TypeError, AttributeError):
                    retry_after = None
        ok = 200 <= response.status_code < 300
        return Outcome(response.status_code, None if ok else f"HTTP {response.status_code}", retry_after)
