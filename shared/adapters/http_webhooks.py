"""HttpWebhookSender: one signed POST to a subscriber, SSRF-checked at every hop."""
from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import certifi
import urllib3

from shared.delivery.policy import parse_retry_after
from shared.delivery.state import Delivery, Outcome
from shared.domain.integrations.signature import signed_headers
from shared.domain.integrations.url_safety import UnsafeUrl, UrlPolicy, check_addresses, check_url
from shared.domain.integrations.webhooks import Subscription, webhook_body

MAX_REDIRECTS = 3


def resolve(host: str, port: int) -> list[str]:
    try:
        return [str(info[4][0]) for info in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)]
    except socket.gaierror:
        return []


class HttpWebhookSender:
    """Each request connects to an address that was just checked (the connection is
    pinned to it, TLS still verified against the host name), so a host whose DNS answer
    changes between the check and the connection (rebinding) cannot slip through."""

    def __init__(self, policy: UrlPolicy, *, timeout: tuple[float, float] = (3.0, 10.0),
                 resolver: Callable[[str, int], Iterable[str]] = resolve):
        self._policy, self._resolve = policy, resolver
        self._timeout = urllib3.Timeout(connect=timeout[0], read=timeout[1])

    def check(self, url: str) -> None:
        """Raises UnsafeUrl unless the URL and everything its host resolves to are allowed."""
        self._address(url)

    def _address(self, url: str) -> str:
        """The checked address to connect to; raises UnsafeUrl like ``check``."""
        host, port = check_url(url, self._policy)
        addresses = list(self._resolve(host, port))
        check_addresses(addresses, self._policy)
        return addresses[0]

    def send(self, destination: Subscription, delivery: Delivery, at: datetime) -> Outcome:
        """One attempt of a delivery to its subscription (the delivery engine's Sender):
        ``webhook-id`` is the event id, the same on every retry."""
        return self.post(destination.url, destination.secret, delivery.event_id, webhook_body(delivery.payload), at)

    def post(self, url: str, secret: str, message_id: str, body: dict[str, Any], at: datetime) -> Outcome:
        """One signed JSON POST, following at most MAX_REDIRECTS redirects, each re-checked.
        A ``Retry-After`` (seconds or an HTTP date, read against ``at``) comes back in the Outcome."""
        raw = json.dumps(body, default=str, ensure_ascii=False).encode()
        headers = {**signed_headers(secret, raw, message_id=message_id, at=at), "User-Agent": "Sigap-Webhooks/1"}
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = self._post_pinned(url, self._address(url), raw, headers)
            except UnsafeUrl as exc:
                return Outcome(None, f"refused: {exc}")
            except urllib3.exceptions.HTTPError as exc:
                return Outcome(None, type(exc).__name__)
            location = response.headers.get("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                url = urljoin(url, location)
                continue
            ok = 200 <= response.status < 300
            return Outcome(response.status, None if ok else f"HTTP {response.status}",
                           parse_retry_after(response.headers.get("Retry-After"), at))
        return Outcome(None, "too many redirects")

    def _post_pinned(self, url: str, address: str, body: bytes,
                     headers: dict[str, str]) -> urllib3.BaseHTTPResponse:
        parts = urlsplit(url)
        host, https = parts.hostname or "", parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        pool = (urllib3.HTTPSConnectionPool(address, port=port, timeout=self._timeout, retries=False, maxsize=1,
                                            server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED",
                                            ca_certs=certifi.where())
                if https else urllib3.HTTPConnectionPool(address, port=port, timeout=self._timeout, retries=False,
                                                         maxsize=1))
        try:
            return pool.urlopen("POST", target, body=body, headers={**headers, "Host": parts.netloc.split("@")[-1]},
                                redirect=False, preload_content=True)
        finally:
            pool.close()
