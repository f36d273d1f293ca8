"""Learning routing from coordinators' corrections (issue 12).

- ``record_correction``: a coordinator's ``reassign``/``change_category`` becomes a
  labelled example (called by shared.services.unit_actions after the commit).
- ``learn``: the scheduled job (function ``learn_routing``): joins the corrections
  with their cases' text in memory, fits the model (shared.domain.routing.learning)
  and stores it. A secret (rahasia) report's text is never fitted: its correction
  is counted as skipped. Logs carry counts only.
- ``model_view`` / ``reset``: what the coordinator sees and can forget
  (GET/DELETE /cases/routing-model).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from shared import logs
from shared.domain.catalog import Catalog
from shared.domain.routing import RoutingRules, content_stems
from shared.domain.routing.learning import (
    CHANGE_CATEGORY,
    REASSIGN,
    Correction,
    Example,
    LearnedModel,
    fit,
    from_document,
    label_of,
    to_document,
)
from shared.ports import Clock
from shared.ports.cases import CaseReader
from shared.ports.routing_model import RoutingLearningStore

LEARNED_ACTIONS = frozenset({REASSIGN, CHANGE_CATEGORY})
MAX_CORRECTIONS = 5000


def record_correction(store: RoutingLearningStore, *, case_id: str, action: str, unit_id: str | None,
                      category: str | None, actor: str, at: datetime) -> bool:
    """Store the correction when ``action`` is one routing learns from; never raises
    (a lost example must not fail the coordinator's action: it is logged)."""
    if action not in LEARNED_ACTIONS:
        return False
    try:
        store.add_correction(Correction(case_id, action, unit_id, category, actor, at))
    except Exception as exc:  # noqa: BLE001 - best effort, the action is already committed
        logs.warning("routing correction not recorded", case_id=case_id, action=action, error=type(exc).__name__)
        return False
    return True


def learn(store: RoutingLearningStore, cases: CaseReader, *, catalog: Catalog, rules: RoutingRules,
          clock: Clock, limit: int = MAX_CORRECTIONS) -> dict[str, Any]:
    """Fit the model on the corrections (the last one per case wins) and store it."""
    latest: dict[str, Correction] = {}
    for correction in store.corrections(limit):  # oldest first: the last correction of a case wins
        latest[correction.case_id] = correction
    found = cases.get_many(sorted(latest))
    examples: list[Example] = []
    skipped = {"secret": 0, "missing": 0, "no_label": 0}
    for case_id, correction in latest.items():
        case = found.get(case_id)
        if case is None:
            skipped["missing"] += 1
            continue
        if case.secret:
            skipped["secret"] += 1
            continue
        if correction.category is None and correction.action == REASSIGN:
            correction = Correction(case_id, REASSIGN, correction.unit_id, case.category, correction.actor,
                                    correction.at)
        label = label_of(correction, catalog)
        if label is None:
            skipped["no_label"] += 1
            continue
        examples.append(Example(label, tuple(content_stems(rules, case.title, case.description))))
    model = fit(examples, rules, fitted_at=clock.now())
    store.put_model(to_document(model))
    logs.info("routing model learned", examples=len(examples), eligible=len(model.eligible()), **skipped)
    return {**model.summary(), "skipped": skipped}


def current_model(store: RoutingLearningStore) -> LearnedModel | None:
    document = store.model()
    return from_document(document) if document else None


def model_view(store: RoutingLearningStore) -> dict[str, Any]:
    model = current_model(store)
    return {"learned": False} if model is None else {"learned": True, **model.summary()}


def reset(store: RoutingLearningStore) -> dict[str, Any]:
    removed = store.reset()
    logs.info("routing model reset", corrections_removed=removed)
    return {"learned": False, "corrections_removed": removed}
