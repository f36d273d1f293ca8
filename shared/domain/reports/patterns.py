"""Patterns behind the figures: weekly trend, top recurring problems, overdue cases and
clusters of near-duplicate complaints (same category, same kelurahan, similar title). Pure.

A secret report's text is never used: secret cases count in the trend and the top
problems, but never join a cluster (docs/reports.md).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol

from rapidfuzz import fuzz

from shared.domain.clock.calendar import WorkingCalendar
from shared.domain.reports.figures import CLOSED_STATUSES, CaseFacts, Period
from shared.domain.routing.text import place_key, stemmed_words

SIMILAR_AT = 75  # rapidfuzz token_set_ratio of the stemmed titles, 0-100
# and they share at least a third of the shorter title's distinct words (as low/high)
SHARED_AT_LEAST = (1, 3)
# titles of up to this many distinct words need only one shared word (3 for a third)
_ONE_WORD_ENOUGH = SHARED_AT_LEAST[1] // SHARED_AT_LEAST[0]


class ClusterMember(Protocol):
    """What clustering reads of a case: CaseFacts, or the aggregates' lighter cluster entry."""
    @property
    def id(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def category(self) -> str | None: ...
    @property
    def kelurahan(self) -> str | None: ...
    @property
    def anchor_at(self) -> datetime: ...
    @property
    def title(self) -> str: ...
    @property
    def secret(self) -> bool: ...


def iso_week(instant: datetime, calendar: WorkingCalendar) -> str:
    year, week, _ = calendar.local_date(instant).isocalendar()
    return f"{year}-W{week:02d}"


def weekly_trend(facts: Iterable[CaseFacts], period: Period, calendar: WorkingCalendar) -> list[dict[str, Any]]:
    """Per ISO week (local time): cases received and cases resolved."""
    received: Counter[str] = Counter()
    resolved: Counter[str] = Counter()
    for case in facts:
        if period.holds(case.anchor_at):
            received[iso_week(case.anchor_at, calendar)] += 1
        if case.resolved_at is not None and period.holds(case.resolved_at):
            resolved[iso_week(case.resolved_at, calendar)] += 1
    return [{"week": w, "received": received[w], "resolved": resolved[w]} for w in sorted(received | resolved)]


def top_problems(facts: Iterable[CaseFacts], period: Period, calendar: WorkingCalendar,
                 limit: int = 10) -> list[dict[str, Any]]:
    """The (category, kelurahan) pairs received most often, with their count per week."""
    counts: Counter[tuple[str, str]] = Counter()
    weeks: dict[tuple[str, str], Counter[str]] = {}
    names: dict[tuple[str, str], str] = {}  # "Iring Mulyo" and "Iringmulyo" are one place
    for case in facts:
        if period.holds(case.anchor_at):
            key = (case.category or "-", place_key(case.kelurahan or "-"))
            names.setdefault(key, case.kelurahan or "-")
            counts[key] += 1
            weeks.setdefault(key, Counter())[iso_week(case.anchor_at, calendar)] += 1
    return [{"category": key[0], "kelurahan": names[key], "count": n, "weeks": dict(sorted(weeks[key].items()))}
            for key, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]]


def overdue_cases(facts: Iterable[CaseFacts], now: datetime, calendar: WorkingCalendar) -> list[dict[str, Any]]:
    """Open cases whose running deadline has passed, the longest overdue first (ids, no text)."""
    rows = [{"id": c.id, "unit_id": c.unit_id, "category": c.category, "kelurahan": c.kelurahan,
             "status": c.status, "deadline_at": c.deadline_at, "escalation_level": c.escalation_level,
             "working_days_overdue": calendar.working_days_between(c.deadline_at, now)}
            for c in facts
            if c.status not in CLOSED_STATUSES and c.deadline_at is not None and c.deadline_at <= now]
    return sorted(rows, key=lambda r: (r["deadline_at"], r["id"]))


@lru_cache(maxsize=131_072)  # an instance answering the dashboard again meets the same titles
def title_key(title: str) -> str:
    """A title as clustering compares it: its stemmed words."""
    return " ".join(stemmed_words(title))


