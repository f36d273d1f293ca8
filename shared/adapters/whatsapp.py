"""The WhatsApp Business Cloud API, for template messages (``POST {base}/{phone number
id}/messages`` with a bearer token). Outside a conversation the person opened, WhatsApp
delivers only templates registered with Meta, so every message is a template and its
body parameters (docs/notifications.md lists them). The base URL is configurable
(``SIGAP_WHATSAPP_API_BASE``), so tests and ``make run`` point it at the local
stand-in (infra/local/chat_standin.py). Answers one Outcome and never raises: a 429
(with its ``Retry-After``) and 5xx are retried by the delivery engine; a 4xx other
than 429 parks at once (the same request would be refused the same way)."""
from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import requests

from shared.delivery.policy import parse_retry_after
from shared.delivery.state import Outcome

DEFAULT_BASE = "https://graph.facebook.com/v21.0"
LANGUAGE = "id"
MAX_PARAM = 1024  # the Cloud API's limit on one template parameter


def template_body(to: str, template: str, params: Sequence[str], language: str = LANGUAGE) -> dict[str, object]:
    """The Cloud API request of one template message; ``to`` in international digits (no +)."""
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": re.sub(r"\D", "", to),
            "type": "template",
            "template": {"name": template, "language": {"code": language},
                         "components": [{"type": "body", "parameters": [
                             {"type": "text", "text": " ".join(p.split())[:MAX_PARAM] or "-"} for p in params]}]}}


class WhatsAppClient:
    def __init__(self, *, base_url: str, phone_number_id: str, token: str,
                 timeout: tuple[float, float] = (3.0, 10.0), session: requests.Session | None = None):
        self._url = f"{base_url.rstrip('/')}/{phone_number_id}/messages"
        self._token, self._timeout = token, timeout
        self._session = session or requests.Session()

    def send_template(self, to: str, template: str, params: Sequence[str], at: datetime) -> Outcome:
        try:
            response = self._session.post(self._url, json=template_body(to, template, params), timeout=self._timeout,
                                          headers={"Authorization": f"Bearer {self._token}"})
        except requests.RequestException as exc:
            return Outcome(None, type(exc).__name__)
        status = response.status_code
        if 200 <= status < 300:
            return Outcome(status)
        retry_after = parse_retry_after(response.headers.get("Retry-After"), at) if status == 429 else None
        return Outcome(status, f"HTTP {status}", retry_after, transient=status == 429 or status >= 500)
