"""Events Sigap announces. Past tense; they carry identifiers, never personal data."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

COMPLAINT_RECEIVED = "complaint.received"
COMPLAINT_ASSIGNED = "complaint.assigned"
COMPLAINT_TRIAGED = "complaint.triaged"
COMPLAINT_UPDATED = "complaint.updated"      # a unit or the coordinator acted on the case (status may change)
COMPLAINT_RESOLVED = "complaint.resolved"    # a unit resolved it: the coordinator validates
COMPLAINT_REMINDER = "complaint.reminder"    # a deadline is near (recipients: the unit's admins)
COMPLAINT_ESCALATED = "complaint.escalated"  # a deadline was missed: one level up
COMPLAINT_LATE = "complaint.late"            # Sigap first saw the case past its deadline (late on arrival)
DIGEST_DAILY = "digest.daily"                # per unit: due today, overdue, escalated (case_id "")
INTEGRATION_ALERT = "integration.alert"      # an integration needs a human (LAPOR! sync/push); case_id may be ""

# Each event type has its own topic, so each consumer subscribes to what it needs.
TOPICS: Mapping[str, str] = {
    COMPLAINT_RECEIVED: "complaint-received",
    COMPLAINT_ASSIGNED: "complaint-assigned",
    COMPLAINT_TRIAGED: "complaint-triaged",
    COMPLAINT_UPDATED: "complaint-updated",
    COMPLAINT_RESOLVED: "complaint-resolved",
    COMPLAINT_REMINDER: "complaint-reminder",
    COMPLAINT_ESCALATED: "complaint-escalated",
    COMPLAINT_LATE: "complaint-late",
    DIGEST_DAILY: "digest-daily",
    INTEGRATION_ALERT: "sigap-alerts",
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
        """The message body. ``unit_id`` is repeated at the top (issue 15): the BigQuery
        table of events (infra/terraform/bigquery.tf) is clustered by it."""
        return {"id": self.id, "type": self.type, "case_id": self.case_id,
                "occurred_at": self.occurred_at.isoformat(), "unit_id": self.data.get("unit_id"),
                "data": dict(self.data)}
