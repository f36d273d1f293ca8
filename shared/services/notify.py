"""notify: events become messages to the people concerned, each recorded once in the
notification store and sent through the one delivery engine (shared/delivery/: claims,
per-channel concurrency, retries, parking), with each channel as a destination."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from shared import logs
from shared.delivery.state import Delivery
from shared.domain.catalog import Catalog
from shared.domain.clock.escalation import Escalation, indonesian_datetime
from shared.domain.integrations.notifications import channel_id, messages, recipients_for, text_for
from shared.ports import CaseRepository, Clock, EventPublisher
from shared.ports.notifications import NotificationStore

NOTIFY_TOPIC = "notification-deliveries"  # a message here wakes the notification worker
SUBJECTS = {"complaint.assigned": "Laporan baru", "complaint.triaged": "Laporan menunggu triase",
            "complaint.resolved": "Penyelesaian menunggu validasi",
            "complaint.reminder": "Pengingat batas waktu", "complaint.escalated": "Eskalasi laporan",
            "digest.daily": "Ringkasan harian SP4N-LAPOR!", "integration.alert": "Peringatan integrasi"}


def _deadline_text(case_id: str, repo: CaseRepository, escalation: Escalation) -> str | None:
    case = repo.get(case_id)
    if case is None or case.clock is None or case.clock.deadline_at is None:
        return None
    return indonesian_datetime(case.clock.deadline_at, escalation.rules)


def queue_notifications(event: Mapping[str, Any], *, store: NotificationStore, publisher: EventPublisher,
                        clock: Clock, catalog: Catalog, escalation: Escalation, repo: CaseRepository,
                        link_base: str, channels: frozenset[str] | None = None) -> int:
    """Plans the messages an event calls for and records each once; a redelivered event
    records nothing new. Only ``channels`` that are configured are planned. Returns how
    many were queued."""
    told = recipients_for(event, catalog, escalation.contacts)
    if not told:
        return 0
    case_id = event.get("case_id") or ""
    link = f"{link_base.rstrip('/')}/cases/{case_id}" if case_id else link_base
    deadline = _deadline_text(case_id, repo, escalation) if event["type"] == "complaint.assigned" else None
    text = text_for(event, catalog, link, deadline)
    now, created = clock.now(), 0
    for message in messages(told, text):
        if channels is not None and message.channel not in channels:
            continue  # not configured here (no SMTP host, no bot token): nothing to retry for hours
        key = hashlib.sha256(f"{message.channel}\n{message.address}".encode()).hexdigest()[:16]
        payload = {"id": event["id"], "type": event["type"], "case_id": case_id, "occurred_at": event["occurred_at"],
                   "data": {"address": message.address, "name": message.name, "text": message.text,
                            "subject": f"[Sigap] {SUBJECTS.get(event['type'], 'Pemberitahuan')} {case_id}".strip(),
                            "link": link}}
        delivery = Delivery(f"{event['id']}~{message.channel}-{key}", channel_id(message.channel), event["id"],
                            event["type"], payload, now, next_attempt_at=now)
        created += store.create_delivery(delivery)
    if created:
        logs.info("notifications queued", event_id=event["id"], event_type=event["type"], count=created)
        try:
            publisher.publish_signal(NOTIFY_TOPIC, {"event_id": event["id"]})
        except Exception as exc:
            logs.warning("notification wake-up not sent; the schedule will deliver", error=type(exc).__name__)
    return created
