"""route_case: give a received case to the unit that has authority over it."""
from __future__ import annotations

from dataclasses import asdict

from shared import logs
from shared.domain.case import CaseStatus
from shared.domain.catalog import Catalog
from shared.domain.deadlines import CaseClock
from shared.domain.escalation import Escalation, chain_length
from shared.domain.events import COMPLAINT_ASSIGNED, COMPLAINT_TRIAGED, DomainEvent
from shared.domain.routing import Location, RoutingRules, route
from shared.ports import CaseRepository, Clock, Conflict, EventPublisher, Outbox
from shared.services.outbox import announce


def route_case(case_id: str, *, repo: CaseRepository, outbox: Outbox, publisher: EventPublisher,
               catalog: Catalog, rules: RoutingRules, clock: Clock, escalation: Escalation | None = None) -> str:
    """Routes the case once. Returns the outcome: 'assigned', 'triage', 'already-routed'
    or 'missing'. A redelivered or concurrent event finds the case routed and changes
    nothing; a lost optimistic write raises so the event is redelivered. With
    ``escalation``, the case's clock starts (first deadline and next due instant)."""
    case = repo.get(case_id)
    if case is None:
        logs.error("route: case not found; event dropped", case_id=case_id)
        return "missing"
    if case.status is not CaseStatus.RECEIVED:
        logs.info("route: case already routed", case_id=case_id, status=case.status.value)
        return "already-routed"
    location = Location(**{k: case.location.get(k) for k in ("kelurahan", "kecamatan", "address")}) \
        if case.location else None
    decision = route(catalog, rules, title=case.title, description=case.description,
                     category=case.category_hint, location=location)
    now = clock.now()
    routing = {k: v for k, v in asdict(decision).items() if k != "status"}
    routing["matched_terms"] = list(decision.matched_terms)
    routing["decided_at"] = now
    entry = case.next_entry(now, "sigap:router", "routed", status=decision.status,
                            unit_id=decision.unit_id, category=decision.category,
                            rule=decision.rule, reason=decision.reason)
    status = CaseStatus(decision.status)
    routed = case.moved_to(status, now, entry, category=decision.category,
                           unit_id=decision.unit_id, routing=routing,
                           clock=_start_clock(case, status, decision.unit_id, decision.category, now,
                                              catalog, escalation))
    event_type = COMPLAINT_ASSIGNED if status is CaseStatus.ASSIGNED else COMPLAINT_TRIAGED
    event = DomainEvent(f"{case.id}.{entry.id}", event_type, case.id, now,
                        {"unit_id": decision.unit_id, "category": decision.category})
    try:
        repo.update(routed, entry, [event])
    except Conflict:
        current = repo.get(case_id)
        if current is not None and current.status is not CaseStatus.RECEIVED:
            logs.info("route: lost the race to a concurrent delivery", case_id=case_id)
            return "already-routed"
        raise
    logs.info("case routed", case_id=case_id, status=status.value, unit_id=decision.unit_id,
              category=decision.category, rule=decision.rule, confidence=decision.confidence)
    announce([event], outbox=outbox, publisher=publisher)
    return status.value


def _start_clock(case, status: CaseStatus, unit_id: str | None, category: str | None, now, catalog: Catalog,
                 escalation: Escalation | None) -> CaseClock | None:
    if escalation is None:
        return None
    at_triage = status is CaseStatus.TRIAGE or unit_id is None
    sla = catalog.categories[category].sla_days if category in catalog.categories else \
        min(escalation.policy.classes)  # no category yet (triage): the strictest class until triaged
    return escalation.rules.start(anchor_at=case.counting_from, now=now, sla_days=sla, at_triage=at_triage,
                                  top_level=chain_length(catalog, catalog.triage_unit if at_triage else unit_id))
