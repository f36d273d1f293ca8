"""The what-if simulator replays cases on a simulated clock; and, over random cases and
tick rhythms, each step happens once and a case climbs at most one level per tick."""
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from infra.tools import escalation_whatif
from tests.escalation_support import CATALOG, ESCALATION

CASES = Path(__file__).resolve().parents[1] / "data" / "escalation_whatif_cases.json"


def steps_of(case_id, steps):
    return [(s["kind"], s["stage"], s["level"]) for s in steps if s["case_id"] == case_id]


def test_the_sample_replays_as_the_policy_says():
    steps = escalation_whatif.simulate(json.loads(CASES.read_text()), 40, ESCALATION, CATALOG)
    assert steps_of("kasus-diam", steps) == [("reminder", "first_response", 0)] + [
        ("escalated", "first_response", level) for level in (1, 2, 3)]
    assert steps_of("kasus-diklaim", steps) == []  # claimed at once, resolved before its deadline
    # Kelurahan: Lurah, Camat, Sekda, Wali Kota.
    assert [s[2] for s in steps_of("kasus-kelurahan", steps)] == [0, 1, 2, 3, 4]
    paused = [s for s in steps if s["case_id"] == "kasus-jumat-malam" and s["stage"] == "completion"]
    # Received Friday night; followed up Tuesday; paused a week waiting for the reporter: the
    # completion deadline moves from Thursday 3 Dec by the 5 working days spent paused.
    assert paused[0]["kind"] == "reminder" and paused[1]["deadline_at"] == "2026-12-09T09:00:00+00:00"


def test_a_case_late_on_arrival_is_told_once_then_climbs_one_level_per_step(capsys):
    steps = escalation_whatif.simulate(json.loads(CASES.read_text()), 20, ESCALATION, CATALOG)
    mine = [s for s in steps if s["case_id"] == "kasus-terlambat"]
    assert [(s["kind"], s["level"]) for s in mine] == [("late", 0), ("escalated", 1), ("escalated", 2),
                                                      ("escalated", 3)]
    cal, step = ESCALATION.rules.calendar, ESCALATION.policy.step_days
    assert all(cal.working_days_between(a["at"], b["at"]) == step for a, b in zip(mine, mine[1:], strict=False))
    assert mine[0]["late_days"] > 40  # disposed nationally in September
    capsys.readouterr()
    escalation_whatif.main(["--cases", str(CASES), "--days", "20", "--schedule", "kasus-terlambat"])
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("kasus-terlambat") and "terlambat" in out[1] and "tingkat 3" in out[-1]


def test_the_command_prints_a_report_per_unit_and_level(capsys):
    escalation_whatif.main(["--cases", str(CASES), "--days", "20"])
    out = capsys.readouterr().out
    assert "dlh (Dinas Lingkungan Hidup)" in out and "level 1 (Kepala Dinas Lingkungan Hidup)" in out
    assert "Rabu, 25 November 2026 pukul 16.00 WIB" in out and out.strip().splitlines()[-1].startswith("total:")


cases = st.lists(st.fixed_dictionaries({
    "category": st.sampled_from(["sampah-kebersihan", "bencana", "jalan-jembatan", "pungli-aparatur", "lainnya"]),
    "offset_hours": st.integers(min_value=0, max_value=24 * 20),
    "ack_after_hours": st.none() | st.integers(min_value=1, max_value=24 * 15)}), min_size=1, max_size=6)


@settings(max_examples=25, deadline=None)
@given(cases, st.sampled_from([30, 60, 180, 1440]))
def test_every_step_happens_once_and_levels_climb_one_at_a_time(items, tick_minutes):
    start = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    raw = []
    for i, item in enumerate(items):
        received = start + timedelta(hours=item["offset_hours"])
        case = {"id": f"k{i}", "category": item["category"], "received_at": received.isoformat()}
        if item["ack_after_hours"] is not None:
            case["acknowledged_at"] = (received + timedelta(hours=item["ack_after_hours"])).isoformat()
        raw.append(case)
    steps = escalation_whatif.simulate(raw, 60, ESCALATION, CATALOG, timedelta(minutes=tick_minutes))
    for case in raw:
        mine = [(s["stage"], s["level"], s["kind"]) for s in steps if s["case_id"] == case["id"]]
        assert len(mine) == len(set(mine))  # no step twice
        for stage in ("first_response", "completion"):
            levels = [level for st_, level, kind in mine if st_ == stage and kind == "escalated"]
            assert levels == list(range(1, len(levels) + 1))  # one level at a time, from 1
        if "acknowledged_at" in case:
            acked = datetime.fromisoformat(case["acknowledged_at"])
            assert all(s["at"] < acked for s in steps if s["case_id"] == case["id"]
                       and s["stage"] == "first_response")
