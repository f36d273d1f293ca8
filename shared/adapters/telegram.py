"""The Telegram Bot API (base URL configurable: ``SIGAP_TELEGRAM_API_BASE``, a local
stand-in in tests and ``make run``): ``sendMessage`` with inline buttons for the
notifications, and the replies of the bot's webhook (``answerCallbackQuery``, a
follow-up prompt). Answers one Outcome and never raises; a 429's ``retry_after``
(header or JSON) is honoured by the delivery engine."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import requests

from shared import logs
from shared.delivery.policy import parse_retry_after
from shared.delivery.state import Outcome

Buttons = Sequence[Sequence[Mapping[str, str]]]


class TelegramClient:
    def __init__(self, *, base_url: str, token: str, timeout: tuple[float, float] = (3.0, 10.0),
                 session: requests.Session | None = None):
        self._base, self._token, self._timeout = base_url.rstrip("/"), token, timeout
        self._session = session or requests.Session()

    def call(self, method: str, body: Mapping[str, Any], at: datetime | None = None) -> Outcome:
        try:
            response = self._session.post(f"{self._base}/bot{self._token}/{method}", json=dict(body),
                                          timeout=self._timeout)
        except requests.RequestException as exc:
            return Outcome(None, type(exc).__name__)
        status = response.status_code
        if 200 <= status < 300:
            return Outcome(status)
        retry_after = None
        if status == 429:  # the Bot API says how long in its JSON, and maybe in the header
            now = at or datetime.now(UTC)
            retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
            if retry_after is None:
                try:
                    retry_after = parse_retry_after(response.json().get("parameters", {}).get("retry_after"), now)
                except (ValueError, TypeError, AttributeError):
                    retry_after = None
        # 400/403 (chat not found, bot blocked): the same request fails the same way
        return Outcome(status, f"HTTP {status}", retry_after, transient=status == 429 or status >= 500)

    def send_message(self, chat_id: str, text: str, at: datetime, buttons: Buttons = ()) -> Outcome:
        body: dict[str, Any] = {"chat_id": chat_id, "text": text, "disable_web_page_preview": True}
        if buttons:
            body["reply_markup"] = {"inline_keyboard": [[dict(b) for b in row] for row in buttons]}
        return self.call("sendMessage", body, at)


class TelegramReplies:
    """The bot's answers to a webhook update (shared/ports/chat.py ChatReplies): best
    effort, logged when they fail (the action itself is already recorded)."""

    def __init__(self, client: TelegramClient):
        self._client = client

    def answer_callback(self, callback_id: str, text: str) -> None:
        self._done("answerCallbackQuery", self._client.call(
            "answerCallbackQuery", {"callback_query_id": callback_id, "text": text[:200], "show_alert": False}))

    def send(self, chat_id: str, text: str, *, prompt: bool = False) -> None:
        body: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if prompt:  # the person's next message answers this one (the follow-up text)
            body["reply_markup"] = {"force_reply": True, "input_field_placeholder": "Isi tindak lanjut"}
        self._done("sendMessage", self._client.call("sendMessage", body))

    @staticmethod
    def _done(method: str, outcome: Outcome) -> None:
        if not outcome.ok:
            logs.warning("telegram reply not sent", method=method, status=outcome.status, error=outcome.error)
