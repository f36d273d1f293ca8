"""Events Sigap announces. Past tense; they carry identifiers, never personal data."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Mapping

COMPLAINT_RECEIVED = "complaint.received"
COMPLAINT_ASSIGNED = "complaint.assigned"
COMPLAINT_TRIAGED = "complaint.triaged"

# Each event type has its own topic, so each consumer subscribes to what it needs.
TOPICS: Mapping[str, str] = {
    COMPLAINT_RECEIVED: "complaint-received",
    COMPLAINT_ASSIGNED: "complaint-assigned",
    COMPLAINT_TRIAGED: "complaint-triaged",
}


@dataclass(frozen=True)
class DomainEvent:
    id: str            # stable: a redelivery or a re-publish carries the same id
    type: str
    case_id: str
    occurred_at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def topic(self) -> str:
        return TOPICS[self.type]

    def to_message(self) -> dict[str, Any]:
        return {"id": self.id, "type": self.type, "case_id": self.case_id,
                "occurred_at": self.occurred_at.isoformat(), "data": dict(self.data)}
