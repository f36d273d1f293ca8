"""The incremental aggregates give the rescan's answer (issue 15): random histories of cases
(late arrivals, answers, pauses, re-routings, re-classifications, resolutions, merges,
reopenings, escalations) whose events reach the consumer late, twice, out of order and
racing a concurrent writer, then both paths over random periods of whole days."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.domain.case import Case, CaseStatus, TimelineEntry
from shared.domain.reports.aggregates import (
    EMPTY,
    Contribution,
    aggregate_report,
    changes,
    contribution,
    facts_rows,
    recurring,
)
from shared.domain.reports.figures import REPORT_ACTIONS, CaseFacts, Period, facts_from_case
from shared.domain.routing.text import place_key
from shared.services.reports import build_aggregate_report, build_report
from shared.services.reports_ingest import FACTS_TOPIC, IngestContended, ingest_case
from tests.escalation_support import ESCALATION
from tests.fakes import FakeClock, FakePublisher
from tests.report_fakes import FactsOf, FakeAggregateStore
from tests.reports_support import SeededSource

RULES = ESCALATION.rules
CAL, POLICY = RULES.calendar, RULES.policy
T0 = datetime(2026, 1, 5, tzinfo=CAL.tz)  # Monday
CATEGORIES = {"sampah-kebersihan": 5, "drainase": 14, "bencana": 2, "pungli-aparatur": 60}
UNITS = ("dlh", "dinas-pupr", "bpbd", "inspektorat")
PLACES = ("Iringmulyo", "Iring Mulyo", "Yosodadi", "Hadimulyo Barat")
TITLES = ("Sampah menumpuk di jalan", "Sampah menumpuk di pinggir jalan", "Lampu jalan mati", "Jalan berlubang")
OPS = ("respond", "pause", "resume", "reroute", "to_triage", "assign", "reclassify", "resolve", "close", "merge",
       "reopen", "escalate")


class World:
    """Cases changed by random operations; every change is an event naming the case."""

    def __init__(self) -> None:
        self.cases: dict[str, Case] = {}
        self.entries: dict[str, list[TimelineEntry]] = {}

    def facts(self) -> dict[str, tuple[CaseFacts, int]]:
        return {cid: (facts_from_case(c, [e for e in self.entries[cid] if e.action in REPORT_ACTIONS]),
                      c.timeline_length) for cid, c in self.cases.items()}

    def entry(self, cid: str, at: datetime, actor: str, action: str, **detail) -> None:
        case = self.cases[cid]
        self.entries[cid].append(TimelineEntry(case.timeline_length + 1, at, actor, action, detail))
        self.cases[cid] = replace(case, timeline_length=case.timeline_length + 1, updated_at=at)

    def new(self, cid: str, at: datetime, rng: random.Random) -> None:
        category = rng.choice(sorted(CATEGORIES))
        triage = rng.random() < 0.2
        national = at - timedelta(days=rng.randrange(1, 30)) if rng.random() < 0.3 else None  # late on arrival
        case = Case(id=cid, source="prop", external_id=cid, title=rng.choice(TITLES), description="", created_at=at,
                    status=CaseStatus.TRIAGE if triage else CaseStatus.ASSIGNED, category=category,
                    unit_id=None if triage else rng.choice(UNITS), location={"kelurahan": rng.choice(PLACES)},
                    secret=rng.random() < 0.15, national_received_at=national)
        clock = RULES.start(anchor_at=case.counting_from, now=at, sla_days=CATEGORIES[category], at_triage=triage,
                            top_level=3)
        self.cases[cid], self.entries[cid] = replace(case, clock=RULES.arrived_late(clock, at)), []
        self.entry(cid, at, "source:prop", "received")

    def act(self, cid: str, op: str, at: datetime, rng: random.Random) -> None:
        case = self.cases[cid]
        clock = case.clock
        assert clock is not None
        status = case.status
        if op == "respond":
            clock, status = RULES.responded(clock, at), CaseStatus.IN_PROGRESS
        elif op == "pause":
            clock, status = RULES.paused(clock, at, "menunggu pelapor"), CaseStatus.WAITING_REPORTER
        elif op == "resume":
            clock, status = RULES.resumed(clock, at), CaseStatus.IN_PROGRESS
        elif op == "reroute":
            self.entry(cid, at, f"unit:{case.unit_id or 'dlh'}:k", "reroute_requested")
            case = replace(self.cases[cid], unit_id=rng.choice(UNITS))
            clock, status = RULES.rerouted(clock, at, to_triage=False, top_level=3), CaseStatus.ASSIGNED
        elif op == "to_triage":
            self.entry(cid, at, f"unit:{case.unit_id or 'dlh'}:k", "reroute_requested")
            case = replace(self.cases[cid], unit_id=None)
            clock, status = RULES.rerouted(clock, at, to_triage=True, top_level=3), CaseStatus.TRIAGE
        elif op == "assign":
            case = replace(case, unit_id=rng.choice(UNITS))
            clock, status = RULES.rerouted(clock, at, to_triage=False, top_level=3), CaseStatus.ASSIGNED
        elif op == "reclassify":
            category = rng.choice(sorted(CATEGORIES))
            case, clock = replace(case, category=category), RULES.reclassified(clock, CATEGORIES[category])
        elif op == "resolve":
            self.entry(cid, at, "unit:x:k", "resolved")
            case = self.cases[cid]
            clock, status = RULES.resolved(clock, at), CaseStatus.RESOLVED
        elif op in ("close", "merge"):
            clock, status = RULES.stopped(clock, at), CaseStatus.CLOSED
        elif op == "reopen":
            clock, status = RULES.rerouted(clock, at, to_triage=False, top_level=3), CaseStatus.IN_PROGRESS
        elif op == "escalate":
            level = clock.level + 1
            self.entry(cid, at, "sigap:escalation", "escalated", level=level)
            case, clock = self.cases[cid], replace(clock, level=level)
        self.cases[cid] = replace(case, clock=clock, status=status)
        self.entry(cid, at, "prop", op)


def normalised(report: dict) -> dict:
    """Groups with nothing in the period and nothing open dropped (the rescan keeps every
    group its source happened to read); kelurahan names folded as the reports fold them."""
    empty = {"received": 0, "open_now": 0, "overdue_now": 0, "reroutes": 0, "escalations_by_level": {}}
    out = dict(report)
    for key in ("units", "categories"):
        out[key] = {k: g for k, g in report[key].items() if any(g[f] != v for f, v in empty.items())}
    out["top_problems"] = [{**p, "kelurahan": place_key(p["kelurahan"])} for p in report["top_problems"]]
    return out


def deliver(world: World, store: FakeAggregateStore, cid: str, publisher: FakePublisher | None = None) -> None:
    ingest_case(cid, cases=FactsOf(world.facts()), store=store, policy=POLICY, calendar=CAL,
                publisher=publisher, clock=FakeClock(T0))


def run_history(seed: int, steps: int) -> tuple[World, FakeAggregateStore, datetime]:
    rng, world, store = random.Random(seed), World(), FakeAggregateStore()
    at, pending, delivered = T0 + timedelta(hours=rng.randrange(24)), [], []
    for i in range(steps):
        at += timedelta(hours=rng.randrange(1, 60))
        if not world.cases or rng.random() < 0.3:
            world.new(f"c{i}", at, rng)
            pending.append(f"c{i}")
        else:
            cid = rng.choice(sorted(world.cases))
            world.act(cid, rng.choice(OPS), at, rng)
            pending.append(cid)
        while pending and rng.random() < 0.5:  # some events now, in any order, some twice, some lost to a race
            cid = pending.pop(rng.randrange(len(pending)))
            store.lose_next = rng.choice((0, 0, 0, 1, 2))
            deliver(world, store, cid)
            delivered.append(cid)
            if rng.random() < 0.2:
                pending.append(cid)
    rng.shuffle(pending)
    for cid in pending + rng.sample(delivered, min(len(delivered), 5)):  # the rest, and old redeliveries
        deliver(world, store, cid)
    return world, store, at


def periods(rng: random.Random, last: datetime) -> list[Period]:
    span = (CAL.local_date(last) - T0.date()).days + 10
    found = [Period(T0 - timedelta(days=35), T0 + timedelta(days=span))]  # everything
    for _ in range(3):
        start = T0.date() + timedelta(days=rng.randrange(-30, span))
        end = start + timedelta(days=rng.randrange(1, 60))
        found.append(Period(datetime.combine(start, time(0), CAL.tz), datetime.combine(end, time(0), CAL.tz)))
    return found


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 45), later=st.integers(0, 40))
def test_aggregates_answer_what_the_rescan_answers(seed, steps, later):
    world, store, last = run_history(seed, steps)
    facts = world.facts()
    now = last + timedelta(days=later, hours=seed % 24)
    for period in periods(random.Random(seed), last):
        exact = normalised(build_report(SeededSource([f for f, _ in facts.values()]), period, now, ESCALATION))
        fast = normalised(build_aggregate_report(store, period, now, ESCALATION))
        assert fast == exact


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 45))
def test_a_kelurahan_view_counts_what_its_cases_say(seed, steps):
    """The (kelurahan, category, week) documents answer one kelurahan's view: per category the
    cases received and resolved in the period and the received per week, as the cases have them."""
    from collections import Counter

    from shared.domain.reports.aggregates import kelurahan_problems, weeks_of
    from shared.domain.reports.patterns import iso_week
    world, store, last = run_history(seed, steps)
    facts = [f for f, _ in world.facts().values()]
    for period in periods(random.Random(seed), last):
        for place in {place_key(f.kelurahan or "-") or "-" for f in facts}:
            view = kelurahan_problems(store.kelurahan_documents(place, *weeks_of(period, CAL)), period, CAL)
            mine = [f for f in facts if (place_key(f.kelurahan or "-") or "-") == place]
            received = Counter(f.category or "-" for f in mine if period.holds(f.anchor_at))
            resolved = Counter(f.category or "-" for f in mine if period.holds(f.resolved_at))
            weeks = Counter((f.category or "-", iso_week(f.anchor_at, CAL)) for f in mine if period.holds(f.anchor_at))
            assert {r["category"]: (r["received"], r["resolved"]) for r in view} == {
                c: (received[c], resolved[c]) for c in set(received) | set(resolved)}
            assert {(r["category"], w): n for r in view for w, n in r["weeks"].items()} == dict(weeks)


def test_aggregates_equal_a_fresh_backfill_whatever_the_delivery_order():
    world, store, _ = run_history(7, 200)
    fresh = FakeAggregateStore()
    for cid in world.cases:
        deliver(world, fresh, cid)
    def counted(docs):  # a moved count leaves a 0 behind, maybe a document of identifying fields only
        return {k: d for k, d in without_zeros(docs).items() if set(d) - {"kind", "unit", "kelurahan", "category",
                                                                         "week"}}
    assert counted(store.docs) == counted(fresh.docs) and len(counted(store.docs)) > 20


def without_zeros(node):
    if isinstance(node, dict):
        kept = {k: without_zeros(v) for k, v in node.items()}
        return {k: v for k, v in kept.items() if v not in (0, {})}
    return node


def test_a_redelivered_event_changes_nothing_and_a_correction_moves_the_counts():
    world, store = World(), FakeAggregateStore()
    rng = random.Random(1)
    world.new("a", T0 + timedelta(hours=9), rng)
    world.cases["a"] = replace(world.cases["a"], unit_id="dlh", status=CaseStatus.ASSIGNED, category="drainase")
    deliver(world, store, "a")
    before = {k: dict(v) for k, v in store.docs.items()}
    assert ingest_case("a", cases=FactsOf(world.facts()), store=store, policy=POLICY, calendar=CAL) == "unchanged"
    assert store.docs == before
    world.act("a", "assign", T0 + timedelta(days=1), rng)  # re-routed
    unit = world.cases["a"].unit_id
    deliver(world, store, "a")
    received = {d["unit"]: sum(d.get("r", {}).values()) for d in store.docs.values() if d["kind"] == "u"}
    assert received.get(unit) == 1 and sum(received.values()) == 1


def test_the_consumer_retries_a_lost_race_then_gives_up():
    world, store = World(), FakeAggregateStore()
    world.new("a", T0, random.Random(2))
    store.lose_next = 2
    assert ingest_case("a", cases=FactsOf(world.facts()), store=store, policy=POLICY, calendar=CAL) == "applied"
    store.lose_next, world.cases["a"] = 10, replace(world.cases["a"], category="drainase")
    with pytest.raises(IngestContended):
        ingest_case("a", cases=FactsOf(world.facts()), store=store, policy=POLICY, calendar=CAL, attempts=3)


def test_a_deleted_case_takes_its_counts_back():
    world, store = World(), FakeAggregateStore()
    world.new("a", T0, random.Random(3))
    deliver(world, store, "a")
    del world.cases["a"]
    deliver(world, store, "a")
    assert all(not n for d in store.docs.values() for n in d.get("r", {}).values())
    assert store.ledger["a"][0] == EMPTY


def test_a_secret_report_leaves_no_text_in_the_aggregates_nor_in_the_facts_rows():
    world, store, publisher = World(), FakeAggregateStore(), FakePublisher()
    world.new("s", T0, random.Random(4))
    world.cases["s"] = replace(world.cases["s"], secret=True, title="Rahasia pungli camat")
    deliver(world, store, "s", publisher)
    assert "Rahasia" not in repr(store.docs) and "Rahasia" not in repr(store.ledger)
    assert publisher.signals and all(topic == FACTS_TOPIC for topic, _ in publisher.signals)
    assert "Rahasia" not in repr(publisher.signals) and "title" not in repr(publisher.signals)


def test_the_contribution_round_trips_through_its_stored_form():
    world = World()
    world.new("a", T0, random.Random(5))
    world.act("a", "resolve", T0 + timedelta(days=2), random.Random(5))
    new = contribution(world.facts()["a"][0], POLICY, CAL)
    assert Contribution.from_json(new.to_json()) == new and changes(new, Contribution.from_json(new.to_json())) == \
        ({}, {})


def test_facts_rows_one_case_row_and_one_per_escalation_and_reroute():
    world = World()
    rng = random.Random(6)
    world.new("a", T0, rng)
    world.act("a", "escalate", T0 + timedelta(days=3), rng)
    world.act("a", "reroute", T0 + timedelta(days=4), rng)
    rows = facts_rows(world.facts()["a"][0], 9, POLICY, CAL, datetime(2026, 2, 1, tzinfo=UTC))
    assert [r["kind"] for r in rows] == ["case", "escalation", "reroute"]
    assert len({r["id"] for r in rows}) == 3 and {r["publication"] for r in rows} == {rows[0]["publication"]}


def test_recurring_finds_a_cluster_that_came_back_after_its_resolution():
    world, store, rng = World(), FakeAggregateStore(), random.Random(8)
    for i, day in enumerate((0, 10, 20)):
        cid = f"r{i}"
        world.new(cid, T0 + timedelta(days=day, hours=9), rng)
        world.cases[cid] = replace(world.cases[cid], title="Sampah menumpuk di jalan Sudirman", secret=False,
                                   category="sampah-kebersihan", location={"kelurahan": "Yosodadi"},
                                   national_received_at=None)
        if i == 0:
            world.act(cid, "resolve", T0 + timedelta(days=3), rng)
        deliver(world, store, cid)
    period = Period(T0, T0 + timedelta(days=28))
    found = recurring(store.unit_documents("2026-W01", "2026-W05"), period, CAL)
    assert [(c["kelurahan"], c["returned"], c["size"]) for c in found["returning"]] == [("Yosodadi", 2, 3)]
    yosodadi = next(p for p in found["kelurahan"] if p["kelurahan"] == "Yosodadi")
    assert yosodadi["problems"][0]["category"] == "sampah-kebersihan" and yosodadi["problems"][0]["count"] == 3


def test_the_aggregates_refuse_a_period_that_is_not_whole_days():
    with pytest.raises(ValueError):
        aggregate_report([], [], Period(T0 + timedelta(hours=1), T0 + timedelta(days=1)), T0, POLICY, CAL)
