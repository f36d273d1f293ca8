"""One-time sign-in links (shared/web/links.py): the store of nonces already used. The
Firestore adapter is shared/adapters/firestore_sign_in.py (``sign_in_nonces/{nonce}``,
removed by a TTL policy on ``expire_at``); the fake is tests/fakes.py ``FakeUsedNonces``."""
from __future__ import annotations

from datetime import datetime
from typing import Protocol


class UsedNonces(Protocol):
    def use(self, nonce: str, expire_at: datetime) -> bool:
        """Records ``nonce`` as used; True the first time, False when it was used before
        (atomic: of two concurrent uses exactly one is True)."""
        ...
