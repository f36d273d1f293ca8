"""Incremental aggregates of the report figures (issue 15, docs/reports.md). Pure.

A case *contributes* counts to aggregate documents, one per (unit, category, ISO week)
(``u|unit|category|week``) and per (kelurahan, category, ISO week) (``k|place|category|week``).
The contribution is a function of the case's current facts alone (``contribution``), so
the consumer keeps, per case, the contribution it applied and writes only the difference
(``changes``): a redelivered, reordered or late event recomputes the same state and
changes nothing; a re-routing, re-classification, merge, reopening or pause moves the
case's counts between documents in one write.

Inside a document every count is kept per local day (``r.2026-01-05``), so any period of
whole local days is answered exactly, not only whole weeks. Keys of a unit document:

- ``r.D`` received (anchor on day D); ``k.D.<kelurahan>`` received per kelurahan;
- ``fk.D`` / ``fo.D`` first response known (answered) / answered on time; ``fp.D.<t>`` not
  answered yet, due at epoch second ``t`` (known once ``t`` has passed at read time);
- ``rk.D`` / ``ro.D`` / ``rp.D.<t>`` the same for the resolution;
- ``fh.D.<n>`` / ``rh.D.<n>`` histograms of whole working days to first response and to
  resolution: exact percentiles (the values are integers, nothing is rounded);
- ``e.D.<level>`` escalations dated D (document of the entry's week); ``x.D`` re-routings
  asked on D (document of the unit that asked); ``s.D`` resolved on D (trend);
- ``c.<case id>`` a non-secret case's cluster entry: anchor, title, kelurahan, status,
  first resolution (clusters and recurring problems; a secret report has none).

Entries are JSON text (one field each: quick to read). A kelurahan document holds ``r.D``
and ``s.D`` (received and resolved per day).

"Open now" and "overdue now" change with time without any event, so they are kept as
*state*, not as counts per day: one document per (unit, category) (``n|unit|category``)
holds ``open`` (cases not resolved and not closed) and, per open case whose deadline
runs, ``o.<case id>`` = its deadline, level, status and kelurahan; "overdue now" and the
overdue table are those entries whose deadline has passed at read time. (The indexed
query of open cases, which the rescan uses, would read every open case: over the
benchmark's 100,000 cases that is ~15,000 documents, past the 2,000-read budget.)
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple

from shared.domain.clock.calendar import WorkingCalendar
from shared.domain.clock.policy import EscalationPolicy
from shared.domain.reports import patterns
from shared.domain.reports.figures import CLOSED_STATUSES, CaseFacts, Period, _Group
from shared.domain.routing.text import place_key

Key = tuple[str, tuple[str, ...]]  # (document id, field path segments)
UNIT, KELURAHAN, NOW = "u", "k", "n"


@dataclass(frozen=True)
class Contribution:
    counts: Mapping[Key, int] = field(default_factory=dict)
    entries: Mapping[Key, Any] = field(default_factory=dict)  # values owned by this case alone

    def to_json(self) -> dict[str, Any]:
        return {"n": [[doc, list(path), n] for (doc, path), n in sorted(self.counts.items())],
                "e": [[doc, list(path), v] for (doc, path), v in sorted(self.entries.items())]}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> Contribution:
        raw = raw or {}
        return cls({(d, tuple(p)): int(n) for d, p, n in raw.get("n", ())},
                   {(d, tuple(p)): v for d, p, v in raw.get("e", ())})

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(self.to_json(), sort_keys=True).encode()).hexdigest()[:16]


EMPTY = Contribution()


def week_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def document_id(kind: str, key: str, category: str, week: str) -> str:
    return f"{kind}|{key}|{category}|{week}"


def document_fields(doc_id: str) -> dict[str, str]:
    """The identifying fields stored with a document (queried by ``week``)."""
    if doc_id.startswith(NOW + "|"):
        _, unit, category = doc_id.split("|")
        return {"kind": NOW, "unit": unit, "category": category}
    kind, key, category, week = doc_id.split("|")
    return {"kind": kind, ("unit" if kind == UNIT else "kelurahan"): key, "category": category, "week": week}


def contribution(f: CaseFacts, policy: EscalationPolicy, calendar: WorkingCalendar) -> Contribution:
    """What one case adds to the aggregates, from its facts now."""
    counts: Counter[Key] = Counter()
    entries: dict[Key, Any] = {}
    cal, cat = calendar, f.category or "-"
    place = place_key(f.kelurahan or "-") or "-"

    def day(at: datetime) -> date:
        return cal.local_date(at)

    def unit_doc(unit: str, at: datetime) -> str:
        return document_id(UNIT, unit, cat, week_of(day(at)))

    def kel_doc(at: datetime) -> str:
        return document_id(KELURAHAN, place, cat, week_of(day(at)))

    anchor, d = f.anchor_at, day(f.anchor_at).isoformat()
    doc = unit_doc(f.unit_id or "-", anchor)
    counts[(doc, ("r", d))] += 1
    counts[(doc, ("k", d, f.kelurahan or "-"))] += 1
    counts[(kel_doc(anchor), ("r", d))] += 1
    if f.sla_days is not None and f.assigned_at is not None:
        cls = policy.sla_class(f.sla_days)
        fr_due = cal.add_working_days(anchor, cls.first_response_days)
        res_due = cal.add_working_days(anchor, cls.completion_days + f.paused_days)
        for prefix, done, due in (("f", f.responded_at, fr_due), ("r", f.resolved_at, res_due)):
            if done is None:
                counts[(doc, (prefix + "p", d, str(int(due.timestamp()))))] += 1
                continue
            counts[(doc, (prefix + "k", d))] += 1
            if done <= due:
                counts[(doc, (prefix + "o", d))] += 1
            counts[(doc, (prefix + "h", d, str(cal.working_days_between(anchor, done))))] += 1
    if f.resolved_at is not None:
        counts[(unit_doc(f.unit_id or "-", f.resolved_at), ("s", day(f.resolved_at).isoformat()))] += 1
        counts[(kel_doc(f.resolved_at), ("s", day(f.resolved_at).isoformat()))] += 1
    for at, level in f.escalations:
        counts[(unit_doc(f.unit_id or "-", at), ("e", day(at).isoformat(), str(level)))] += 1
    for at, asker in f.reroutes:
        counts[(unit_doc(asker, at), ("x", day(at).isoformat()))] += 1
    if f.status not in CLOSED_STATUSES:
        now_doc = f"{NOW}|{f.unit_id or '-'}|{cat}"
        counts[(now_doc, ("open",))] += 1
        if f.deadline_at is not None:
            entries[(now_doc, ("o", f.id))] = json.dumps([f.deadline_at.isoformat(), f.escalation_level, f.status,
                                                          f.kelurahan])
    if not f.secret and f.title and f.kelurahan:
        entries[(doc, ("c", f.id))] = json.dumps([anchor.isoformat(), f.title, f.kelurahan, f.status,
                                                  f.resolved_at.isoformat() if f.resolved_at else None])
    return Contribution(dict(counts), entries)


def changes(old: Contribution, new: Contribution) -> tuple[dict[Key, int], dict[Key, Any]]:
    """The increments and the entries to write (``None``: delete) to go from ``old`` to ``new``."""
    deltas = {k: new.counts.get(k, 0) - old.counts.get(k, 0) for k in {*old.counts, *new.counts}}
    entries = {k: new.entries.get(k) for k in {*old.entries, *new.entries} if old.entries.get(k) != new.entries.get(k)}
    return {k: n for k, n in deltas.items() if n}, entries


def apply_changes(docs: dict[str, dict[str, Any]], counts: Mapping[Key, int], entries: Mapping[Key, Any]) -> None:
    """Applies changes to in-memory documents (the fake store, the benchmark's check)."""
    for (doc_id, path), n in counts.items():
        node = docs.setdefault(doc_id, dict(document_fields(doc_id)))
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = node.get(path[-1], 0) + n
    for (doc_id, path), value in entries.items():
        node = docs.setdefault(doc_id, dict(document_fields(doc_id)))
        for part in path[:-1]:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value


# -- reading ------------------------------------------------------------------------

class _Member(NamedTuple):
    """A cluster entry, as clustering reads it (patterns.ClusterMember): lighter than CaseFacts,
    since a year's report builds one per non-secret case (~95,000 over 100,000 cases)."""
    id: str
    status: str
    category: str | None
    kelurahan: str | None
    anchor_at: datetime
    title: str
    secret: bool = False


def _members(doc: Mapping[str, Any], category: str) -> list[tuple[_Member, str | None]]:
    """A document's cluster entries (each JSON text: anchor, title, kelurahan, status, first
    resolution), each with its first resolution as ISO text (None: never resolved). The
    entries are parsed as one JSON array: a year holds ~95,000 of them, and one parse per
    document costs a fraction of one per entry."""
    entries: Mapping[str, str] = doc.get("c") or {}
    if not entries:
        return []
    rows = json.loads("[" + ",".join(entries.values()) + "]")
    cat = None if category == "-" else category
    return [(_Member(case_id, status, cat, kelurahan, datetime.fromisoformat(anchor), title), resolved)
            for case_id, (anchor, title, kelurahan, status, resolved) in zip(entries, rows, strict=True)]


@dataclass(frozen=True)
class _Remembering(WorkingCalendar):
    """The calendar, remembering ``working_days_between``: the overdue table asks it for each
    of thousands of cases, whose deadlines fall on a few hundred instants."""
    memory: dict[tuple[datetime, datetime], int] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def of(cls, calendar: WorkingCalendar) -> _Remembering:
        return cls(holidays=calendar.holidays, working_weekdays=calendar.working_weekdays,
                   day_ends_at=calendar.day_ends_at, tz=calendar.tz)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        key = (start, end)
        if key not in self.memory:
            self.memory[key] = WorkingCalendar.working_days_between(self, start, end)
        return self.memory[key]

def weeks_of(period: Period, calendar: WorkingCalendar) -> tuple[str, str]:
    """The first and last ISO week (``YYYY-Www``, sortable as text) the period touches."""
    first, last = _days(period, calendar)
    return week_of(first), week_of(last - timedelta(days=1))


def _days(period: Period, calendar: WorkingCalendar) -> tuple[date, date]:
    start, end = calendar.local_date(period.start), calendar.local_date(period.end)
    for day, instant in ((start, period.start), (end, period.end)):
        if datetime.combine(day, time(0), calendar.tz) != instant:
            raise ValueError("the aggregates answer periods of whole local days")
    return start, end


def aggregate_report(unit_docs: Iterable[Mapping[str, Any]], now_docs: Iterable[Mapping[str, Any]], period: Period,
                     now: datetime, policy: EscalationPolicy, calendar: WorkingCalendar) -> dict[str, Any]:
    """The report ``build_report`` answers by rescanning, from the unit documents of the
    period's weeks and the (unit, category) documents of the open cases: same figures,
    trend, top problems, overdue cases and clusters. Groups with nothing in the period
    and nothing open are left out."""
    first, end = (day.isoformat() for day in _days(period, calendar))  # ISO days compare as text

    def within(raw: Mapping[str, Any] | None) -> Iterable[tuple[str, Any]]:
        return ((d, v) for d, v in (raw or {}).items() if first <= d < end)

    weeks: dict[str, str] = {}

    def week(d: str) -> str:
        if d not in weeks:
            weeks[d] = week_of(date.fromisoformat(d))
        return weeks[d]

    def values(doc: Mapping[str, Any], key: str) -> list[Any]:
        return [v for _, v in within(doc.get(key))]

    total: _Group = _Group()
    units: dict[str, _Group] = defaultdict(_Group)
    categories: dict[str, _Group] = defaultdict(_Group)
    received: Counter[str] = Counter()
    resolved: Counter[str] = Counter()
    problems: Counter[tuple[str, str]] = Counter()
    problem_weeks: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    names: dict[tuple[str, str], set[str]] = defaultdict(set)
    members: list[_Member] = []
    stamp = now.timestamp()
    for doc in unit_docs:
        unit, cat = doc["unit"], doc["category"]
        groups = (total, units[unit], categories[cat])
        for g in groups:
            g.received += sum(values(doc, "r"))
            g.fr_known += sum(values(doc, "fk")) + sum(n for p in values(doc, "fp") for t, n in p.items()
                                                       if int(t) <= stamp)
            g.fr_on_time += sum(values(doc, "fo"))
            g.res_known += sum(values(doc, "rk")) + sum(n for p in values(doc, "rp") for t, n in p.items()
                                                        if int(t) <= stamp)
            g.res_on_time += sum(values(doc, "ro"))
            g.fr_days.extend(int(v) for hist in values(doc, "fh") for v, n in hist.items() for _ in range(n))
            g.res_days.extend(int(v) for hist in values(doc, "rh") for v, n in hist.items() for _ in range(n))
            for levels in values(doc, "e"):
                for level, n in levels.items():
                    if n:
                        g.escalations[int(level)] += n
            g.reroutes += sum(values(doc, "x"))
        for d, n in within(doc.get("r")):
            received[week(d)] += n
        for d, n in within(doc.get("s")):
            resolved[week(d)] += n
        for d, places in within(doc.get("k")):
            for name, n in places.items():
                if n:
                    key = (cat, place_key(name))
                    problems[key] += n
                    problem_weeks[key][week(d)] += n
                    names[key].add(name)
        members += [member for member, _ in _members(doc, cat)]
    overdue_now: list[CaseFacts] = []
    for doc in now_docs:
        unit, cat = doc["unit"], doc["category"]
        late = [CaseFacts(id=case_id, status=status, category=None if cat == "-" else cat,
                          unit_id=None if unit == "-" else unit, kelurahan=kelurahan, anchor_at=now,
                          deadline_at=deadline, escalation_level=int(level))
                for case_id, raw in (doc.get("o") or {}).items()
                for dl, level, status, kelurahan in (json.loads(raw),)
                if (deadline := datetime.fromisoformat(dl)) <= now]
        overdue_now += late
        for g in (total, units[unit], categories[cat]):
            g.open_now += int(doc.get("open") or 0)
            g.overdue_now += len(late)
    empty = _Group().figures()
    top = sorted(problems.items(), key=lambda item: (-item[1], item[0]))[:10]
    return {"period": {"from": period.start, "to": period.end}, "as_of": now, "total": total.figures(),
            "units": {k: g.figures() for k, g in sorted(units.items()) if g.figures() != empty},
            "categories": {k: g.figures() for k, g in sorted(categories.items()) if g.figures() != empty},
            "trend": [{"week": w, "received": received[w], "resolved": resolved[w]}
                      for w in sorted(+received | +resolved)],
            "top_problems": [{"category": k[0], "kelurahan": min(names[k]), "count": n,
                              "weeks": dict(sorted(problem_weeks[k].items()))} for k, n in top],
            "overdue": patterns.overdue_cases(overdue_now, now, _Remembering.of(calendar)),
            "clusters": patterns.clusters(members, period)}


def recurring(unit_docs: Iterable[Mapping[str, Any]], period: Period, calendar: WorkingCalendar,
              limit: int = 5) -> dict[str, Any]:
    """Recurring problems over a period, from the unit documents:

    - ``kelurahan``: per kelurahan, its top (category) problems with the count per ISO week
      and the trend (received in the second half of the period minus the first half);
    - ``returning``: clusters (same category, kelurahan, similar title) with a member
      received after an earlier member had been resolved: the cause was not fixed."""
    first, end = _days(period, calendar)
    middle = first + (end - first) / 2
    per_place: dict[str, Counter[str]] = defaultdict(Counter)
    weeks: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    halves: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    shown: dict[str, str] = {}
    members: list[_Member] = []
    resolved_at: dict[str, datetime | None] = {}
    for doc in unit_docs:
        cat = doc["category"]
        for d, places in (doc.get("k") or {}).items():
            day = date.fromisoformat(d)
            if not first <= day < end:
                continue
            for name, n in places.items():
                if not n or name == "-":
                    continue
                place = place_key(name)
                shown[place] = min(shown.get(place, name), name)
                per_place[place][cat] += n
                weeks[(place, cat)][week_of(day)] += n
                halves[(place, cat)][int(day >= middle)] += n
        for member, resolved in _members(doc, cat):
            resolved_at[member.id] = datetime.fromisoformat(resolved) if resolved else None
            members.append(member)
    places = []
    for place, cats in sorted(per_place.items(), key=lambda item: (-sum(item[1].values()), item[0])):
        places.append({"kelurahan": shown[place], "received": sum(cats.values()), "problems": [
            {"category": cat, "count": n, "weeks": dict(sorted(weeks[(place, cat)].items())),
             "trend": halves[(place, cat)][1] - halves[(place, cat)][0]}
            for cat, n in sorted(cats.items(), key=lambda item: (-item[1], item[0]))[:limit]]})
    returning = []
    by_id = {m.id: m for m in members}
    for cluster in patterns.clusters(members, period):
        ordered = sorted((by_id[i] for i in cluster["case_ids"]), key=lambda m: (m.anchor_at, m.id))
        comebacks = [m.id for i, m in enumerate(ordered)
                     if any((z := resolved_at[p.id]) is not None and z < m.anchor_at for p in ordered[:i])]
        if comebacks:
            returning.append({**cluster, "returned": len(comebacks), "returned_case_ids": comebacks})
    returning.sort(key=lambda c: (-c["returned"], -c["size"], c["category"], c["kelurahan"]))
    return {"period": {"from": period.start, "to": period.end}, "kelurahan": places, "returning": returning}


def kelurahan_problems(kelurahan_docs: Iterable[Mapping[str, Any]], period: Period,
                       calendar: WorkingCalendar) -> list[dict[str, Any]]:
    """One kelurahan's problems over a period, from its (kelurahan, category, week)
    documents: per category the complaints received and resolved in the period, received
    per ISO week, and the trend (received in the second half minus the first half, as in
    ``recurring``); most received first. Reads only that kelurahan's documents: at most
    categories x weeks of them."""
    first, end = _days(period, calendar)
    middle = first + (end - first) / 2
    received: Counter[str] = Counter()
    resolved: Counter[str] = Counter()
    weeks: dict[str, Counter[str]] = defaultdict(Counter)
    halves: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for doc in kelurahan_docs:
        cat = doc["category"]
        for d, n in (doc.get("r") or {}).items():
            day = date.fromisoformat(d)
            if n and first <= day < end:
                received[cat] += n
                weeks[cat][week_of(day)] += n
                halves[cat][int(day >= middle)] += n
        for d, n in (doc.get("s") or {}).items():
            if n and first <= date.fromisoformat(d) < end:
                resolved[cat] += n
    return [{"category": cat, "received": received[cat], "resolved": resolved[cat],
             "weeks": dict(sorted(weeks[cat].items())), "trend": halves[cat][1] - halves[cat][0]}
            for cat in sorted(set(received) | set(resolved), key=lambda c: (-received[c], -resolved[c], c))]


# -- the analysts' copy (BigQuery, infra/bigquery/) ---------------------------------------

FACTS_TYPE = "case.facts"  # the rows the consumer publishes to the ``report-facts`` topic


def facts_rows(f: CaseFacts, version: int, policy: EscalationPolicy, calendar: WorkingCalendar,
               recorded_at: datetime) -> list[dict[str, Any]]:
    """One publication of a case's facts for BigQuery: a ``case`` row, then one row per
    escalation and per re-routing, flat (one message, one table row each). Never a title,
    a description or a reporter: figures only. The working-day values are computed here
    (the SQL has no holiday calendar); the newest ``publication`` of a case is its state."""
    fr_due = res_due = None
    if f.sla_days is not None and f.assigned_at is not None:
        cls = policy.sla_class(f.sla_days)
        fr_due = calendar.add_working_days(f.anchor_at, cls.first_response_days)
        res_due = calendar.add_working_days(f.anchor_at, cls.completion_days + f.paused_days)

    def iso(at: datetime | None) -> str | None:
        return at.isoformat() if at else None

    def days(done: datetime | None) -> int | None:
        return None if done is None or fr_due is None else calendar.working_days_between(f.anchor_at, done)

    publication = f"{version:08d}.{recorded_at.isoformat()}"
    base = {"type": FACTS_TYPE, "case_id": f.id, "publication": publication, "recorded_at": iso(recorded_at),
            "unit_id": f.unit_id or "-", "category": f.category or "-", "kelurahan": f.kelurahan or "-",
            "place": place_key(f.kelurahan or "-") or "-"}
    rows = [{**base, "kind": "case", "status": f.status, "anchor_at": iso(f.anchor_at),
             "anchor_day": calendar.local_date(f.anchor_at).isoformat(),
             "fr_due": iso(fr_due), "res_due": iso(res_due), "responded_at": iso(f.responded_at),
             "resolved_at": iso(f.resolved_at),
             "resolved_day": calendar.local_date(f.resolved_at).isoformat() if f.resolved_at else None,
             "fr_days": days(f.responded_at), "res_days": days(f.resolved_at), "deadline_at": iso(f.deadline_at)}]
    rows += [{**base, "kind": "escalation", "happened_at": iso(at), "happened_day": calendar.local_date(at).isoformat(),
              "level": level} for at, level in f.escalations]
    rows += [{**base, "kind": "reroute", "happened_at": iso(at), "happened_day": calendar.local_date(at).isoformat(),
              "asked_by": unit} for at, unit in f.reroutes]
    for i, row in enumerate(rows):
        row["id"] = f"{f.id}.{publication}.{i}"
    return rows
