"""FirestoreApiKeyStore: ``api_keys/{sha256 of the key}``; the plaintext is never stored."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from google.cloud import firestore

from shared.domain.api_keys import ApiKey

API_KEYS = "api_keys"


def _from_document(doc: Mapping[str, Any]) -> ApiKey:
    return ApiKey(doc["key_id"], doc["owner"], tuple(doc["scopes"]), doc["created_at"],
                  doc.get("unit_id"), doc.get("revoked_at"))


class FirestoreApiKeyStore:
    def __init__(self, client: firestore.Client):
        self._keys = client.collection(API_KEYS)

    def find(self, digest: str) -> ApiKey | None:
        snap = self._keys.document(digest).get()
        return _from_document(snap.to_dict() or {}) if snap.exists else None

    def add(self, digest: str, key: ApiKey) -> None:
        self._keys.document(digest).create({
            "key_id": key.key_id, "owner": key.owner, "scopes": list(key.scopes),
            "unit_id": key.unit_id, "created_at": key.created_at, "revoked_at": None})

    def revoke(self, key_id: str, at: datetime) -> bool:
        docs = list(self._keys.where(filter=firestore.FieldFilter("key_id", "==", key_id)).stream())
        for doc in docs:
            doc.reference.update({"revoked_at": at})
        return bool(docs)

    def list(self) -> list[ApiKey]:
        return [_from_document(d.to_dict() or {}) for d in self._keys.order_by("created_at").stream()]
