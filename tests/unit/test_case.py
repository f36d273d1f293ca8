from datetime import UTC, datetime

import pytest

from shared.domain.case import TRANSITIONS, Case, CaseStatus, TransitionNotAllowed, can_transition, case_id_for

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def a_case(status=CaseStatus.RECEIVED):
    return Case("c-1", "demo", "x", "Jalan rusak", "Jalan berlubang", NOW, status=status, timeline_length=1)


ALLOWED = """received -> assigned, received -> triage, triage -> assigned, triage -> closed,
assigned -> acknowledged, assigned -> in_progress, assigned -> waiting_reporter, assigned -> resolved,
assigned -> triage, assigned -> closed, acknowledged -> in_progress, acknowledged -> waiting_reporter,
acknowledged -> resolved, acknowledged -> triage, acknowledged -> closed, in_progress -> waiting_reporter,
in_progress -> resolved, in_progress -> triage, in_progress -> closed, waiting_reporter -> in_progress,
waiting_reporter -> resolved, waiting_reporter -> triage, waiting_reporter -> closed, resolved -> closed,
acknowledged -> assigned, in_progress -> assigned, waiting_reporter -> assigned,
resolved -> in_progress, closed -> in_progress""".replace("\n", " ").split(", ")


@pytest.mark.parametrize("current, wanted", [(c, w) for c in CaseStatus for w in CaseStatus])
def test_every_row_of_the_transition_table(current, wanted):
    allowed = {(CaseStatus(a), CaseStatus(b)) for a, b in (row.split(" -> ") for row in ALLOWED)}
    assert can_transition(current, wanted) == ((current, wanted) in allowed)
    case = a_case(current)
    entry = case.next_entry(NOW, "test", "moved")
    if (current, wanted) in allowed:
        moved = case.moved_to(wanted, NOW, entry)
        assert moved.status is wanted and moved.timeline_length == 2
    else:
        with pytest.raises(TransitionNotAllowed):
            case.moved_to(wanted, NOW, entry)


def test_table_covers_every_status():
    assert set(TRANSITIONS) == set(CaseStatus)


def test_timeline_entries_are_numbered_in_order():
    case = a_case()
    entry = case.next_entry(NOW, "sigap:router", "routed")
    assert entry.seq == 2 and entry.id == "00002-routed"


def test_case_id_is_stable_and_separates_sources():
    assert case_id_for("demo", "42") == case_id_for("demo", "42")
    assert case_id_for("demo", "42") != case_id_for("other", "42")
    assert case_id_for("a\nb", "c") != case_id_for("a", "b\nc")
