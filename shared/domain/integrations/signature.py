"""Standard Webhooks signatures (https://www.standardwebhooks.com), both sides.

``webhook-signature`` = ``v1,`` + base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}``
keyed with the base64 part of a ``whsec_...`` secret; several space-separated
signatures may be sent (key rotation). Timestamps more than 5 minutes away are refused.
The standardwebhooks library does the cryptography and the constant-time compare.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from standardwebhooks import Webhook

HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")


def signature_valid(secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """Checks the raw body against the headers; any malformed header is simply invalid."""
    try:
        Webhook(secret).verify(body, {k: headers.get(k, "") for k in HEADERS}, json_parse=False)
    except Exception:  # missing, malformed, stale or unmatched: all the same answer
        return False
    return True


def signed_headers(secret: str, body: bytes | str, *, message_id: str | None = None,
                   at: datetime | None = None) -> dict[str, str]:
    """The headers a sender adds to a JSON POST of ``body``."""
    message_id = message_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)
    text = body.decode() if isinstance(body, bytes) else body
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, at, text),
            "Content-Type": "application/json"}
