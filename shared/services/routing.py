"""route_case: give a received case to the unit that has authority over it."""
from __future__ import annotations

from dataclasses import asdict, replace

from shared import logs
from shared.domain.case import Case, CaseStatus, TimelineEntry
from shared.domain.catalog import Catalog
from shared.domain.clock.deadlines import CaseClock
from shared.domain.clock.escalation import Escalation, chain_length, late_message, late_recipients
from shared.domain.events import COMPLAINT_ASSIGNED, COMPLAINT_LATE, COMPLAINT_TRIAGED, DomainEvent
from shared.domain.integrations.lapor import SOURCE, OutboxItem, dispose_item
from shared.domain.integrations.lapor_changes import adopt_history
from shared.domain.routing import Location, RoutingDecision, RoutingRules, route
from shared.ports import CaseRepository, Clock, Conflict, EventPublisher, LaporStore, Outbox
from shared.services.outbox import announce


def route_case(case_id: str, *, repo: CaseRepository, outbox: Outbox, publisher: EventPublisher,
               catalog: Catalog, rules: RoutingRules, clock: Clock, escalation: Escalation | None = None,
               lapor: LaporStore | None = None) -> str:
    """Routes the case once. Returns the outcome: 'assigned', 'triage', 'already-routed'
    or 'missing'. A redelivered or concurrent event finds the case routed and changes
    nothing; a lost optimistic write raises so the event is redelivered. With
    ``escalation``, the case's clock starts (first deadline and next due instant).

    A report from LAPOR! keeps what happened there: a disposition made on LAPOR! decides
    the unit (rule ``lapor_disposition``), its national status and first answer give the
    case its status and clock, and, with ``lapor``, Sigap's decision goes back to LAPOR!
    as a disposition to the unit's account, in the same commit. A case Sigap first sees
    past its running deadline is flagged late on arrival and its unit and the coordinator
    are told once (``complaint.late``)."""
    case = repo.get(case_id)
    if case is None:
        logs.error("route: case not found; event dropped", case_id=case_id)
        return "missing"
    if case.status is not CaseStatus.RECEIVED:
        logs.info("route: case already routed", case_id=case_id, status=case.status.value)
        return "already-routed"
    location = Location(**{k: case.location.get(k) for k in ("kelurahan", "kecamatan", "address")}) \
        if case.location else None
    decision = _disposed_on_lapor(case, catalog, route(catalog, rules, title=case.title, description=case.description,
                                                      category=case.category_hint, location=location))
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
    events = [DomainEvent(f"{case.id}.{entry.id}", event_type, case.id, now,
                          {"unit_id": decision.unit_id, "category": decision.category})]
    entries = [entry]
    if case.source == SOURCE:
        routed, history = adopt_history(routed, escalation.rules if escalation else None, now)
        entries += history
    if escalation is not None:
        routed, late = _late_on_arrival(routed, now, catalog, escalation)
        entries += late[:1]
        events += late[1:]
    items = _disposition(routed, entries[0].seq, now, catalog)
    try:
        if lapor is not None and items:
            lapor.commit_change(routed, entries, events, items)
        else:
            repo.update(routed, entries, events)
    except Conflict:
        current = repo.get(case_id)
        if current is not None and current.status is not CaseStatus.RECEIVED:
            logs.info("route: lost the race to a concurrent delivery", case_id=case_id)
            return "already-routed"
        raise
    logs.info("case routed", case_id=case_id, status=routed.status.value, unit_id=decision.unit_id,
              category=decision.category, rule=decision.rule, confidence=decision.confidence,
              late_on_arrival_days=routed.clock.late_on_arrival_days if routed.clock else None)
    announce(events, outbox=outbox, publisher=publisher)
    return status.value


def _disposed_on_lapor(case: Case, catalog: Catalog, decision: RoutingDecision) -> RoutingDecision:
    """A report the city admin already disposed on LAPOR! to a unit's account goes to that unit."""
    account = (case.lapor_state or {}).get("disposition")
    unit = catalog.unit_for_lapor_account(account) if account else None
    if unit is None or unit.id == catalog.triage_unit:
        return decision
    return replace(decision, status="assigned", unit_id=unit.id, rule="lapor_disposition", confidence=1.0,
                   reason=f"disposed on LAPOR! to account {account} before Sigap saw it")


def _late_on_arrival(case: Case, now, catalog: Catalog,
                     escalation: Escalation) -> tuple[Case, list[TimelineEntry | DomainEvent]]:
    """[entry, event] when the case arrives past its running deadline; [] otherwise."""
    rules = escalation.rules
    if case.clock is None or (late := rules.arrived_late(case.clock, now)) is case.clock:
        return case, []
    unit_id = catalog.triage_unit if case.status is CaseStatus.TRIAGE or not case.unit_id else case.unit_id
    chain = catalog.chain_of_authority(unit_id)
    next_title = escalation.contacts[chain[0].id].head.name if chain else None
    case, entry = replace(case, clock=late).with_entry(now, "sigap:escalation", "late_on_arrival",
                                                       late_days=late.late_on_arrival_days, stage=late.stage.value,
                                                       deadline_at=late.deadline_at, unit_id=unit_id,
                                                       next_level_at=rules.level_deadline(late))
    data = {"unit_id": unit_id, "stage": late.stage.value, "level": 0, "late_days": late.late_on_arrival_days,
            "deadline_at": late.deadline_at.isoformat() if late.deadline_at else None,
            "recipients": late_recipients(unit_id, catalog, escalation),
            "message": late_message(case, late, catalog.unit(unit_id).name, next_title, rules)}
    return case, [entry, DomainEvent(f"{case.id}.{entry.id}", COMPLAINT_LATE, case.id, now, data)]


def _disposition(case: Case, seq: int, now, catalog: Catalog) -> list[OutboxItem]:
    """Sigap's routing told to LAPOR! (reports that came from there; a city complaint is
    disposed right after its submission): the unit's account, unless LAPOR! shows it already."""
    if case.source != SOURCE or case.status is CaseStatus.CLOSED or not case.unit_id:
        return []
    account = catalog.unit(case.unit_id).lapor_account
    if not account or account == (case.lapor_state or {}).get("disposition"):
        return []
    return [dispose_item(case, seq, case.unit_id, account, now)]


def _start_clock(case, status: CaseStatus, unit_id: str | None, category: str | None, now, catalog: Catalog,
                 escalation: Escalation | None) -> CaseClock | None:
    if escalation is None:
        return None
    at_triage = status is CaseStatus.TRIAGE or unit_id is None
    sla = catalog.categories[category].sla_days if category in catalog.categories else \
        min(escalation.policy.classes)  # no category yet (triage): the strictest class until triaged
    return escalation.rules.start(anchor_at=case.counting_from, now=now, sla_days=sla, at_triage=at_triage,
                                  top_level=chain_length(catalog, catalog.triage_unit if at_triage else unit_id))
