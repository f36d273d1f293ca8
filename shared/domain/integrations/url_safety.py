"""Server-side request forgery guard for URLs Sigap calls (webhook subscribers). Pure:
the resolver's answers are passed in, so the same rules apply before a request, after
DNS resolution and at every redirect hop."""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class UnsafeUrl(ValueError):
    pass


@dataclass(frozen=True)
class UrlPolicy:
    allow_http: bool = False                   # production: https only
    allowlist: tuple[Network, ...] = field(default=())  # e.g. 127.0.0.0/8 for the local stack

    @classmethod
    def parse(cls, allow_http: bool, allowlist: Iterable[str]) -> UrlPolicy:
        return cls(allow_http, tuple(ipaddress.ip_network(n.strip(), strict=False) for n in allowlist if n.strip()))


def check_url(url: str, policy: UrlPolicy) -> tuple[str, int]:
    """Syntax and scheme; returns (host, port) to resolve."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeUrl("the URL cannot be parsed") from None
    schemes = ("https", "http") if policy.allow_http else ("https",)
    if parts.scheme not in schemes:
        raise UnsafeUrl(f"the scheme must be {' or '.join(schemes)}")
    if not parts.hostname or parts.username or parts.password:
        raise UnsafeUrl("the URL needs a host and no credentials")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


def check_addresses(addresses: Iterable[str], policy: UrlPolicy) -> None:
    """Every address the host resolves to must be public, or allowlisted."""
    found = False
    for raw in addresses:
        found = True
        address = ipaddress.ip_address(raw.split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if any(address in network for network in policy.allowlist):
            continue
        if not address.is_global or address.is_multicast:
            raise UnsafeUrl(f"the host resolves to a non-public address ({address})")
    if not found:
        raise UnsafeUrl("the host does not resolve")
