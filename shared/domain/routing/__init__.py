"""Routing a complaint to the unit that has authority over it.

Pure and deterministic. ``route`` takes the complaint's title, description,
optional category code and location, and returns a ``RoutingDecision`` saying
which unit gets the case, under which rule and why, with the next three
candidate categories and their scores. A complaint the rules cannot place with
confidence goes to the catalog's triage unit.

Reading order, every step configured in ``routing.yaml`` (see docs/routing.md):
1. spellings are normalised ("uwuh" -> "sampah") and politeness and greeting
   formulas removed ("mohon izin", "tabik pun"): they never count as words;
2. an explicit known category wins;
3. an authority rule whose phrases all occur decides (cause over symptom: a road
   sunk by a burst PDAM main is the water utility's);
4. otherwise categories are scored from weighted terms (the title counts
   ``title_weight`` times; each term once per field; longest term first, within a
   clause; phrase senses take their words from shorter terms; a term right after
   "depan"/"dekat" names a landmark and counts ``landmark_factor``; a place term
   such as "puskesmas" counts ``place_term_factor`` when another category has the
   problem's words; the words after "yang paling mendesak"/"utamanya" count
   ``main_issue_weight`` more);
5. with a model learned from coordinators' corrections, the model breaks a tie
   between the rules' top candidates or catches a complaint the rules found no
   term for, when it is sure enough; the decision says which decided.
Categories whose default unit is ``@kelurahan`` go to the kelurahan resolved
from the location or the text.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from shared.domain.catalog import Catalog
from shared.domain.routing.places import PlaceMatch, PlaceSpan, resolve_kelurahan, scan_places
from shared.domain.routing.rules import AuthorityRule, RoutingRules, build_routing_rules
from shared.domain.routing.text import CLAUSE_BREAK, stem, words

if TYPE_CHECKING:
    from shared.domain.routing.learning import LearnedModel

__all__ = ["Location", "RoutingDecision", "RoutingRules", "build_routing_rules", "content_stems", "route"]

ASSIGNED, TRIAGE = "assigned", "triage"
RULES, MODEL = "rules", "model"


@dataclass(frozen=True)
class Location:
    """Where the complaint is about, as given by the complainant; all optional free text.
    ``kecamatan`` is kept for the record only: a kecamatan has several kelurahan."""
    kelurahan: str | None = None
    kecamatan: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class RoutingDecision:
    status: str  # "assigned" or "triage"
    unit_id: str  # the unit with authority; the catalog's triage unit for "triage"
    category: str | None  # the category decided, None when unknown
    rule: str  # explicit-category, inferred-category, authority-rule, learned-model, location,
    #            triage-no-match, triage-ambiguous, triage-no-location
    reason: str  # one sentence saying why
    confidence: float  # 0..1: how sure the rules are of the unit (category x kelurahan); 1 for explicit
    matched_terms: tuple[str, ...] = ()
    kelurahan_id: str | None = None  # the kelurahan resolved from the location or text, if any
    alternatives: tuple[tuple[str, float], ...] = ()  # the next three categories (code, score), best first
    decided_by: str = RULES  # "rules" or "model" (learned from corrections)


Scores = dict[str, tuple[float, list[str]]]  # category -> (score, matched term labels)
Field = tuple[float, Sequence[tuple[str, float]]]  # weight, the field's content (stem, factor)


def _prepared(rules: RoutingRules, text: str) -> list[str]:
    """The words of one field, spelling normalised, formulas removed (a removed formula ends a clause)."""
    result: list[str] = []
    for word in words(text or "", True):
        result.extend(rules.spellings.get(word, (word,)))
    if not rules.formulas:
        return result
    kept: list[str] = []
    index = rules.formula_index
    i = 0
    while i < len(result):
        formula = next((f for f in index.get(result[i], ()) if tuple(result[i:i + len(f)]) == f), None)
        if formula is None:
            kept.append(result[i])
            i += 1
        else:
            kept.append(CLAUSE_BREAK)
            i += len(formula)
    return kept


def _main_issue(rules: RoutingRules, text_words: Sequence[str]) -> tuple[tuple[str, ...], list[str]]:
    """The marker and the words the complainant names as the main problem: after it, to the clause's end."""
    index = rules.marker_index
    for i, word in enumerate(text_words):
        marker = next((m for m in index.get(word, ()) if tuple(text_words[i:i + len(m)]) == m), None)
        if marker is None:
            continue
        rest = list(text_words[i + len(marker):])
        while rest and rest[0] == CLAUSE_BREAK:
            rest.pop(0)
        return marker, rest[:rest.index(CLAUSE_BREAK)] if CLAUSE_BREAK in rest else rest
    return (), []


def _content(rules: RoutingRules, text_words: Sequence[str], spans: Sequence[PlaceSpan]) -> list[tuple[str, float]]:
    """Stems to match, each with its weight factor; place names and skip words left out."""
    in_place = {i for span in spans for i in range(span.start, span.end)}
    content: list[tuple[str, float]] = []
    after_landmark = False
    for i, word in enumerate(text_words):
        root = stem(word)
        if i in in_place or root in rules.skip_words:
            continue
        content.append((root, rules.landmark_factor if after_landmark else 1.0))
        after_landmark = root in rules.landmark_words
    return content