def similar(a: str, b: str) -> bool:
    """Whether two stemmed titles (``title_key``) are near-duplicates: they share at least a
    third of the shorter one's distinct words (``SHARED_AT_LEAST``) and score at least
    ``SIMILAR_AT`` with rapidfuzz ``token_set_ratio``. The rule, written plainly; ``clusters``
    decides the same with word bit sets (tests/unit/test_reports.py requires it)."""
    words_a, words_b = set(a.split()), set(b.split())
    shared = len(words_a & words_b)
    if not shared or shared * SHARED_AT_LEAST[1] < SHARED_AT_LEAST[0] * min(len(words_a), len(words_b)):
        return False
    return fuzz.token_set_ratio(a, b, score_cutoff=SIMILAR_AT) >= SIMILAR_AT


class _Heads:
    """The first titles of one (category, kelurahan)'s clusters, in order, with an index
    from each word to the heads holding it (one bit per head), so a title is compared only
    with heads sharing enough of its words. ``first_similar`` answers what trying every head
    in order with ``similar`` would (tests/unit/test_reports.py requires it)."""

    def __init__(self) -> None:
        self.heads: list[tuple[str, frozenset[str]]] = []
        self.holding: dict[str, int] = {}   # word -> bit set of the heads with that word
        self.short = 0                      # bit set of the heads of _ONE_WORD_ENOUGH words or fewer

    def first_similar(self, words: str) -> int | None:
        """The index of the first head ``similar`` to the stemmed title, or None."""
        distinct = frozenset(words.split())
        once = twice = 0                    # heads sharing at least one word, at least two
        for word in distinct:
            bits = self.holding.get(word, 0)
            twice |= once & bits
            once |= bits
        # At least a third of the shorter title's words: one for a title or head of up to
        # three words, two or more otherwise (each candidate is then checked exactly).
        candidates = once if len(distinct) <= _ONE_WORD_ENOUGH else twice | (once & self.short)
        low, high = SHARED_AT_LEAST
        while candidates:
            lowest = candidates & -candidates
            index = lowest.bit_length() - 1
            candidates ^= lowest
            head, head_words = self.heads[index]
            shared = len(distinct & head_words)
            if shared == len(head_words) or shared == len(distinct):
                return index  # one title's words all in the other's: token_set_ratio's 100
            if shared * high < low * min(len(distinct), len(head_words)):
                continue
            if fuzz.token_set_ratio(head, words, score_cutoff=SIMILAR_AT) >= SIMILAR_AT:
                return index
        return None

    def add(self, words: str) -> int:
        distinct = frozenset(words.split())
        index = len(self.heads)
        self.heads.append((words, distinct))
        bit = 1 << index
        for word in distinct:
            self.holding[word] = self.holding.get(word, 0) | bit
        if len(distinct) <= _ONE_WORD_ENOUGH:
            self.short |= bit
        return index


def clusters(facts: Iterable[ClusterMember], period: Period, min_size: int = 2) -> list[dict[str, Any]]:
    """Near-duplicates received in the period: same category and kelurahan, ``similar``
    titles. Greedy single pass, oldest first: a case joins the first cluster whose first
    title it is similar to."""
    buckets: dict[tuple[str, str], list[ClusterMember]] = {}
    start, end = period.start, period.end
    for case in facts:
        if case.secret or not case.title or not case.kelurahan or not start <= case.anchor_at < end:
            continue
        buckets.setdefault((case.category or "-", place_key(case.kelurahan)), []).append(case)
    found: list[dict[str, Any]] = []
    for (category, _), cases in sorted(buckets.items()):
        heads = _Heads()
        groups: list[list[ClusterMember]] = []
        for case in sorted(cases, key=lambda c: (c.anchor_at, c.id)):
            words = title_key(case.title)
            joined = heads.first_similar(words)
            if joined is None:
                heads.add(words)
                groups.append([case])
            else:
                groups[joined].append(case)
        for members in groups:
            if len(members) >= min_size:
                found.append({"category": category, "kelurahan": members[0].kelurahan, "size": len(members),
                              "title": members[0].title, "case_ids": [m.id for m in members],
                              "open": sum(m.status not in CLOSED_STATUSES for m in members)})
    return sorted(found, key=lambda c: (-c["size"], c["category"], c["kelurahan"]))
