"""FirestoreOutbox.oldest_pending on the emulator: what the sweep's "outbox sweep checked" line reports."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.adapters.firestore_cases import OUTBOX, FirestoreOutbox, outbox_document
from shared.domain.events import DomainEvent


def test_the_oldest_pending_event_is_the_one_stored_first(db):
    outbox = FirestoreOutbox(db)
    assert outbox.oldest_pending() is None
    stored = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    for i, minutes in enumerate((5, 0, 12)):
        event = DomainEvent(f"case-{i}.received", "complaint.received", f"case-{i}", stored, {})
        db.collection(OUTBOX).document(event.id).set(outbox_document(event, stored + timedelta(minutes=minutes)))
    assert outbox.oldest_pending() == stored
    outbox.remove("case-1.received")
    assert outbox.oldest_pending() == stored + timedelta(minutes=5)
