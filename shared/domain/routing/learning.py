"""Learning from coordinators' corrections: a small multinomial naive Bayes model.

Pure Python, no library: it imports in microseconds and a model of a city's
corrections is a few thousand counts, so cold starts stay fast (see docs/routing.md).

- ``Correction``: one coordinator ``reassign``/``change_category``, as stored (the
  case id and the label; the complaint's text stays in the case store).
- ``label_of``: the category a correction teaches (a reassignment to a unit
  teaches the category that unit has authority for, when there is one).
- ``fit``: counts over the same stems the rules read (``content_stems``), with the
  rules' own terms as a prior of ``prior_examples`` pseudo-complaints per category,
  so one wrong correction cannot flip a category; a category the model learned
  from fewer than ``min_examples`` corrections is never proposed.
- ``LearnedModel.predict``: categories with their posterior probability, best first.
  Routing uses it only where the rules are not confident (shared.domain.routing).
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.domain.catalog import Catalog
from shared.domain.routing.rules import RoutingRules

REASSIGN, CHANGE_CATEGORY = "reassign", "change_category"
MODEL_VERSION = 1


@dataclass(frozen=True)
class Correction:
    """A coordinator's correction of one case: the label only, never the text."""
    case_id: str
    action: str  # reassign | change_category
    unit_id: str | None  # the unit chosen (reassign)
    category: str | None  # the category chosen (change_category), or the case's at a reassignment
    actor: str
    at: datetime


def label_of(correction: Correction, catalog: Catalog) -> str | None:
    """The category the correction teaches, or None when it teaches none for sure."""
    if correction.action == CHANGE_CATEGORY:
        return correction.category if correction.category in catalog.categories else None
    unit = catalog.units.get(correction.unit_id or "")
    if unit is None:
        return None
    current = catalog.categories.get(correction.category or "")
    if current is not None and (current.default_unit == unit.id or (current.location_scoped
                                                                     and unit.kind == "kelurahan")):
        return current.code
    if unit.kind == "kelurahan":
        return next((c.code for c in catalog.categories.values() if c.location_scoped), None)
    owned = [c.code for c in catalog.categories.values() if c.default_unit == unit.id]
    return owned[0] if len(owned) == 1 else None


@dataclass(frozen=True)
class Example:
    """A correction joined with the stems of its case, in memory only while fitting."""
    category: str
    stems: tuple[str, ...]


@dataclass(frozen=True)
class LearnedModel:
    counts: Mapping[str, Mapping[str, float]]  # category -> stem -> count (prior included)
    documents: Mapping[str, float]  # category -> examples (prior included)
    learned: Mapping[str, int]  # category -> corrections learned from (no prior)
    alpha: float
    min_examples: int
    fitted_at: datetime | None = None
    vocabulary: frozenset[str] = field(default_factory=frozenset)

    @property
    def examples(self) -> int:
        return sum(self.learned.values())

    def eligible(self) -> list[str]:
        return sorted(code for code, n in self.learned.items() if n >= self.min_examples)

    def predict(self, stems: Sequence[str]) -> list[tuple[str, float]]:
        """Eligible categories with their posterior probability, best first; [] without any."""
        eligible = self.eligible()
        known = [s for s in stems if s in self.vocabulary]
        if not eligible or not known:
            return []
        total_documents = sum(self.documents[c] for c in eligible)
        size = len(self.vocabulary)
        logs: dict[str, float] = {}
        for code in eligible:
            counts = self.counts[code]
            denominator = math.log(sum(counts.values()) + self.alpha * size)
            logs[code] = math.log(self.documents[code] / total_documents) + sum(
                math.log(counts.get(s, 0.0) + self.alpha) - denominator for s in known)
        top = max(logs.values())
        weights = {code: math.exp(value - top) for code, value in logs.items()}
        norm = sum(weights.values())
        return sorted(((code, w / norm) for code, w in weights.items()), key=lambda item: (-item[1], item[0]))

    def summary(self) -> dict[str, Any]:
        """What was learned, for the coordinator: counts per category and the most telling stems
        seen in at least three corrections (one complaint's words are never shown)."""
        return {"examples": self.examples, "fitted_at": self.fitted_at, "min_examples": self.min_examples,
                "categories": {code: {"corrections": n, "eligible": n >= self.min_examples}
                               for code, n in sorted(self.learned.items())}}


def _prior(rules: RoutingRules, prior_examples: float) -> dict[str, Counter[str]]:
    """The rules' terms as pseudo-complaints: ``prior_examples`` per category, split by weight."""
    weights: dict[str, dict[str, float]] = {}
    for key, terms in rules.lexicon.items():
        for term in terms:
            if term.category is None:
                continue
            for root in key:
                bucket = weights.setdefault(term.category, {})
                bucket[root] = bucket.get(root, 0.0) + term.weight
    prior: dict[str, Counter[str]] = {}
    for code, stems in weights.items():
        total = sum(stems.values())
        # each pseudo-complaint is as long as a short real one (~12 stems)
        prior[code] = Counter({root: prior_examples * 12 * weight / total for root, weight in stems.items()})
    return prior


def fit(examples: Iterable[Example], rules: RoutingRules, *, fitted_at: datetime | None = None) -> LearnedModel:
    settings = rules.learning
    counts: dict[str, Counter[str]] = _prior(rules, settings.prior_examples)
    documents: dict[str, float] = {code: settings.prior_examples for code in counts}
    learned: dict[str, int] = {}
    for example in examples:
        counts.setdefault(example.category, Counter()).update(example.stems)
        documents[example.category] = documents.get(example.category, 0.0) + 1
        learned[example.category] = learned.get(example.category, 0) + 1
    vocabulary = frozenset(root for bucket in counts.values() for root in bucket)
    return LearnedModel({c: dict(b) for c, b in counts.items()}, documents, learned, settings.alpha,
                        settings.min_examples, fitted_at, vocabulary)


def to_document(model: LearnedModel) -> dict[str, Any]:
    """The model as one storable mapping (Firestore: no nested arrays)."""
    return {"version": MODEL_VERSION, "counts": {c: dict(b) for c, b in model.counts.items()},
            "documents": dict(model.documents), "learned": dict(model.learned), "alpha": model.alpha,
            "min_examples": model.min_examples, "fitted_at": model.fitted_at}


def from_document(doc: Mapping[str, Any]) -> LearnedModel | None:
    """The stored model, or None when it is missing or of another version."""
    if not doc or doc.get("version") != MODEL_VERSION:
        return None
    counts = {str(c): {str(s): float(n) for s, n in b.items()} for c, b in doc["counts"].items()}
    return LearnedModel(counts, {str(c): float(n) for c, n in doc["documents"].items()},
                        {str(c): int(n) for c, n in doc["learned"].items()}, float(doc["alpha"]),
                        int(doc["min_examples"]), doc.get("fitted_at"),
                        frozenset(s for b in counts.values() for s in b))
