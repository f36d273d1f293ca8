"""Reports on a seeded data set whose answers are computed by hand (tests/data/reports_seed.json)."""
import csv
import io
import json
from datetime import datetime
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.adapters.catalog_files import load_catalog
from shared.adapters.escalation_files import load_escalation
from shared.domain.reports import patterns
from shared.domain.reports.figures import CaseFacts, Period, compute_figures, percentile
from shared.web.figures_csv import figures_csv

SEED = json.loads((Path(__file__).resolve().parents[1] / "data" / "reports_seed.json").read_text())
RULES = load_escalation(load_catalog()).rules
T = datetime.fromisoformat


def seeded_facts():
    for raw in SEED["cases"]:
        raw = dict(raw)
        for key in ("anchor_at", "assigned_at", "responded_at", "resolved_at", "deadline_at"):
            raw[key] = T(raw[key]) if raw.get(key) else None
        raw["escalations"] = tuple((T(at), level) for at, level in raw.get("escalations", ()))
        raw["reroutes"] = tuple((T(at), unit) for at, unit in raw.get("reroutes", ()))
        yield CaseFacts(**raw)


PERIOD = Period(T(SEED["period"]["from"]), T(SEED["period"]["to"]))
NOW = T(SEED["now"])


@pytest.fixture(scope="module")
def figures():
    return compute_figures(list(seeded_facts()), PERIOD, NOW, RULES.policy, RULES.calendar)


def test_totals(figures):
    assert figures["total"] == {
        "received": 5,                         # A B C D F; E came before the period
        "first_response_on_time_pct": 50.0,    # A, D on time; B late; C never answered, due passed
        "resolved_on_time_pct": 25.0,          # A on time; B late; C, D past due unresolved
        "first_response_days_median": 0, "first_response_days_p90": 2,   # [0, 0, 2]
        "resolution_days_median": 2, "resolution_days_p90": 5,           # [2, 5]
        "open_now": 4, "overdue_now": 2,       # C D E F open; C E overdue
        "escalations_by_level": {"1": 1},      # C's level 2 came after the period
        "reroutes": 1,
    }


def test_per_unit_and_category(figures):
    dlh = figures["units"]["dlh"]
    assert (dlh["received"], dlh["first_response_on_time_pct"], dlh["resolved_on_time_pct"]) == (3, 33.3, 33.3)
    assert (dlh["first_response_days_median"], dlh["first_response_days_p90"]) == (0, 2)
    assert (dlh["open_now"], dlh["overdue_now"], dlh["reroutes"]) == (1, 1, 1)  # dlh sent E back
    pupr = figures["units"]["dinas-pupr"]
    assert (pupr["received"], pupr["open_now"], pupr["overdue_now"], pupr["reroutes"]) == (0, 1, 1, 0)
    assert pupr["first_response_on_time_pct"] is None
    assert figures["units"]["-"]["received"] == 1  # F waits at triage, no unit
    assert figures["categories"]["sampah-kebersihan"]["received"] == 4
    assert figures["categories"]["drainase"]["reroutes"] == 1
    assert figures["categories"]["penerangan-jalan"]["resolved_on_time_pct"] == 0.0


def test_csv_has_a_row_per_group_and_matches_json(figures):
    rows = list(csv.DictReader(io.StringIO(figures_csv(figures))))
    assert [(r["group"], r["id"]) for r in rows][:2] == [("total", "all"), ("unit", "-")]
    assert len(rows) == 1 + len(figures["units"]) + len(figures["categories"])
    dlh = next(r for r in rows if r["id"] == "dlh")
    assert (dlh["received"], dlh["first_response_on_time_pct"], dlh["escalations_by_level"]) == ("3", "33.3", "1:1")
    pupr = next(r for r in rows if r["id"] == "dinas-pupr")
    assert pupr["first_response_on_time_pct"] == ""


def test_percentile_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([5], 90) == 5
    assert percentile(list(range(1, 11)), 50) == 5
    assert percentile(list(range(1, 11)), 90) == 9


