"""Server-side request forgery guard for URLs Sigap calls (webhook subscribers). Pure:
the resolver's answers are passed in, so the same rules apply before a request, after
DNS resolution and at every redirect hop.

An IPv6 address that embeds an IPv4 address is judged by what it embeds (issue 14):
IPv4-mapped ``::ffff:a.b.c.d``, IPv4-compatible ``::a.b.c.d``, IPv4-translated
``::ffff:0:a.b.c.d``, NAT64 ``64:ff9b::a.b.c.d`` (RFC 6052), 6to4 ``2002:AABB:CCDD::``
and Teredo ``2001:0::`` (server and client); 6to4 and Teredo must be global themselves
too, and the local-use NAT64 prefix ``64:ff9b:1::/48`` (RFC 8215) never is. Every
address judged must be globally routable and not multicast, or allowlisted."""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_COMPATIBLE = ipaddress.ip_network("::/96")
_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_NEVER_GLOBAL = (_NAT64_LOCAL, ipaddress.ip_network("2001::/32"))  # local NAT64; Teredo is judged by parts too


def _low32(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address:
    return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)


def judged(address: Address) -> list[Address]:
    """The addresses a connection to ``address`` really reaches, to be judged each."""
    if isinstance(address, ipaddress.IPv4Address):
        return [address]
    if address.ipv4_mapped is not None:
        return [address.ipv4_mapped]
    if address in _COMPATIBLE and int(address) > 1:  # ::a.b.c.d (not :: nor ::1, judged as they are)
        return [_low32(address)]
    if address in _TRANSLATED or address in _NAT64:
        return [_low32(address)]
    if address.sixtofour is not None:
        return [address, address.sixtofour]
    if address.teredo is not None:
        server, client = address.teredo
        return [address, server, client]
    return [address]


def _public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and any(address in n for n in _NEVER_GLOBAL):
        return False
    return address.is_global and not address.is_multicast


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
        try:
            address = ipaddress.ip_address(raw.split("%")[0])
        except ValueError:
            raise UnsafeUrl("the host resolves to something that is not an IP address") from None
        for reached in judged(address):
            if any(reached.version == network.version and reached in network for network in policy.allowlist):
                continue
            if not _public(reached):
                raise UnsafeUrl(f"the host resolves to a non-public address ({address})")
    if not found:
        raise UnsafeUrl("the host does not resolve")
