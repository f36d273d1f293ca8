"""RoutingLearningStore: where coordinators' corrections and the model learned from them live.

A correction holds the case id and the label the coordinator chose, never the
complaint's text (that stays in the case store, read only while fitting). The model
is one document. Adapters: shared.adapters.firestore_routing_model (Firestore);
tests use an in-memory fake.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from shared.domain.routing.learning import Correction


class RoutingLearningStore(Protocol):
    def add_correction(self, correction: Correction) -> None:
        """Record one correction (idempotent per case and action instant)."""

    def corrections(self, limit: int) -> list[Correction]:
        """The most recent corrections, oldest first, at most ``limit``."""

    def model(self) -> Mapping[str, Any] | None:
        """The stored model document, or None before the first fit or after a reset."""

    def put_model(self, document: Mapping[str, Any]) -> None: ...

    def reset(self) -> int:
        """Forget every correction and the model; answers how many corrections were removed."""
