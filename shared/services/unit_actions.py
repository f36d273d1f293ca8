"""act_on_case: a unit or the coordinator acts on one case, exactly once.

The change, its timeline entry, its events, what the national platform must be told
(lapor_outbox) and the Idempotency-Key's recorded answer go in one atomic commit, so a
retried request either finds the recorded answer or makes the change: never both,
never twice. The key is required: without one a retry could not be told from a new
request, so nothing is written.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared import logs
from shared.domain.case import Case, CaseStatus, TimelineEntry
from shared.domain.catalog import Catalog
from shared.domain.clock.deadlines import ClockRules
from shared.domain.unit_actions import ActionRefused, Actor, Context, Refusal, apply_action
from shared.ports import CaseReader, Clock, Conflict, EventPublisher
from shared.services.outbox import announce
from shared.unit_of_work import IdempotencyRecord, UnitOfWork

if TYPE_CHECKING:
    from shared.ports.routing_model import RoutingLearningStore

KEY_HEADER = "Idempotency-Key"
MISSING_KEY = ActionRefused(
    Refusal.MISSING_IDEMPOTENCY_KEY,
    "the Idempotency-Key header is required on every action: without it a retried request "
    "(after a timeout or a dropped connection) would apply the action twice", KEY_HEADER)


@dataclass(frozen=True)
class Answer:
    """What the caller is told: the change made (``refused`` None), or the refusal's kind
    with its error body. HTTP statuses are the web layer's (``shared/web/refusals.py``)."""
    body: Mapping[str, Any]
    refused: Refusal | None = None


def idempotency_id(actor: Actor, key: str) -> str:
    return hashlib.sha256(f"{actor.id}\n{key}".encode()).hexdigest()


def visible_to(case: Case | None, actor: Actor) -> bool:
    """A unit sees only its own cases; the coordinator sees all. Others get 404, not 403."""
    return case is not None and (actor.coordinator or case.unit_id == actor.unit_id)


def sent_back_by(timeline: Iterable[TimelineEntry], unit_id: str | None) -> bool:
    """Whether ``unit_id`` sent this case back (request_reroute): it still reads the case,
    read-only, and sees where it went; it can no longer act on it."""
    return unit_id is not None and any(
        e.action == "reroute_requested" and e.detail.get("from_unit") == unit_id for e in timeline)


def act_on_case(case_id: str, action: str, params: Mapping[str, Any], *, actor: Actor, idempotency_key: str | None,
                fingerprint: str, uow: UnitOfWork, publisher: EventPublisher, clock: Clock, catalog: Catalog,
                rules: ClockRules | None, corrections: RoutingLearningStore | None = None) -> Answer:
    """With ``corrections``, a coordinator's reassign/change_category is also kept as a
    routing example after the commit (shared.services.routing_learning)."""
    if not idempotency_key or not idempotency_key.strip():
        return _refused(MISSING_KEY)
    record_id = idempotency_id(actor, idempotency_key)
    for _ in range(3):
        with uow:
            answer, staged = _decide(case_id, action, params, actor, record_id, fingerprint, uow, clock, catalog, rules)
            if not staged:
                return answer
            try:
                done = uow.commit()
            except Conflict:
                continue  # the case changed, or the same key won meanwhile: look again
        logs.info("case action", case_id=case_id, action=action, actor=actor.id, status=answer.body["status"])
        announce(done.events, outbox=uow.outbox, publisher=publisher)
        if corrections is not None and action in ("reassign", "change_category"):
            from shared.services.routing_learning import record_correction  # loads routing only here
            record_correction(corrections, case_id=case_id, action=action, unit_id=answer.body.get("unit_id"),
                              category=params.get("category"), actor=actor.id, at=clock.now())
        return answer
    raise Conflict(f"case {case_id} kept changing")


def _decide(case_id: str, action: str, params: Mapping[str, Any], actor: Actor, record_id: str, fingerprint: str,
            uow: UnitOfWork, clock: Clock, catalog: Catalog, rules: ClockRules | None) -> tuple[Answer, bool]:
    """The answer, and whether the change it reports is staged with its Idempotency-Key
    record (False: the key's recorded answer, or a refusal)."""
    if (earlier := uow.idempotency.get(record_id)) is not None:
        if earlier.fingerprint != fingerprint:
            return _refused(ActionRefused(Refusal.IDEMPOTENCY_KEY_REUSED,
                                          "this Idempotency-Key was used for another request", KEY_HEADER)), False
        return Answer(earlier.body), False
    case = uow.cases.get(case_id)
    if case is None or not visible_to(case, actor):
        return _refused(ActionRefused(Refusal.CASE_NOT_FOUND, "no case with this id", "id")), False
    try:
        if action == "merge":
            _check_merge_target(params["into"], actor, uow.cases)
        change = apply_action(case, action, params, actor, Context(catalog, rules, clock.now()))
    except ActionRefused as refusal:
        return _refused(refusal, case), False
    answer = Answer({"id": case.id, "status": change.case.status.value, "unit_id": change.case.unit_id,
                     "entry": {"seq": change.entry.seq, "action": change.entry.action,
                               "actor": change.entry.actor, "at": change.entry.at}})
    uow.cases.update(change.case, change.entry)
    uow.add_events(change.events)
    uow.add_lapor_items(change.lapor_items)
    uow.idempotency.add(IdempotencyRecord(record_id, fingerprint, answer.body, clock.now()))
    return answer, True


def _check_merge_target(target_id: Any, actor: Actor, cases: CaseReader) -> None:
    target = cases.get(target_id) if isinstance(target_id, str) else None
    if target is None:
        raise ActionRefused(Refusal.INVALID_FIELD, "into must name an existing case", "into")
    if target.status is CaseStatus.CLOSED:
        raise ActionRefused(Refusal.INVALID_FIELD, "a case cannot be merged into a closed case", "into")


def _refused(refusal: ActionRefused, case: Case | None = None) -> Answer:
    error = {"code": refusal.code, "message": refusal.message, "field": refusal.field}
    if case is not None and refusal.kind is Refusal.INVALID_TRANSITION:
        error["current_status"] = case.status.value
    return Answer({"error": error}, refusal.kind)
