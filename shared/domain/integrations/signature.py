"""Standard Webhooks signatures (https://www.standardwebhooks.com), both sides.

``webhook-signature`` = ``v1,`` + base64 HMAC-SHA256 of ``{id}.{timestamp}.{body}``
keyed with the base64 part of a ``whsec_...`` secret; several space-separated
signatures may be sent (key rotation). Timestamps more than 5 minutes away are refused.
The standardwebhooks library signs; verifying is done here on the **raw bytes** of the
body (the library decodes the body as UTF-8 first, so a signed body that is not UTF-8
would look unsigned; issue 14): such a body is then refused by the parser, 400, not 401.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime

from standardwebhooks import Webhook

HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
TOLERANCE_SECONDS = 5 * 60


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_") + "==")


def signature_valid(secret: str, body: bytes, headers: Mapping[str, str], now: datetime | None = None) -> bool:
    """Checks the raw body against the headers; any malformed header is simply invalid."""
    msg_id, stamp, signatures = (headers.get(name, "") for name in HEADERS)
    if not (msg_id and stamp and signatures) or not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        return False
    instant = (now or datetime.now(UTC)).timestamp()
    if abs(instant - int(stamp)) > TOLERANCE_SECONDS:
        return False
    expected = hmac.new(_key(secret), f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    for versioned in signatures.split(" "):
        version, _, signature = versioned.partition(",")
        try:
            given = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            continue
        if version == "v1" and hmac.compare_digest(expected, given):
            return True
    return False


def signed_headers(secret: str, body: bytes | str, *, message_id: str | None = None,
                   at: datetime | None = None) -> dict[str, str]:
    """The headers a sender adds to a JSON POST of ``body``."""
    message_id = message_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)
    text = body.decode() if isinstance(body, bytes) else body
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, at, text),
            "Content-Type": "application/json"}
