"""notify: events become messages to the people concerned, each recorded once in the
notification store and sent through the one delivery engine (shared/delivery/: claims,
per-channel concurrency, retries, parking), with each channel as a destination.

Each message is written for its recipient (shared/domain/integrations/notifications.py):
what the complaint is, where it stands by the case clock, what the recipient is asked to
do, and a link to the case page signed for that recipient (``case_link``)."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

from shared import logs
from shared.delivery.state import Delivery
from shared.domain.catalog import Catalog
from shared.domain.clock.escalation import Escalation
from shared.domain.integrations.notifications import (
    CASE_EVENTS,
    SUBJECTS,
    CaseFacts,
    Composed,
    Message,
    Recipient,
    case_facts,
    channel_id,
    compose,
    facts_from_event,
    messages,
    recipients_for,
)
from shared.domain.people import People, build_people
from shared.ports import CaseRepository, Clock, EventPublisher
from shared.ports.notifications import NotificationStore

NOTIFY_TOPIC = "notification-deliveries"  # a message here wakes the notification worker
DASHBOARD_PATH = "/reports/dashboard/"
CASE_PATH = "/reports/kasus/{case_id}"
__all__ = ["NOTIFY_TOPIC", "SUBJECTS", "CaseLink", "plan_messages", "queue_notifications"]

# (case id, recipient key: a Person id from contacts.yaml, else the address) -> the case page's URL
CaseLink = Callable[[str, str], str]


def unsigned_case_link(link_base: str) -> CaseLink:
    """The case page without a token (the reader signs in): where no link secret is configured."""
    base = link_base.rstrip("/")
    return lambda case_id, _recipient: base + CASE_PATH.format(case_id=case_id)


def plan_messages(event: Mapping[str, Any], *, catalog: Catalog, escalation: Escalation, repo: CaseRepository,
                  clock: Clock, link_base: str, case_link: CaseLink | None = None,
                  people: People | None = None) -> list[Message]:
    """Every message ``event`` calls for, one per recipient and channel, each written for its reader."""
    told = recipients_for(event, catalog, escalation.contacts)
    if not told:
        return []
    case_id = event.get("case_id") or ""
    facts: CaseFacts | None = None
    rules = escalation.rules
    if case_id and event["type"] in CASE_EVENTS:
        case = repo.get(case_id)
        facts = case_facts(case, catalog, rules, clock.now()) if case is not None else \
            facts_from_event(event, catalog)
    link_of = case_link or unsigned_case_link(link_base)
    people = people or build_people(escalation.contacts, catalog)
    dashboard = link_base.rstrip("/") + DASHBOARD_PATH

    def written_for(recipient: Recipient) -> Composed:
        if not case_id or facts is None:
            return compose(event, facts, recipient, dashboard, rules)
        return compose(event, facts, recipient, link_of(case_id, _recipient_key(recipient, people)), rules)

    return messages(told, written_for)


def _recipient_key(recipient: Recipient, people: People) -> str:
    """Whom a signed link is addressed to: the person of contacts.yaml with one of the recipient's addresses."""
    for channel in ("email", "whatsapp", "telegram"):
        address = recipient.addresses.get(channel)
        if address and (person := people.find(address, channel)) is not None:
            return str(person.id)
    return next(iter(recipient.addresses.values()), recipient.name)


def queue_notifications(event: Mapping[str, Any], *, store: NotificationStore, publisher: EventPublisher,
                        clock: Clock, catalog: Catalog, escalation: Escalation, repo: CaseRepository,
                        link_base: str, channels: frozenset[str] | None = None,
                        case_link: CaseLink | None = None, people: People | None = None) -> int:
    """Plans the messages an event calls for and records each once; a redelivered event
    records nothing new. Only ``channels`` that are configured are planned. Returns how
    many were queued."""
    planned = plan_messages(event, catalog=catalog, escalation=escalation, repo=repo, clock=clock,
                            link_base=link_base, case_link=case_link, people=people)
    case_id = event.get("case_id") or ""
    now, created = clock.now(), 0
    for message in planned:
        if channels is not None and message.channel not in channels:
            continue  # not configured here (no SMTP host, no bot token): nothing to retry for hours
        key = hashlib.sha256(f"{message.channel}\n{message.address}".encode()).hexdigest()[:16]
        data: dict[str, Any] = {"address": message.address, "name": message.name, "text": message.text,
                                "subject": message.subject, "link": message.link}
        if message.buttons:  # Firestore keeps no array in an array: each button names its row
            data["buttons"] = [{**b, "row": i} for i, row in enumerate(message.buttons) for b in row]
        if message.channel == "whatsapp":
            data["template"], data["template_params"] = message.template, list(message.template_params)
        payload = {"id": event["id"], "type": event["type"], "case_id": case_id, "occurred_at": event["occurred_at"],
                   "data": data}
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