def content_stems(rules: RoutingRules, title: str, description: str) -> list[str]:
    """The stems routing reads in a complaint (formulas, skip words and kelurahan names left out):
    what the model learned from corrections counts."""
    stems: list[str] = []
    for text in (title, description):
        text_words = _prepared(rules, text)
        stems += [root for root, _ in _content(rules, text_words, scan_places(rules, text_words))
                  if root != CLAUSE_BREAK]
    return stems


def _field_terms(rules: RoutingRules, content: Sequence[tuple[str, float]]) -> dict[tuple[str, ...], float]:
    """Terms found in one field, longest first, each with its highest factor."""
    stems = [root for root, _ in content]
    found: dict[tuple[str, ...], float] = {}
    i = 0
    while i < len(stems):
        for length in range(min(rules.max_term_words, len(stems) - i), 0, -1):
            key = tuple(stems[i:i + length])
            if key in rules.lexicon:
                found[key] = max(found.get(key, 0.0), content[i][1])
                i += length
                break
        else:
            i += 1
    return found


def _scores(rules: RoutingRules, fields: Sequence[Field]) -> Scores:
    problem: dict[str, float] = {}
    place: dict[str, float] = {}
    labels: dict[str, list[str]] = {}
    for field_weight, content in fields:
        for key, factor in _field_terms(rules, content).items():
            for term in rules.lexicon[key]:
                if term.category is None:  # a sense that only takes its words away
                    continue
                bucket = place if term.place else problem
                bucket[term.category] = bucket.get(term.category, 0.0) + field_weight * factor * term.weight
                found = labels.setdefault(term.category, [])
                if term.label not in found:
                    found.append(term.label)
    scores: Scores = {}
    for code, found in labels.items():
        own, at = problem.get(code, 0.0), place.get(code, 0.0)
        if own == 0.0 and any(score >= rules.min_score for other, score in problem.items() if other != code):
            at *= rules.place_term_factor  # "jalan ke puskesmas rusak": the puskesmas only says where
        scores[code] = (own + at, found)
    return scores


def _ranked(scores: Scores) -> list[tuple[str, tuple[float, list[str]]]]:
    return sorted(scores.items(), key=lambda item: (-item[1][0], item[0]))


def _alternatives(scores: Scores, decided: str | None) -> tuple[tuple[str, float], ...]:
    return tuple((code, round(score, 2)) for code, (score, _) in _ranked(scores) if code != decided)[:3]


def _decision(status: str, unit_id: str, category: str | None, rule: str, reason: str,
              confidence: float, terms: Sequence[str] = (), place: PlaceMatch | None = None) -> RoutingDecision:
    return RoutingDecision(status, unit_id, category, rule, reason, round(confidence, 3), tuple(terms),
                           place.unit_id if place else None)


def _infer(catalog: Catalog, rules: RoutingRules, scores: Scores, place: PlaceMatch | None,
           main_named: bool = False) -> RoutingDecision | tuple[str, str, float, list[str]]:
    """The inferred (category, reason, confidence, terms), or a triage decision."""
    triage = catalog.triage_unit
    ranked = _ranked(scores)
    if not ranked:
        return _decision(TRIAGE, triage, None, "triage-no-match", "no routing term found in the title or description",
                         0.0, place=place)
    (best, (score, terms)), runner = ranked[0], ranked[1] if len(ranked) > 1 else None
    second = runner[1][0] if runner else 0.0
    quoted = ", ".join(f"'{t}'" for t in terms)
    versus = f"runner-up {runner[0]} {second:.1f}" if runner else "no runner-up"
    confidence = (score - second) / score * min(1.0, score / (2 * rules.min_score))
    if score < rules.min_score:
        reason = (f"best category '{best}' scored only {score:.1f} from {quoted}, "
                  f"below the minimum {rules.min_score:.1f}")
        return _decision(TRIAGE, triage, None, "triage-no-match", reason, confidence, terms, place)
    strong = [code for code, (value, _) in ranked if value >= max(rules.min_score, score / 2)]
    if rules.several_problems and not main_named and len(strong) >= rules.several_problems:
        reason = (f"several problems and none named as the main one: {', '.join(strong)} "
                  f"each score at least half the best")
        return _decision(TRIAGE, triage, None, "triage-ambiguous", reason, confidence, terms, place)
    if score - second < rules.min_margin:
        reason = (f"category '{best}' (score {score:.1f} from {quoted}) is too close to {versus}, "
                  f"margin below {rules.min_margin:.1f}")
        return _decision(TRIAGE, triage, None, "triage-ambiguous", reason, confidence, terms, place)
    return best, f"category '{best}' inferred from {quoted} (score {score:.1f}, {versus})", confidence, terms


def _place_reason(place: PlaceMatch) -> str:
    how = "" if place.score >= 100 else f" (fuzzy {place.score:.0f})"
    return f"kelurahan '{place.unit_id}' from {place.source} '{place.written}'{how}"


