"""Finding the kelurahan a complaint is about, from loosely written place names.

Pure. Names compare by ``place_key`` ("Iring Mulyo" == "Iringmulyo"); the
complainant's own kelurahan and address fields also tolerate small typos
(rapidfuzz ratio at or above the rules' cutoff, clearly ahead of any other
kelurahan). Free text (title, description) is matched exactly only.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from shared.domain.routing.rules import RoutingRules
from shared.domain.routing.text import place_key, words

PLACE_PREFIXES = frozenset({"kelurahan", "kel", "desa"})
MAX_PLACE_WORDS = 3
MIN_FUZZY_LENGTH = 6
FUZZY_LEAD = 3.0  # points the best fuzzy candidate must lead another kelurahan by


@dataclass(frozen=True)
class PlaceSpan:
    start: int
    end: int  # exclusive word index
    unit_id: str


@dataclass(frozen=True)
class PlaceMatch:
    unit_id: str
    source: str  # "location.kelurahan", "location.address", "title", "description"
    written: str  # the words that named it
    score: float  # 100 for an exact match, the fuzzy ratio otherwise


def scan_places(rules: RoutingRules, text_words: Sequence[str]) -> list[PlaceSpan]:
    """Exact kelurahan names in a word sequence, longest first, left to right."""
    spans: list[PlaceSpan] = []
    i = 0
    while i < len(text_words):
        span = _place_at(rules, text_words, i)
        if span:
            spans.append(span)
        i = span.end if span else i + 1
    return spans


def _place_at(rules: RoutingRules, text_words: Sequence[str], i: int) -> PlaceSpan | None:
    for length in range(min(MAX_PLACE_WORDS, len(text_words) - i), 0, -1):
        key = "".join(text_words[i:i + length])
        unit_id = rules.places.get(key)
        if unit_id is None:
            continue
        if key in rules.prefix_only and (i == 0 or text_words[i - 1] not in PLACE_PREFIXES):
            continue
        return PlaceSpan(i, i + length, unit_id)
    return None


def _single(spans: Sequence[PlaceSpan]) -> PlaceSpan | None:
    """The place named, when the spans name exactly one kelurahan."""
    return spans[0] if spans and len({s.unit_id for s in spans}) == 1 else None


def _fuzzy(rules: RoutingRules, key: str) -> tuple[str, float] | None:
    if len(key) < MIN_FUZZY_LENGTH:
        return None
    choices = [k for k in rules.places if k not in rules.prefix_only]
    found = process.extract(key, choices, scorer=fuzz.ratio, limit=None,
                            score_cutoff=rules.place_fuzzy_cutoff - FUZZY_LEAD)
    if not found or found[0][1] < rules.place_fuzzy_cutoff:
        return None
    best_unit, best_score = rules.places[found[0][0]], found[0][1]
    if any(rules.places[k] != best_unit and best_score - s < FUZZY_LEAD for k, s, _ in found[1:]):
        return None
    return best_unit, best_score


def _windows(text_words: Sequence[str]) -> list[str]:
    return ["".join(text_words[i:i + n]) for n in range(MAX_PLACE_WORDS, 0, -1)
            for i in range(len(text_words) - n + 1)]


def _fuzzy_in(rules: RoutingRules, text_words: Sequence[str]) -> tuple[str, float, str] | None:
    hits: dict[str, tuple[float, str]] = {}
    for window in _windows(text_words):
        found = _fuzzy(rules, window)
        if found and (found[0] not in hits or hits[found[0]][0] < found[1]):
            hits[found[0]] = (found[1], window)
    if len(hits) != 1:
        return None
    (unit_id, (score, window)), = hits.items()
    return unit_id, score, window


def _from_field(rules: RoutingRules, source: str, value: str, whole_name: bool) -> PlaceMatch | None:
    if whole_name and place_key(value) in rules.places:
        return PlaceMatch(rules.places[place_key(value)], source, value, 100.0)
    field_words = words(value)
    span = _single(scan_places(rules, field_words))
    if span:
        return PlaceMatch(span.unit_id, source, " ".join(field_words[span.start:span.end]), 100.0)
    found = _fuzzy_in(rules, field_words)
    return PlaceMatch(found[0], source, found[2], found[1]) if found else None


def resolve_kelurahan(rules: RoutingRules, kelurahan: str | None, address: str | None,
                      text: Sequence[tuple[str, Sequence[str], Sequence[PlaceSpan]]]) -> PlaceMatch | None:
    """The kelurahan named by the location fields, else by the free text (source, words, spans)."""
    for source, value, whole_name in (("location.kelurahan", kelurahan, True), ("location.address", address, False)):
        match = _from_field(rules, source, value, whole_name) if value and value.strip() else None
        if match:
            return match
    for source, text_words, spans in text:
        span = _single(spans)
        if span:
            return PlaceMatch(span.unit_id, source, " ".join(text_words[span.start:span.end]), 100.0)
    return None
