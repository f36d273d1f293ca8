"""Case <-> Firestore document. The schema is written down in docs/firestore-schema.md."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.adapters.firestore_clock import clock_fields, clock_from_map
from shared.domain.case import Case, CaseStatus, Reporter, TimelineEntry


def case_to_document(case: Case) -> dict[str, Any]:
    reporter = case.reporter
    return {
        "source": case.source,
        "external_id": case.external_id,
        "title": case.title,
        "description": case.description,
        "status": case.status.value,
        "category_hint": case.category_hint,
        "category": case.category,
        "unit_id": case.unit_id,
        "routing": dict(case.routing) if case.routing else None,
        "location": dict(case.location) if case.location else None,
        # An anonymous reporter's identity is kept apart (private/reporter), never here.
        "reporter": None if reporter is None or reporter.anonymous else
        {"name": reporter.name, "phone": reporter.phone, "email": reporter.email},
        "reporter_anonymous": bool(reporter and reporter.anonymous),
        "secret": case.secret,
        "channel": case.channel,
        "occurred_at": case.occurred_at,
        "attachments": [dict(a) for a in case.attachments],
        "timeline_length": case.timeline_length,
        "created_at": case.created_at,
        "updated_at": case.updated_at or case.created_at,
        "national_received_at": case.national_received_at,
        "lapor_tracking_id": case.lapor_tracking_id,
        "lapor_state": dict(case.lapor_state) if case.lapor_state else None,
        **clock_fields(case.clock),
    }


def private_reporter_document(case: Case) -> dict[str, Any] | None:
    reporter = case.reporter
    if reporter is None or not reporter.anonymous:
        return None
    return {"name": reporter.name, "phone": reporter.phone, "email": reporter.email}


def case_from_document(case_id: str, doc: Mapping[str, Any], version: Any) -> Case:
    raw_reporter = doc.get("reporter")
    if doc.get("reporter_anonymous"):
        reporter: Reporter | None = Reporter(anonymous=True)  # identity stays in private/reporter
    elif raw_reporter:
        reporter = Reporter(raw_reporter.get("name"), raw_reporter.get("phone"), raw_reporter.get("email"))
    else:
        reporter = None
    return Case(
        id=case_id,
        source=doc["source"],
        external_id=doc["external_id"],
        title=doc["title"],
        description=doc["description"],
        created_at=doc["created_at"],
        status=CaseStatus(doc["status"]),
        category_hint=doc.get("category_hint"),
        category=doc.get("category"),
        unit_id=doc.get("unit_id"),
        routing=doc.get("routing"),
        location=doc.get("location"),
        reporter=reporter,
        secret=bool(doc.get("secret")),
        channel=doc.get("channel"),
        occurred_at=doc.get("occurred_at"),
        attachments=tuple(doc.get("attachments") or ()),
        timeline_length=int(doc.get("timeline_length", 0)),
        updated_at=doc.get("updated_at"),
        national_received_at=doc.get("national_received_at"),
        lapor_tracking_id=doc.get("lapor_tracking_id"),
        lapor_state=doc.get("lapor_state"),
        clock=clock_from_map(doc.get("clock")),
        version=version,
    )


def entry_to_document(entry: TimelineEntry) -> dict[str, Any]:
    return {"seq": entry.seq, "at": entry.at, "actor": entry.actor, "action": entry.action,
            "detail": dict(entry.detail)}


def entry_from_document(doc: Mapping[str, Any]) -> TimelineEntry:
    return TimelineEntry(doc["seq"], doc["at"], doc["actor"], doc["action"], doc.get("detail") or {})