def _assign(catalog: Catalog, code: str, rule: str, reason: str, confidence: float,
            terms: Sequence[str], place: PlaceMatch | None) -> RoutingDecision:
    category = catalog.categories[code]
    if not category.location_scoped:
        return _decision(ASSIGNED, category.default_unit, code, rule, reason, confidence, terms, place)
    if place is None:
        reason += "; the kelurahan handles it but none was found in the location or text"
        return _decision(TRIAGE, catalog.triage_unit, code, "triage-no-location", reason, 0.0, terms)
    return _decision(ASSIGNED, place.unit_id, code, "location", f"{reason}; {_place_reason(place)}",
                     confidence * place.score / 100, terms, place)


def _occurs(phrase: Sequence[str], stems: Sequence[str], starts: dict[str, list[int]]) -> bool:
    n = len(phrase)
    return any(tuple(stems[i:i + n]) == tuple(phrase) for i in starts.get(phrase[0], ()))


def _authority(rules: RoutingRules, fields: Sequence[Field]) -> AuthorityRule | None:
    if not rules.authority_rules:
        return None
    stems: list[str] = []
    for _, content in fields:
        stems += [root for root, _ in content] + [CLAUSE_BREAK]
    starts: dict[str, list[int]] = {}
    for i, root in enumerate(stems):
        starts.setdefault(root, []).append(i)
    for rule in rules.authority_rules:
        if all(any(_occurs(p, stems, starts) for p in group) for group in rule.all) and \
                not any(_occurs(p, stems, starts) for p in rule.none):
            return rule
    return None


def _learned(catalog: Catalog, rules: RoutingRules, model: LearnedModel, stems: Sequence[str],
             rules_said: RoutingDecision, scores: Scores) -> tuple[str, str, float] | None:
    """The model's (category, reason, probability) when it may decide this triage case."""
    ranked = model.predict(stems)
    if not ranked:
        return None
    best, probability = ranked[0]
    if probability < rules.learning.min_probability or best not in catalog.categories:
        return None
    if rules_said.rule == "triage-ambiguous":
        candidates = [code for code, _ in _ranked(scores)[:3]]
        if best not in candidates:
            return None
        how = f"breaks the rules' tie between {', '.join(candidates)}"
    elif rules_said.rule == "triage-no-match":
        how = "catches what the rules found no term for"
    else:
        return None
    return best, (f"category '{best}' from the model learned from {model.examples} corrections "
                  f"(p={probability:.2f}); it {how}"), probability


def route(catalog: Catalog, rules: RoutingRules, *, title: str, description: str,
          category: str | None = None, location: Location | None = None,
          model: LearnedModel | None = None) -> RoutingDecision:
    """Decide the unit with authority over one complaint (see the module docstring)."""
    location = location or Location()
    title_words, description_words = _prepared(rules, title), _prepared(rules, description)
    title_spans, description_spans = scan_places(rules, title_words), scan_places(rules, description_words)
    place = resolve_kelurahan(rules, location.kelurahan, location.address,
                              [("title", title_words, title_spans),
                               ("description", description_words, description_spans)])
    if category is not None and category in catalog.categories:
        return _assign(catalog, category, "explicit-category", f"category '{category}' given with the complaint",
                       1.0, (), place)
    main_marker, main_words = _main_issue(rules, description_words)
    if not main_words:
        main_marker, main_words = _main_issue(rules, title_words)
    fields: list[Field] = [(rules.title_weight, _content(rules, title_words, title_spans)),
                           (1.0, _content(rules, description_words, description_spans))]
    if main_words:
        fields.append((rules.main_issue_weight, _content(rules, main_words, scan_places(rules, main_words))))
    scores = _scores(rules, fields)
    note = f"unknown category '{category}' ignored; " if category is not None else ""
    authority = _authority(rules, fields)
    if authority is not None:
        reason = f"{note}authority rule '{authority.name}': {authority.reason}"
        decided = _assign(catalog, authority.category, "authority-rule", reason, 0.8, (), place)
        return replace(decided, alternatives=_alternatives(scores, authority.category))
    inferred = _infer(catalog, rules, scores, place, bool(main_words))
    if isinstance(inferred, RoutingDecision):
        stems = [root for _, content in fields[:2] for root, _ in content if root != CLAUSE_BREAK]
        learned = None if model is None else _learned(catalog, rules, model, stems, inferred, scores)
        if learned is not None:
            code, reason, probability = learned
            decided = _assign(catalog, code, "learned-model", note + reason, probability, (), place)
            return replace(decided, alternatives=_alternatives(scores, code), decided_by=MODEL)
        return replace(inferred, reason=note + inferred.reason, alternatives=_alternatives(scores, None))
    code, reason, confidence, terms = inferred
    if main_words:
        reason += f"; the main issue was named ('{' '.join(main_marker)}')"
    decided = _assign(catalog, code, "inferred-category", note + reason, confidence, terms, place)
    return replace(decided, alternatives=_alternatives(scores, code))
