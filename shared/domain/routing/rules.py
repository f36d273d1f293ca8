"""Routing rules (``routing.yaml``) compiled and checked against the catalog.

Pure: takes the parsed YAML and a ``Catalog``; returns ``RoutingRules`` or
raises ``CatalogError`` naming the file, the entry and the problem. Configured
terms go through the same normalisation and stemming as complaint text, so a
rule written "berlubang" matches "lubang", "lobang" and "berlubang-lubang".
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shared.domain.catalog import Catalog, CatalogError
from shared.domain.routing.text import place_key, stem, stemmed_words, words

TOP_LEVEL_KEYS = frozenset({"version", "thresholds", "skip_words", "landmark_words", "categories", "places",
                            "formulas", "spellings", "senses", "main_issue_markers", "authority_rules", "learning"})
THRESHOLDS = {"title_weight": 2.0, "min_score": 3.0, "min_margin": 2.0, "landmark_factor": 0.25,
              "place_fuzzy_cutoff": 88.0, "place_term_factor": 0.3, "main_issue_weight": 3.0,
              "several_problems": 0.0}
LEARNING = {"min_examples": 3.0, "min_probability": 0.6, "alpha": 1.0, "prior_examples": 2.0}
CATEGORY_KEYS = frozenset({"terms", "place_terms"})
AUTHORITY_KEYS = frozenset({"name", "category", "all", "none", "reason"})


@dataclass(frozen=True)
class TermRule:
    category: str | None  # None: a sense that only consumes its words ("pencemaran nama baik" is no pollution)
    weight: float
    label: str  # the term as written in the rules, for reasons
    place: bool = False  # names an institution or landmark (puskesmas, sekolah), not what is wrong


@dataclass(frozen=True)
class AuthorityRule:
    """Cause and authority: when every group of ``all`` has a phrase in the text and no
    phrase of ``none`` is there, ``category`` has authority whatever the words weigh."""
    name: str
    category: str
    all: tuple[tuple[tuple[str, ...], ...], ...]  # groups of stemmed phrases; one per group must occur
    none: tuple[tuple[str, ...], ...]
    reason: str


@dataclass(frozen=True)
class LearningSettings:
    """How far the model learned from coordinators' corrections may decide (see learning.py)."""
    min_examples: int  # a category the model learned from fewer corrections is never proposed
    min_probability: float  # the model's posterior needed to break a tie or catch a miss
    alpha: float  # additive smoothing of word counts
    prior_examples: float  # pseudo-examples per category: one correction cannot dominate a category


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
    place_term_factor: float = 0.3  # weight of a place term when another category has the problem terms
    main_issue_weight: float = 3.0  # extra weight of the words after "yang paling mendesak", "utamanya"
    several_problems: float = 0.0  # this many categories at min_score, no main issue named: triage (0: off)
    formulas: tuple[tuple[str, ...], ...] = ()  # politeness/greeting word sequences removed first
    spellings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # written word -> standard words
    main_issue_markers: tuple[tuple[str, ...], ...] = ()
    authority_rules: tuple[AuthorityRule, ...] = ()
    learning: LearningSettings = LearningSettings(3, 0.6, 1.0, 2.0)
    formula_index: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)  # by first word
    marker_index: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)


