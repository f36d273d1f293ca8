"""HttpWebhookSender: one signed POST to a subscriber, SSRF-checked at every hop."""
from __future__ import annotations

import json
import socket
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Iterable
from urllib.parse import urljoin, urlsplit

import certifi
import urllib3

from shared.domain.integrations.url_safety import UnsafeUrl, UrlPolicy, check_addresses, check_url
from shared.domain.integrations.webhooks import Outcome
from shared.domain.integrations.signature import signed_headers

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
    """Each request connects to an address that was just checked (the connection is
    pinned to it, TLS still verified against the host name), so a host whose DNS answer
    changes between the check and the connection (rebinding) cannot slip through."""

    def __init__(self, policy: UrlPolicy, *, timeout: tuple[float, float] = (3.0, 10.0),
                 resolver: Callable[[str, int], Iterable[str]] = resolve):
        self._policy, self._resolve = policy, resolver
        self._timeout = urllib3.Timeout(connect=timeout[0], read=timeout[1])

    def check(self, url: str) -> str:
        """Raises UnsafeUrl unless the URL and everything its host resolves to are allowed;
        returns the address to connect to."""
        host, port = check_url(url, self._policy)
        addresses = list(self._resolve(host, port))
        check_addresses(addresses, self._policy)
        return addresses[0]

    def send(self, url: str, secret: str, message_id: str, body: dict[str, Any], at: datetime) -> Outcome:
        raw = json.dumps(body, default=str, ensure_ascii=False).encode()
        headers = {**signed_headers(secret, raw, message_id=message_id, at=at), "User-Agent": "Sigap-Webhooks/1"}
        for _ in range(MAX_REDIRECTS + 1):
            try:
                response = self._post_pinned(url, self.check(url), raw, headers)
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
                           _retry_after(response.headers.get("Retry-After")))
        return Outcome(None, "too many redirects")

    def _post_pinned(self, url: str, address: str, body: bytes, headers: dict[str, str]):
        parts = urlsplit(url)
        host, https = parts.hostname or "", parts.scheme == "https"
        port = parts.port or (443 if https else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        options = dict(port=port, timeout=self._timeout, retries=False, maxsize=1)
        pool = (urllib3.HTTPSConnectionPool(address, server_hostname=host, assert_hostname=host,
                                            cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(), **options)
                if https else urllib3.HTTPConnectionPool(address, **options))
        try:
            return pool.urlopen("POST", target, body=body, headers={**headers, "Host": parts.netloc.split("@")[-1]},
                                redirect=False, preload_content=True)
        finally:
            pool.close()
