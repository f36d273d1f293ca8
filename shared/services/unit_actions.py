"""act_on_case: a unit or the coordinator acts on one case, exactly once.

The change, its timeline entry, its events, what the national platform must be told
(lapor_outbox) and the Idempotency-Key's recorded answer go in one atomic commit, so a
retried request either finds the recorded answer or makes the change: never both,
never twice. The key is required: without one a retry could not be told from a new
request, so nothing is written.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Mapping

from shared import logs
from shared.domain.case import Case, CaseStatus
from shared.domain.unit_actions import ActionRefused, Actor, Context, apply_action
from shared.ports import CaseRepository, Clock, Conflict
from shared.services.outbox import announce

IDEMPOTENCY = "idempotency_keys"
KEY_HEADER = "Idempotency-Key"
MISSING_KEY = ActionRefused(
    422, "missing_idempotency_key",
    "the Idempotency-Key header is required on every action: without it a retried request "
    "(after a timeout or a dropped connection) would apply the action twice", KEY_HEADER)


@dataclass(frozen=True)
class Answer:
    status: int
    body: Mapping[str, Any]


def idempotency_id(actor: Actor, key: str) -> str:
    return hashlib.sha256(f"{actor.id}\n{key}".encode()).hexdigest()


def visible_to(case: Case | None, actor: Actor) -> bool:
    """A unit sees only its own cases; the coordinator sees all. Others get 404, not 403."""
    return case is not None and (actor.coordinator or case.unit_id == actor.unit_id)


def act_on_case(case_id: str, action: str, params: Mapping[str, Any], *, actor: Actor, idempotency_key: str | None,
                fingerprint: str, repo: CaseRepository, store: Any, outbox: Any, publisher: Any, clock: Clock,
                catalog: Any, rules: Any) -> Answer:
    if not idempotency_key or not idempotency_key.strip():
        return _refused(MISSING_KEY)
    record_id = idempotency_id(actor, idempotency_key)
    for _ in range(3):
        if (earlier := store.recorded_answer(record_id)) is not None:
            if earlier["fingerprint"] != fingerprint:
                return _refused(ActionRefused(422, "idempotency_key_reused",
                                              "this Idempotency-Key was used for another request", KEY_HEADER))
            return Answer(earlier["status"], earlier["body"])
        case = repo.get(case_id)
        if not visible_to(case, actor):
            return _refused(ActionRefused(404, "case_not_found", "no case with this id", "id"))
        try:
            if action == "merge":
                _check_merge_target(params["into"], actor, repo)
            change = apply_action(case, action, params, actor, Context(catalog, rules, clock.now()))
        except ActionRefused as refusal:
            return _refused(refusal, case)
        answer = Answer(200, {"id": case.id, "status": change.case.status.value, "unit_id": change.case.unit_id,
                              "entry": {"seq": change.entry.seq, "action": change.entry.action,
                                        "actor": change.entry.actor, "at": change.entry.at}})
        record = (IDEMPOTENCY, record_id, {
            "fingerprint": fingerprint, "status": answer.status, "body": dict(answer.body), "created_at": clock.now()})
        try:
            store.commit_change(change.case, change.entry, change.events, change.lapor_items, records=[record])
        except Conflict:
            continue  # the case changed, or the same key won meanwhile: look again
        logs.info("case action", case_id=case.id, action=action, actor=actor.id, status=change.case.status.value)
        announce(change.events, outbox=outbox, publisher=publisher)
        return answer
    raise Conflict(f"case {case_id} kept changing")


def _check_merge_target(target_id: Any, actor: Actor, repo: CaseRepository) -> None:
    target = repo.get(target_id) if isinstance(target_id, str) else None
    if target is None:
        raise ActionRefused(422, "invalid_field", "into must name an existing case", "into")
    if target.status is CaseStatus.CLOSED:
        raise ActionRefused(422, "invalid_field", "a case cannot be merged into a closed case", "into")


def _refused(refusal: ActionRefused, case: Case | None = None) -> Answer:
    error = {"code": refusal.code, "message": refusal.message, "field": refusal.field}
    if case is not None and refusal.status == 409:
        error["current_status"] = case.status.value
    return Answer(refusal.status, {"error": error})