def _first_word_index(phrases: tuple[tuple[str, ...], ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Phrases by their first word, longest first."""
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        grouped.setdefault(phrase[0], []).append(phrase)
    return {w: tuple(sorted(p, key=len, reverse=True)) for w, p in grouped.items()}


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
    values = {key: _number(file, f"thresholds.{key}", given.get(key, default),
                           allow_zero=key in ("min_margin", "several_problems"))
              for key, default in THRESHOLDS.items()}
    for key, top in (("place_fuzzy_cutoff", 100), ("landmark_factor", 1), ("place_term_factor", 1)):
        if values[key] > top:
            raise CatalogError(file, f"thresholds.{key}", f"must be at most {top}")
    return values


def _category_terms(file: str, code: str, raw: Any, skip: frozenset[str],
                    spellings: Mapping[str, tuple[str, ...]]) -> dict[tuple[str, ...], TermRule]:
    section = _mapping(file, code, raw)
    for name in section:
        if name not in CATEGORY_KEYS:
            raise CatalogError(file, f"{code}.{name}", "unknown key (expected terms, place_terms)")
    terms = section.get("terms")
    if not isinstance(terms, Mapping) or not terms:
        raise CatalogError(file, code, "must have a non-empty 'terms' mapping of term: weight")
    place_terms = _mapping(file, f"{code}.place_terms", section.get("place_terms"))
    compiled: dict[tuple[str, ...], TermRule] = {}
    for place, group in ((False, terms), (True, place_terms)):
        for term, weight in group.items():
            key = phrase_key(file, code, term, skip, spellings)
            if key in compiled:
                raise CatalogError(file, code,
                                   f"terms {compiled[key].label!r} and {term!r} are the same after stemming")
            compiled[key] = TermRule(code, _number(file, f"{code}: {term}", weight), str(term), place)
    return compiled


def phrase_key(file: str, entry: str, term: Any, skip: frozenset[str],
               spellings: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    """A configured phrase as the stems it matches: same spelling, stemming and skip words as complaint text."""
    if not isinstance(term, str) or not words(term):
        raise CatalogError(file, entry, f"term {term!r} must be text with at least one word")
    key = tuple(root for word in words(term) for part in spellings.get(word, (word,))
                if (root := stem(part)) not in skip)
    if not key:
        raise CatalogError(file, entry, f"term {term!r} has only skip words")
    return key


def _lexicon(file: str, raw: Any, catalog: Catalog, skip: frozenset[str],
             spellings: Mapping[str, tuple[str, ...]]) -> dict[tuple[str, ...], tuple[TermRule, ...]]:
    categories = _mapping(file, "categories", raw)
    if not categories:
        raise CatalogError(file, "categories", "at least one category needs terms")
    lexicon: dict[tuple[str, ...], tuple[TermRule, ...]] = {}
    for code, rule in categories.items():
        if code not in catalog.categories:
            raise CatalogError(file, str(code), "unknown category (not in categories.yaml)")
        for key, term in _category_terms(file, code, rule, skip, spellings).items():
            lexicon[key] = lexicon.get(key, ()) + (term,)
    return lexicon


def _senses(file: str, raw: Any, catalog: Catalog, skip: frozenset[str], spellings: Mapping[str, tuple[str, ...]],
            lexicon: dict[tuple[str, ...], tuple[TermRule, ...]]) -> None:
    """Phrase-level senses: a phrase that takes its words from the single-word terms
    ("pencemaran nama baik"), scoring the categories it names, or nothing ({})."""
    for phrase, scored in _mapping(file, "senses", raw).items():
        entry = f"senses.{phrase}"
        key = phrase_key(file, entry, phrase, skip, spellings)
        if key in lexicon:
            raise CatalogError(file, entry, "is already a term of a category: a sense must be a longer phrase")
        rules: tuple[TermRule, ...] = ()
        for code, weight in _mapping(file, entry, scored).items():
            if code not in catalog.categories:
                raise CatalogError(file, f"{entry}.{code}", "unknown category (not in categories.yaml)")
            rules += (TermRule(str(code), _number(file, f"{entry}.{code}", weight), str(phrase)),)
        lexicon[key] = rules or (TermRule(None, 0.0, str(phrase)),)


def _spellings(file: str, raw: Any) -> dict[str, tuple[str, ...]]:
    spellings: dict[str, tuple[str, ...]] = {}
    for written, standard in _mapping(file, "spellings", raw).items():
        if not isinstance(standard, str) or not words(standard) or len(words(str(written))) != 1:
            raise CatalogError(file, f"spellings.{written}", "must map one written word to its standard words")
        spellings[words(str(written))[0]] = tuple(words(standard))
    return spellings


def _phrases(file: str, entry: str, raw: Any) -> tuple[tuple[str, ...], ...]:
    """Word sequences (not stemmed), longest first: formulas and main-issue markers."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(p, str) and words(p) for p in raw):
        raise CatalogError(file, entry, "must be a list of phrases")
    return tuple(sorted({tuple(words(p)) for p in raw}, key=lambda p: (-len(p), p)))


def _phrase_groups(file: str, entry: str, raw: Any, skip: frozenset[str],
                   spellings: Mapping[str, tuple[str, ...]]) -> tuple[tuple[str, ...], ...]:
    if not isinstance(raw, list) or not raw:
        raise CatalogError(file, entry, "must be a non-empty list of phrases")
    return tuple(phrase_key(file, entry, phrase, skip, spellings) for phrase in raw)


def _authority(file: str, raw: Any, catalog: Catalog, skip: frozenset[str],
               spellings: Mapping[str, tuple[str, ...]]) -> tuple[AuthorityRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise CatalogError(file, "authority_rules", "must be a list of rules")
    rules: list[AuthorityRule] = []
    for index, item in enumerate(raw):
        rule = _mapping(file, f"authority_rules[{index}]", item)
        name = rule.get("name")
        entry = f"authority_rules.{name}" if isinstance(name, str) and name else f"authority_rules[{index}]"
        for key in rule:
            if key not in AUTHORITY_KEYS:
                raise CatalogError(file, f"{entry}.{key}",
                                   f"unknown key (expected {', '.join(sorted(AUTHORITY_KEYS))})")
        if not isinstance(name, str) or not name or any(r.name == name for r in rules):
            raise CatalogError(file, entry, "needs a unique 'name'")
        if rule.get("category") not in catalog.categories:
            raise CatalogError(file, f"{entry}.category", f"unknown category {rule.get('category')!r}")
        groups = rule.get("all")
        if not isinstance(groups, list) or not groups:
            raise CatalogError(file, f"{entry}.all", "must be a non-empty list of phrase lists")
        reason = rule.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise CatalogError(file, f"{entry}.reason", "must say why this unit has authority")
        rules.append(AuthorityRule(
            name, str(rule["category"]),
            tuple(_phrase_groups(file, f"{entry}.all", group, skip, spellings) for group in groups),
            _phrase_groups(file, f"{entry}.none", rule["none"], skip, spellings) if "none" in rule else (),
            reason.strip()))
    return tuple(rules)


def _learning(file: str, raw: Any) -> LearningSettings:
    given = _mapping(file, "learning", raw)
    for key in given:
        if key not in LEARNING:
            raise CatalogError(file, f"learning.{key}", f"unknown setting (expected one of {', '.join(LEARNING)})")
    values = {key: _number(file, f"learning.{key}", given.get(key, default)) for key, default in LEARNING.items()}
    if values["min_probability"] > 1:
        raise CatalogError(file, "learning.min_probability", "must be at most 1")
    return LearningSettings(int(values["min_examples"]), values["min_probability"], values["alpha"],
                            values["prior_examples"])


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
    return frozenset(root for word in raw for root in stemmed_words(word))


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
    spellings = _spellings(file, raw.get("spellings"))
    lexicon = _lexicon(file, raw.get("categories"), catalog, skip, spellings)
    _senses(file, raw.get("senses"), catalog, skip, spellings, lexicon)
    places, prefix_only = _places(file, raw.get("places"), catalog)
    formulas = _phrases(file, "formulas", raw.get("formulas"))
    markers = _phrases(file, "main_issue_markers", raw.get("main_issue_markers"))
    return RoutingRules(lexicon=lexicon, max_term_words=max(len(key) for key in lexicon), skip_words=skip,
                        landmark_words=landmark_words, places=places, prefix_only=prefix_only,
                        formulas=formulas, spellings=spellings, main_issue_markers=markers,
                        formula_index=_first_word_index(formulas), marker_index=_first_word_index(markers),
                        authority_rules=_authority(file, raw.get("authority_rules"), catalog, skip, spellings),
                        learning=_learning(file, raw.get("learning")), **thresholds)
