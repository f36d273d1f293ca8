"""FirestoreUsedNonces: ``sign_in_nonces/{sha256 of the nonce}`` with ``expire_at`` (a TTL
policy deletes spent records; the link itself stops working at that instant anyway).
``create`` fails when the document exists, so one link signs in exactly once."""
from __future__ import annotations

import hashlib
from datetime import datetime

from google.api_core.exceptions import AlreadyExists, Conflict
from google.cloud import firestore

SIGN_IN_NONCES = "sign_in_nonces"


class FirestoreUsedNonces:
    def __init__(self, client: firestore.Client):
        self._nonces = client.collection(SIGN_IN_NONCES)

    def use(self, nonce: str, expire_at: datetime) -> bool:
        doc = self._nonces.document(hashlib.sha256(nonce.encode()).hexdigest())
        try:
            doc.create({"expire_at": expire_at})
        except (AlreadyExists, Conflict):
            return False
        return True
