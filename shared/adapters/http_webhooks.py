"""HttpWebhookSender: one signed POST to a subscriber, SSRF-checked at every hop."""
from __future__ import annotations

import json
import socket
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Iterable
from urllib.parse import urljoin

import requests

from shared.domain.url_safety import UnsafeUrl, UrlPolicy, check_addresses, check_url
from shared.domain.webhooks import Outcome
from shared.webhook_signature import signed_headers

MAX_REDIRECTS = 3


def resolve(host: str, port: int) -> list[str]:
    try:
        return [info[4][0] for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)]
    except socket.gaierror:
        return []


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class HttpWebhookSender:
    def __init__(self, policy: UrlPolicy, *, timeout: tuple[float, float] = (3.0, 10.0),
                 resolver: Callable[[str, int], Iterable[str]] = resolve):
        self._policy, self._timeout, self._resolve = policy, timeout, resolver
        self._session = requests.Session()

    def check(self, url: str) -> None:
        """Raises UnsafeUrl unless the URL and everything its host resolves to are allowed."""
        host, port = check_url(url, self._policy)
        check_addresses(self._resolve(host, port), self._policy)

    def send(self, url: str, secret: str, message_id: str, body: dict[str, Any], at: datetime) -> Outcome:
        raw = json.dumps(body, default=str, ensure_ascii=False)
        headers = {**signed_headers(secret, raw, message_id=message_id, at=at), "User-Agent": "Sigap-Webhooks/1"}
        for _ in range(MAX_REDIRECTS + 1):
            try:
                self.check(url)
                response = self._session.post(url, data=raw.encode(), headers=headers, timeout=self._timeout,
                                              allow_redirects=False)
            except UnsafeUrl as exc:
                return Outcome(None, f"refused: {exc}")
            except requests.RequestException as exc:
                return Outcome(None, type(exc).__name__)
            if response.is_redirect and response.headers.get("Location"):
                url = urljoin(url, response.headers["Location"])
                continue
            return Outcome(response.status_code, None if response.ok else f"HTTP {response.status_code}",
                           _retry_after(response.headers.get("Retry-After")))
        return Outcome(None, "too many redirects")
