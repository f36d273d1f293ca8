"""API keys by the SHA-256 digest of their plaintext (shared/domain/api_keys.py)."""
from __future__ import annotations

import builtins
from datetime import datetime
from typing import Protocol

from shared.domain.api_keys import ApiKey


class ApiKeyStore(Protocol):
    def find(self, digest: str) -> ApiKey | None: ...

    def add(self, digest: str, key: ApiKey) -> None:
        """Raises Conflict when the digest is already stored."""
        ...

    def revoke(self, key_id: str, at: datetime) -> bool: ...

    def list(self) -> builtins.list[ApiKey]: ...
