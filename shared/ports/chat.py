"""What the chat bot's webhook answers through (Telegram: shared/adapters/telegram.py)."""
from __future__ import annotations

from typing import Protocol


class ChatReplies(Protocol):
    def answer_callback(self, callback_id: str, text: str) -> None:
        """Ends the button's spinner with a short notice (best effort, never raises)."""

    def send(self, chat_id: str, text: str, *, prompt: bool = False) -> None:
        """A message to the chat; ``prompt``: the person's next message replies to it."""
