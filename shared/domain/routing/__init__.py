"""Routing a complaint to the unit that has authority over it.

Pure and deterministic. ``route`` takes the complaint's title, description,
optional category code and location, and returns a ``RoutingDecision`` saying
which unit gets the case, under which rule and why. A complaint the rules
cannot place with confidence goes to the catalog's triage unit.

An explicit known category wins; otherwise the category is inferred from the
weighted terms of ``routing.yaml`` (the title counts ``title_weight`` times;
each term once per field; longest term first, within a clause; a term right
after "depan"/"dekat" names a landmark and counts ``landmark_factor``).
Categories whose default unit is ``@kelurahan`` go to the kelurahan resolved
from the location or the text.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from shared.domain.catalog import Catalog
from shared.domain.routing.places import PlaceMatch, PlaceSpan, resolve_kelurahan, scan_places
from shared.domain.routing.rules import RoutingRules, build_routing_rules
from shared.domain.routing.text import stem, words

__all__ = ["Location", "RoutingDecision", "RoutingRules", "build_routing_rules", "route"]

ASSIGNED, TRIAGE = "assigned", "triage"


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
    rule: str  # explicit-category, inferred-category, location, triage-no-match, triage-ambiguous, triage-no-location
    reason: str  # one sentence saying why
    confidence: float  # 0..1: how sure the rules are of the unit (category x kelurahan); 1 for explicit
    matched_terms: tuple[str, ...] = ()
    kelurahan_id: str | None = None  # the kelurahan resolved from the location or text, if any


Scores = dict[str, tuple[float, list[str]]]  # category -> (score, matched term labels)


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


def _scores(rules: RoutingRules, fields: Sequence[tuple[float, Sequence[str], Sequence[PlaceSpan]]]) -> Scores:
    scores: Scores = {}
    for field_weight, text_words, spans in fields:
        for key, factor in _field_terms(rules, _content(rules, text_words, spans)).items():
            for term in rules.lexicon[key]:
                total, labels = scores.get(term.category, (0.0, []))
                labels = labels if term.label in labels else labels + [term.label]
                scores[term.category] = (total + field_weight * factor * term.weight, labels)
    return scores


def _decision(status: str, unit_id: str, category: str | None, rule: str, reason: str,
              confidence: float, terms: Sequence[str] = (), place: PlaceMatch | None = None) -> RoutingDecision:
    return RoutingDecision(status, unit_id, category, rule, reason, round(confidence, 3), tuple(terms),
                           place.unit_id if place else None)


def _infer(catalog: Catalog, rules: RoutingRules, scores: Scores,
           place: PlaceMatch | None) -> RoutingDecision | tuple[str, str, float, list[str]]:
    """The inferred (category, reason, confidence, terms), or a triage decision."""
    triage = catalog.triage_unit
    ranked = sorted(scores.items(), key=lambda item: (-item[1][0], item[0]))
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


def route(catalog: Catalog, rules: RoutingRules, *, title: str, description: str,
          category: str | None = None, location: Location | None = None) -> RoutingDecision:
    """Decide the unit with authority over one complaint (see the module docstring)."""
    location = location or Location()
    title_words, description_words = words(title or "", True), words(description or "", True)
    title_spans, description_spans = scan_places(rules, title_words), scan_places(rules, description_words)
    place = resolve_kelurahan(rules, location.kelurahan, location.address,
                              [("title", title_words, title_spans),
                               ("description", description_words, description_spans)])
    if category is not None and category in catalog.categories:
        return _assign(catalog, category, "explicit-category", f"category '{category}' given with the complaint",
                       1.0, (), place)
    scores = _scores(rules, [(rules.title_weight, title_words, title_spans),
                             (1.0, description_words, description_spans)])
    inferred = _infer(catalog, rules, scores, place)
    note = f"unknown category '{category}' ignored; " if category is not None else ""
    if isinstance(inferred, RoutingDecision):
        return replace(inferred, reason=note + inferred.reason)
    code, reason, confidence, terms = inferred
    return _assign(catalog, code, "inferred-category", note + reason, confidence, terms, place)