def test_trend_top_problems_and_overdue():
    facts = list(seeded_facts())
    assert patterns.weekly_trend(facts, PERIOD, RULES.calendar) == [{"week": "2026-W06", "received": 5, "resolved": 1}]
    top = patterns.top_problems(facts, PERIOD, RULES.calendar)
    # A B C F
    assert (top[0]["category"], top[0]["kelurahan"], top[0]["count"]) == ("sampah-kebersihan", "Iringmulyo", 4)
    assert len(top) == 2  # "Iring Mulyo" (B) is Iringmulyo
    overdue = patterns.overdue_cases(facts, NOW, RULES.calendar)
    assert [(r["id"], r["working_days_overdue"]) for r in overdue] == [("E", 11), ("C", 6)]


def test_clusters_join_near_duplicates_but_never_a_secret_report():
    found = patterns.clusters(list(seeded_facts()), PERIOD)
    assert len(found) == 1
    assert found[0]["case_ids"] == ["A", "B", "C"]   # "Iring Mulyo" is Iringmulyo; F is secret
    assert (found[0]["size"], found[0]["open"]) == (3, 1)


def test_clusters_keep_other_places_and_problems_apart():
    base = next(f for f in seeded_facts() if f.id == "A")
    other_place = CaseFacts(**{**base.__dict__, "id": "X", "kelurahan": "Yosodadi"})
    other_problem = CaseFacts(**{**base.__dict__, "id": "Y", "title": "Pohon tumbang menutup jalan"})
    assert patterns.clusters([base, other_place, other_problem], PERIOD) == []


# Stemmed titles from a small vocabulary, so that titles share words, contain each other
# and differ by one letter ("lubang"/"lobang"): every branch of the bit-set shortcuts.
WORDS = st.sampled_from(["jalan", "lubang", "lobang", "rusak", "sampah", "numpuk", "lampu", "mati", "ahmad",
                         "yani", "gang", "mawar", "mohon", "segera", "parah", "banjir", "got", "sumbat", "a", "ab"])
TITLES = st.lists(WORDS, min_size=0, max_size=7).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(TITLES, min_size=1, max_size=25))
def test_clusters_decide_similarity_by_the_plain_rule(titles):
    """The word bit sets and the subset shortcut in ``clusters`` decide exactly what
    ``similar`` says: a greedy pass written with ``similar`` groups the same titles."""
    heads: list[str] = []
    expected: list[list[int]] = []
    for i, words in enumerate(titles):
        for g, head in enumerate(heads):
            if patterns.similar(head, words):
                expected[g].append(i)
                break
        else:
            heads.append(words)
            expected.append([i])
    base = next(f for f in seeded_facts() if f.id == "A")
    facts = [CaseFacts(**{**base.__dict__, "id": f"c{i:02d}", "title": words or "-",
                          "anchor_at": base.anchor_at.replace(minute=i)}) for i, words in enumerate(titles)]
    with patch.object(patterns, "title_key", lambda title: "" if title == "-" else title):  # words are stems
        found = patterns.clusters(facts, PERIOD)
    assert sorted(c["case_ids"] for c in found) == sorted([f"c{i:02d}" for i in g] for g in expected if len(g) > 1)


def test_similar_needs_shared_words_and_a_close_score():
    assert patterns.similar("jalan lubang ahmad yani", "jalan lubang ahmad yani parah")  # one contains the other
    assert patterns.similar("jalan lubang besar ahmad yani", "jalan lobang besar ahmad yani")
    assert not patterns.similar("lampu mati", "lampu2 mati2")  # close letters, no shared word
    assert not patterns.similar("sampah numpuk got sumbat bau", "lampu mati jalan gelap sumbat")  # 1 of 5 shared
    assert not patterns.similar("", "jalan")


def test_the_collector_is_paused_while_reports_are_built_and_resumed_after_the_last():
    import gc

    from shared.services.reports import collector_paused
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
        with collector_paused():  # a second report built meanwhile (another request's thread)
            assert not gc.isenabled()
        assert not gc.isenabled()  # the first is still being built
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("a failed read")
    assert gc.isenabled()
    gc.disable()  # whoever had turned it off keeps it off
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
