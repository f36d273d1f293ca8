"""FirestoreRoutingLearning: corrections in ``routing_corrections/{case id}.{action}.{instant}``
and the learned model in ``routing_model/current``.

Neither holds a complaint's text: a correction is the case id, the action, the label
and who made it when; the model is word-stem counts per category (a secret report's
text is never fitted, see shared.services.routing_learning). Price: a correction is
1 write; a fit reads at most ``limit`` corrections and writes 1 document; routing
reads the model once per instance (shared.wiring).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.cloud import firestore

from shared.domain.routing.learning import Correction

CORRECTIONS, MODEL, CURRENT = "routing_corrections", "routing_model", "current"
_DELETE_BATCH = 400


class FirestoreRoutingLearning:
    def __init__(self, client: firestore.Client):
        self._client = client
        self._corrections = client.collection(CORRECTIONS)
        self._model = client.collection(MODEL).document(CURRENT)

    def add_correction(self, correction: Correction) -> None:
        doc_id = f"{correction.case_id}.{correction.action}.{correction.at.timestamp():.6f}"
        self._corrections.document(doc_id).set({
            "case_id": correction.case_id, "action": correction.action, "unit_id": correction.unit_id,
            "category": correction.category, "actor": correction.actor, "at": correction.at})

    def corrections(self, limit: int) -> list[Correction]:
        query = self._corrections.order_by("at", direction=firestore.Query.DESCENDING).limit(limit)
        found = [Correction(d["case_id"], d["action"], d.get("unit_id"), d.get("category"), d["actor"], d["at"])
                 for d in (snapshot.to_dict() or {} for snapshot in query.stream()) if d]
        return found[::-1]

    def model(self) -> Mapping[str, Any] | None:
        return self._model.get().to_dict()

    def put_model(self, document: Mapping[str, Any]) -> None:
        self._model.set(dict(document))

    def reset(self) -> int:
        removed = 0
        while True:
            batch = self._client.batch()
            refs = [snapshot.reference for snapshot in self._corrections.limit(_DELETE_BATCH).stream()]
            for ref in refs:
                batch.delete(ref)
            if refs:
                batch.commit()
            removed += len(refs)
            if len(refs) < _DELETE_BATCH:
                break
        self._model.delete()
        return removed
