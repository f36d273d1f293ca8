"""receive_complaint: a complaint from a city system becomes a case, exactly once."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from shared import logs
from shared.domain.case import Case, CaseStatus, Reporter, case_id_for
from shared.domain.events import COMPLAINT_RECEIVED, DomainEvent
from shared.ports import CaseReader, Clock, Conflict, EventPublisher
from shared.services.outbox import announce
from shared.unit_of_work import UnitOfWork
from shared.web.schemas import ComplaintIn

if TYPE_CHECKING:
    from shared.services.announcing import DeferredAnnouncer


@dataclass(frozen=True)
class Receipt:
    case_id: str
    status: CaseStatus
    created: bool


def _new_case(complaint: ComplaintIn, source: str, clock: Clock) -> Case:
    reporter = complaint.reporter
    return Case(
        id=case_id_for(source, complaint.external_id),
        source=source,
        external_id=complaint.external_id,
        title=complaint.title,
        description=complaint.description,
        created_at=clock.now(),
        category_hint=complaint.category,
        location=complaint.location.model_dump(exclude_none=True) if complaint.location else None,
        reporter=Reporter(reporter.name, reporter.phone, reporter.email, reporter.anonymous) if reporter else None,
        secret=complaint.secret,
        channel=complaint.channel,
        occurred_at=complaint.occurred_at,
        attachments=tuple(a.model_dump() for a in complaint.attachments),
    )


def receive_complaint(complaint: ComplaintIn, *, source: str, delivery_id: str | None, uow: UnitOfWork,
                      publisher: EventPublisher, clock: Clock, behind: DeferredAnnouncer | None = None) -> Receipt:
    """Stores the case, its timeline and its ``complaint.received`` event in one commit
    keyed by (source, external_id) and by the delivery id, then announces it.

    A repeat, sequential or concurrent, loses the create and answers with the case
    that won: nothing is written twice and nothing is published twice. With ``behind``
    the event is published behind the answer (shared/services/announcing.py); either way
    it is in the outbox, committed with the case, before this returns.
    """
    case = _new_case(complaint, source, clock)
    entry = case.next_entry(case.created_at, f"source:{source}", "received",
                            channel=complaint.channel, delivery_id=delivery_id)
    case = replace(case, timeline_length=entry.seq)
    event = DomainEvent(f"{case.id}.received", COMPLAINT_RECEIVED, case.id, case.created_at,
                        {"source": source})
    with uow:
        uow.cases.add(case, entry, delivery_id=delivery_id)
        uow.add_events([event])
        try:
            done = uow.commit()
        except Conflict:
            return _existing(case.id, source, delivery_id, uow.cases)
    logs.info("case received", case_id=case.id, source=source, delivery_id=delivery_id)
    if behind is not None:
        behind.announce(done.events)
    else:
        announce(done.events, outbox=uow.outbox, publisher=publisher)
    return Receipt(case.id, case.status, created=True)


def _existing(case_id: str, source: str, delivery_id: str | None, cases: CaseReader) -> Receipt:
    winner = (delivery_id and cases.case_for_delivery(source, delivery_id)) or case_id
    stored = cases.get(winner)
    if stored is None:  # the conflict was on another document of a write that then failed
        raise Conflict(f"case {winner} not found after a conflicting create")
    logs.info("duplicate complaint delivery", case_id=winner, source=source, delivery_id=delivery_id)
    return Receipt(stored.id, stored.status, created=False)
