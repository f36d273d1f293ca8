"""How long the collections that only grow keep a document: the ``expire_at`` field that
the TTL policies of infra/terraform/firestore.tf delete by (docs/deploy.md, "TTL").

A document without the field is kept for ever, so only what is finished gets one:
idempotency answers, intake delivery keys and outbox events from when they were written;
webhook and notification deliveries from when they were delivered (pending and parked
ones keep none, so nothing still owed is ever deleted)."""
from __future__ import annotations

from datetime import datetime, timedelta

EXPIRE_AT = "expire_at"
RETENTION = timedelta(days=30)


def expire_at(at: datetime) -> datetime:
    return at + RETENTION
