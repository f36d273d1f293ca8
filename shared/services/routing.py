"""route_case: give a received case to the unit that has authority over it."""
from __future__ import annotations

from dataclasses import asdict, replace
from datetime import datetime

from shared import logs
from shared.domain.case import Case, CaseStatus, TimelineEntry
from shared.domain.catalog import Catalog
from shared.domain.clock.deadlines import CaseClock
from shared.domain.clock.escalation import Escalation, chain_length, late_message, late_recipients
from shared.domain.events import COMPLAINT_ASSIGNED, COMPLAINT_LATE, COMPLAINT_TRIAGED, DomainEvent
from shared.domain.integrations.lapor import SOURCE, OutboxItem, dispose_item
from shared.domain.integrations.lapor_changes import adopt_history
from shared.domain.routing import Location, RoutingDecision, RoutingRules, route
from shared.domain.routing.learning import LearnedModel
from shared.ports import Clock, Conflict, EventPublisher
from shared.services.outbox import announce
from shared.unit_of_work import UnitOfWork

ROUTE_ATTEMPTS = 5  # a normal race is retried at once, on fresh state, inside the handler


def route_case(case_id: str, *, uow: UnitOfWork, publisher: EventPublisher, catalog: Catalog,
               rules: RoutingRules, clock: Clock, escalation: Escalation | None = None,
               tell_lapor: bool = False, model: LearnedModel | None = None) -> str:
    """Routes the case once. Returns the outcome: 'assigned', 'triage', 'already-routed'
    or 'missing'. A redelivered or concurrent event finds the case routed and changes
    nothing; a lost optimistic write raises so the event is redelivered. With
    ``escalation``, the case's clock starts (first deadline and next due instant).

    A report from LAPOR! keeps what happened there: a disposition made on LAPOR! decides
    the unit (rule ``lapor_disposition``), its national status and first answer give the
    case its status and clock, and, with ``tell_lapor``, Sigap's decision goes back to
    LAPOR! as a disposition to the unit's account, in the same commit. A case Sigap first
    sees past its running deadline is flagged late on arrival and its unit and the
    coordinator are told once (``complaint.late``). A write that loses to a concurrent one
    (the LAPOR! push recording the tracking id, issue 14) is routed again on the case as
    it is now, up to ``ROUTE_ATTEMPTS`` times; only then does it raise. With ``model`` (learned from coordinators'
    corrections), the model may break the rules' ties; the decision records which decided."""
    with uow:
        for attempt in range(1, ROUTE_ATTEMPTS + 1):
            staged = _route(case_id, uow, catalog, rules, clock, escalation, tell_lapor, model)
            if isinstance(staged, str):
                return staged  # routed meanwhile (a concurrent delivery won): "already-routed"
            routed, decision = staged
            try:
                done = uow.commit()
                break
            except Conflict:
                if attempt == ROUTE_ATTEMPTS:
                    raise  # a real failure: the entry point logs ERROR and the event is redelivered
                logs.info("route: the case changed while it was routed; routing again on fresh state",
                          case_id=case_id, attempt=attempt)
    logs.info("case routed", case_id=case_id, status=routed.status.value, unit_id=decision.unit_id,
              category=decision.category, rule=decision.rule, confidence=decision.confidence,
              late_on_arrival_days=routed.clock.late_on_arrival_days if routed.clock else None)
    announce(done.events, outbox=uow.outbox, publisher=publisher)
    return decision.status


def _route(case_id: str, uow: UnitOfWork, catalog: Catalog, rules: RoutingRules, clock: Clock,
           escalation: Escalation | None, tell_lapor: bool,
           model: LearnedModel | None = None) -> tuple[Case, RoutingDecision] | str:
    """Stages the routed case with its entries, events and LAPOR! items, or answers the
    outcome when there is nothing to route."""
    case = uow.cases.get(case_id)
    if case is None:
        logs.error("route: case not found; event dropped", case_id=case_id)
        return "missing"
    if case.status is not CaseStatus.RECEIVED:
        logs.info("route: case already routed", case_id=case_id, status=case.status.value)
        return "already-routed"
    location = Location(**{k: case.location.get(k) for k in ("kelurahan", "kecamatan", "address")}) \
        if case.location else None
    decision = _disposed_on_lapor(case, catalog, route(catalog, rules, title=case.title, description=case.description,
                                                      category=case.category_hint, location=location,
                                                      model=model))
    now = clock.now()
    routing = {k: v for k, v in asdict(decision).items() if k != "status"}
    routing["matched_terms"] = list(decision.matched_terms)
    routing["alternatives"] = [{"category": code, "score": score} for code, score in decision.alternatives]
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
    if escalation is not None and (late := _late_on_arrival(routed, now, catalog, escalation)) is not None:
        routed, late_entry, late_event = late
        entries.append(late_entry)
        events.append(late_event)
    uow.cases.update(routed, entries)
    uow.add_events(events)
    if tell_lapor:
        uow.add_lapor_items(_disposition(routed, entries[0].seq, now, catalog))
    return routed, decision


def _disposed_on_lapor(case: Case, catalog: Catalog, decision: RoutingDecision) -> RoutingDecision:
    """A report the city admin already disposed on LAPOR! to a unit's account goes to that unit."""
    account = (case.lapor_state or {}).get("disposition")
    unit = catalog.unit_for_lapor_account(account) if account else None
    if unit is None or unit.id == catalog.triage_unit:
        return decision
    return replace(decision, status="assigned", unit_id=unit.id, rule="lapor_disposition", confidence=1.0,
                   reason=f"disposed on LAPOR! to account {account} before Sigap saw it")


def _late_on_arrival(case: Case, now: datetime, catalog: Catalog,
                     escalation: Escalation) -> tuple[Case, TimelineEntry, DomainEvent] | None:
    """The case, its entry and its event when it arrives past its running deadline; None otherwise."""
    rules = escalation.rules
    if case.clock is None or (late := rules.arrived_late(case.clock, now)) is case.clock:
        return None
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
    return case, entry, DomainEvent(f"{case.id}.{entry.id}", COMPLAINT_LATE, case.id, now, data)


def _disposition(case: Case, seq: int, now: datetime, catalog: Catalog) -> list[OutboxItem]:
    """Sigap's routing told to LAPOR! (reports that came from there; a city complaint is
    disposed right after its submission): the unit's account, unless LAPOR! shows it already."""
    if case.source != SOURCE or case.status is CaseStatus.CLOSED or not case.unit_id:
        return []
    account = catalog.unit(case.unit_id).lapor_account
    if not account or account == (case.lapor_state or {}).get("disposition"):
        return []
    return [dispose_item(case, seq, case.unit_id, account, now)]


def _start_clock(case: Case, status: CaseStatus, unit_id: str | None, category: str | None, now: datetime,
                 catalog: Catalog, escalation: Escalation | None) -> CaseClock | None:
    if escalation is None:
        return None
    at_triage = status is CaseStatus.TRIAGE or unit_id is None
    sla = catalog.categories[category].sla_days if category is not None and category in catalog.categories else \
        min(escalation.policy.classes)  # no category yet (triage): the strictest class until triaged
    top = catalog.triage_unit if at_triage or unit_id is None else unit_id
    return escalation.rules.start(anchor_at=case.counting_from, now=now, sla_days=sla, at_triage=at_triage,
                                  top_level=chain_length(catalog, top))
