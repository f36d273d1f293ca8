"""The analysts' SQL (infra/bigquery/*.sql) run on DuckDB over an export of the case facts
rows the consumer publishes, with Pub/Sub's duplicates: the same figures as the aggregates.
BigQuery's named parameters (@now, ...) become literals; nothing else of the SQL changes."""
from __future__ import annotations

import json
import random
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb
import pytest

from shared.domain.reports.figures import Period
from shared.domain.routing.text import place_key
from shared.services.reports import build_aggregate_report
from shared.services.reports_ingest import FACTS_TOPIC, ingest_case
from tests.escalation_support import ESCALATION
from tests.fakes import FakeClock, FakePublisher
from tests.report_fakes import FactsOf, FakeAggregateStore
from tests.unit.test_report_aggregates import CAL, OPS, POLICY, T0, World

ROOT = Path(__file__).resolve().parents[2] / "infra" / "bigquery"
DUCK_TYPES = {"STRING": "VARCHAR", "TIMESTAMP": "TIMESTAMPTZ", "DATE": "DATE", "INTEGER": "BIGINT", "JSON": "JSON"}


def history(seed: int, steps: int):
    """A random history through the consumer, its facts rows published as Pub/Sub would."""
    rng, world, store = random.Random(seed), World(), FakeAggregateStore()
    publisher, clock = FakePublisher(), FakeClock(T0)
    at = T0 + timedelta(hours=9)
    for i in range(steps):
        at += timedelta(hours=rng.randrange(1, 40))
        clock.current = at
        if not world.cases or rng.random() < 0.35:
            world.new(f"c{i}", at, rng)
            cid = f"c{i}"
        else:
            cid = rng.choice(sorted(world.cases))
            world.act(cid, rng.choice(OPS), at, rng)
        ingest_case(cid, cases=FactsOf(world.facts()), store=store, policy=POLICY, calendar=CAL,
                    publisher=publisher, clock=clock)
    rows = [row for topic, row in publisher.signals if topic == FACTS_TOPIC]
    rows += rng.sample(rows, len(rows) // 5)  # at-least-once delivery: some rows twice
    rng.shuffle(rows)
    return world, store, rows, at


def load(tmp_path: Path, rows: list[dict]) -> duckdb.DuckDBPyConnection:
    export = tmp_path / "case_facts.jsonl"
    export.write_text("".join(json.dumps(r) + "\n" for r in rows))
    schema = json.loads((ROOT / "case_facts.schema.json").read_text())
    columns = ", ".join(f"'{c['name']}': '{DUCK_TYPES[c['type']]}'" for c in schema)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("CREATE SCHEMA sigap_events")
    con.execute(f"CREATE TABLE sigap_events.case_facts AS SELECT * FROM read_json('{export}', "
                f"format = 'newline_delimited', columns = {{{columns}}})")
    return con


def run_sql(con, name: str, **params) -> list[dict]:
    sql = (ROOT / name).read_text()
    for key, value in sorted(params.items(), key=lambda kv: -len(kv[0])):
        literal = f"TIMESTAMPTZ '{value.isoformat()}'" if isinstance(value, datetime) else f"DATE '{value}'"
        sql = sql.replace(f"@{key}", literal)
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def whole_days(first: date, end: date) -> Period:
    return Period(datetime.combine(first, time(0), CAL.tz), datetime.combine(end, time(0), CAL.tz))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_figures_sql_equals_the_aggregates(tmp_path, seed):
    world, store, rows, last = history(seed, 160)
    con = load(tmp_path, rows)
    now = last + timedelta(days=3)
    for first, end in ((T0.date(), CAL.local_date(last) + timedelta(days=1)),
                       (T0.date() + timedelta(days=7), T0.date() + timedelta(days=30))):
        report = build_aggregate_report(store, whole_days(first, end), now, ESCALATION)
        sql = {r["unit_id"]: r for r in run_sql(con, "figures.sql", first_day=first, end_day=end, now=now)}
        assert set(sql) == set(report["units"]) and len(sql) >= 3
        for unit, figures in report["units"].items():
            row = sql[unit]
            pct = None if not row["first_response_known"] else \
                100.0 * row["first_response_on_time"] / row["first_response_known"]
            assert (pct is None) == (figures["first_response_on_time_pct"] is None), unit
            if pct is not None:
                assert abs(pct - figures["first_response_on_time_pct"]) <= 0.05, unit
            res = None if not row["resolved_known"] else 100.0 * row["resolved_on_time"] / row["resolved_known"]
            assert (res is None) == (figures["resolved_on_time_pct"] is None), unit
            if res is not None:
                assert abs(res - figures["resolved_on_time_pct"]) <= 0.05, unit
            assert (row["received"], row["open_now"], row["overdue_now"], row["reroutes"]) == \
                (figures["received"], figures["open_now"], figures["overdue_now"], figures["reroutes"]), unit
            assert row["escalations"] == sum(figures["escalations_by_level"].values()), unit
            for key in ("first_response_days_median", "first_response_days_p90", "resolution_days_median",
                        "resolution_days_p90"):
                assert row[key] == figures[key], (unit, key)


def test_recurring_sql_counts_what_the_aggregates_count(tmp_path):
    world, store, rows, last = history(4, 200)
    con = load(tmp_path, rows)
    first, end = T0.date(), CAL.local_date(last) + timedelta(days=1)
    middle = first + (end - first) / 2
    found = run_sql(con, "recurring.sql", first_day=first, end_day=end, middle_day=middle)
    report = build_aggregate_report(store, whole_days(first, end), last, ESCALATION)
    top = {(p["category"], place_key(p["kelurahan"])): p["count"] for p in report["top_problems"]}
    sql = {(r["category"], r["place"]): r["received"] for r in found}
    assert top and all(sql[key] == n for key, n in top.items())
    assert sum(sql.values()) == report["total"]["received"]
    assert any(r["came_back"] for r in found)


def test_no_facts_row_carries_a_title_a_description_or_a_reporter(tmp_path):
    world, store, rows, _ = history(5, 120)
    text = json.dumps(rows)
    assert rows and all(not c.secret or c.title not in text for c in world.cases.values())
    assert not {"title", "description", "reporter", "name", "phone", "email"} & {k for r in rows for k in r}
