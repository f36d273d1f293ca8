"""Routing rules (``routing.yaml``) compiled and checked against the catalog.

Pure: takes the parsed YAML and a ``Catalog``; returns ``RoutingRules`` or
raises ``CatalogError`` naming the file, the entry and the problem. Configured
terms go through the same normalisation and stemming as complaint text, so a
rule written "berlubang" matches "lubang", "lobang" and "berlubang-lubang".
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.domain.catalog import Catalog, CatalogError
from shared.domain.routing.text import place_key, stemmed_words

TOP_LEVEL_KEYS = frozenset({"version", "thresholds", "skip_words", "landmark_words", "categories", "places"})
THRESHOLDS = {"title_weight": 2.0, "min_score": 3.0, "min_margin": 2.0, "landmark_factor": 0.25,
              "place_fuzzy_cutoff": 88.0}


@dataclass(frozen=True)
class TermRule:
    category: str
    weight: float
    label: str  # the term as written in the rules, for reasons


@dataclass(frozen=True)
class RoutingRules:
    lexicon: Mapping[tuple[str, ...], tuple[TermRule, ...]]  # stemmed words -> rules
    max_term_words: int
    skip_words: frozenset[str]  # stemmed words ignored when matching terms
    landmark_words: frozenset[str]  # "depan", "dekat": the term right after names a landmark
    places: Mapping[str, str]  # place_key -> kelurahan unit id
    prefix_only: frozenset[str]  # place keys taken from free text only after "kelurahan"/"kel"
    title_weight: float
    min_score: float
    min_margin: float
    landmark_factor: float  # weight multiplier of a term right after a landmark word
    place_fuzzy_cutoff: float


def _mapping(file: str, entry: str, value: Any) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise CatalogError(file, entry, "must be a mapping")
    return value


def _number(file: str, entry: str, value: Any, *, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise CatalogError(file, entry, f"must be a number, got {value!r}")
    if value < 0 or (value == 0 and not allow_zero):
        raise CatalogError(file, entry, f"must be {'zero or more' if allow_zero else 'positive'}, got {value!r}")
    return float(value)


def _thresholds(file: str, raw: Any) -> dict[str, float]:
    given = _mapping(file, "thresholds", raw)
    for key in given:
        if key not in THRESHOLDS:
            raise CatalogError(file, f"thresholds.{key}", f"unknown setting (expected one of {', '.join(THRESHOLDS)})")
    values = {key: _number(file, f"thresholds.{key}", given.get(key, default), allow_zero=key == "min_margin")
              for key, default in THRESHOLDS.items()}
    for key, top in (("place_fuzzy_cutoff", 100), ("landmark_factor", 1)):
        if values[key] > top:
            raise CatalogError(file, f"thresholds.{key}", f"must be at most {top}")
    return values


def _stemmed(file: str, entry: str, term: Any) -> tuple[str, ...]:
    if not isinstance(term, str) or not stemmed_words(term):
        raise CatalogError(file, entry, f"term {term!r} must be text with at least one word")
    return tuple(stemmed_words(term))


def _category_terms(file: str, code: str, raw: Any, skip: frozenset[str]) -> dict[tuple[str, ...], TermRule]:
    terms = _mapping(file, code, raw).get("terms")
    if not isinstance(terms, Mapping) or not terms:
        raise CatalogError(file, code, "must have a non-empty 'terms' mapping of term: weight")
    compiled: dict[tuple[str, ...], TermRule] = {}
    for term, weight in terms.items():
        key = tuple(w for w in _stemmed(file, code, term) if w not in skip)
        if not key:
            raise CatalogError(file, code, f"term {term!r} has only skip words")
        if key in compiled:
            raise CatalogError(file, code, f"terms {compiled[key].label!r} and {term!r} are the same after stemming")
        compiled[key] = TermRule(code, _number(file, f"{code}: {term}", weight), str(term))
    return compiled


def _lexicon(file: str, raw: Any, catalog: Catalog,
             skip: frozenset[str]) -> dict[tuple[str, ...], tuple[TermRule, ...]]:
    categories = _mapping(file, "categories", raw)
    if not categories:
        raise CatalogError(file, "categories", "at least one category needs terms")
    lexicon: dict[tuple[str, ...], tuple[TermRule, ...]] = {}
    for code, rule in categories.items():
        if code not in catalog.categories:
            raise CatalogError(file, str(code), "unknown category (not in categories.yaml)")
        for key, term in _category_terms(file, code, rule, skip).items():
            lexicon[key] = lexicon.get(key, ()) + (term,)
    return lexicon


def _kelurahan_id(file: str, entry: str, unit_id: Any, catalog: Catalog) -> str:
    unit = catalog.units.get(unit_id) if isinstance(unit_id, str) else None
    if unit is None:
        raise CatalogError(file, entry, f"unknown unit {unit_id!r}")
    if unit.kind != "kelurahan":
        raise CatalogError(file, entry, f"unit '{unit_id}' is a {unit.kind}, not a kelurahan")
    return unit.id


def _places(file: str, raw: Any, catalog: Catalog) -> tuple[dict[str, str], frozenset[str]]:
    section = _mapping(file, "places", raw)
    places = {place_key(unit.name): unit.id for unit in catalog.kelurahan()}
    for unit_id, aliases in _mapping(file, "places.aliases", section.get("aliases")).items():
        kelurahan = _kelurahan_id(file, f"places.aliases.{unit_id}", unit_id, catalog)
        if not isinstance(aliases, list) or not all(isinstance(a, str) and place_key(a) for a in aliases):
            raise CatalogError(file, f"places.aliases.{unit_id}", "must be a list of place names")
        for alias in aliases:
            if places.setdefault(place_key(alias), kelurahan) != kelurahan:
                raise CatalogError(file, f"places.aliases.{unit_id}",
                                   f"alias {alias!r} already names {places[place_key(alias)]}")
    prefix_only = section.get("prefix_only") or []
    if not isinstance(prefix_only, list):
        raise CatalogError(file, "places.prefix_only", "must be a list of kelurahan unit ids")
    ids = {_kelurahan_id(file, "places.prefix_only", unit_id, catalog) for unit_id in prefix_only}
    return places, frozenset(key for key, unit_id in places.items() if unit_id in ids)


def _word_set(file: str, entry: str, raw: Any) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list) or not all(isinstance(w, str) for w in raw):
        raise CatalogError(file, entry, "must be a list of words")
    return frozenset(stem for word in raw for stem in stemmed_words(word))


def build_routing_rules(raw: Any, catalog: Catalog, file: str = "routing.yaml") -> RoutingRules:
    """Compile the parsed ``routing.yaml``; raise ``CatalogError`` on the first inconsistency."""
    if not isinstance(raw, Mapping):
        raise CatalogError(file, "-", "the file must hold a mapping")
    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            raise CatalogError(file, str(key), f"unknown section (expected one of {', '.join(sorted(TOP_LEVEL_KEYS))})")
    skip = _word_set(file, "skip_words", raw.get("skip_words"))
    landmark_words = _word_set(file, "landmark_words", raw.get("landmark_words"))
    thresholds = _thresholds(file, raw.get("thresholds"))
    lexicon = _lexicon(file, raw.get("categories"), catalog, skip)
    places, prefix_only = _places(file, raw.get("places"), catalog)
    return RoutingRules(lexicon=lexicon, max_term_words=max(len(key) for key in lexicon), skip_words=skip,
                        landmark_words=landmark_words, places=places, prefix_only=prefix_only, **thresholds)
