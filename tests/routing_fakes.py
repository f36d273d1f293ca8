"""In-memory RoutingLearningStore (shared/ports/routing_model.py) for unit and function tests."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from shared.domain.routing.learning import Correction


class FakeRoutingLearning:
    def __init__(self) -> None:
        self.stored: dict[str, Correction] = {}
        self.document: dict[str, Any] | None = None
        self.fail = False

    def add_correction(self, correction: Correction) -> None:
        if self.fail:
            raise RuntimeError("store down")
        self.stored[f"{correction.case_id}.{correction.action}.{correction.at.timestamp():.6f}"] = correction

    def corrections(self, limit: int) -> list[Correction]:
        return sorted(self.stored.values(), key=lambda c: c.at)[-limit:]

    def model(self) -> Mapping[str, Any] | None:
        return self.document

    def put_model(self, document: Mapping[str, Any]) -> None:
        self.document = dict(document)

    def reset(self) -> int:
        removed = len(self.stored)
        self.stored, self.document = {}, None
        return removed
