"""The reports function on the real emulators through the gateway: the Firestore source
(case query, open query, timeline collection group) gives the figures the domain computes."""
from datetime import UTC, datetime

import requests

from shared.adapters.firestore_mapping import case_to_document, entry_to_document
from shared.domain.case import Case, CaseStatus, TimelineEntry
from tests.escalation_support import ESCALATION

RULES = ESCALATION.rules
PERIOD = {"from": "2025-03-03", "to": "2025-03-09"}


def at(day, hour):
    return datetime(2025, 3, day, hour, tzinfo=UTC)


def store(db, case_id, created, status, entries=(), responded=None, secret=False, title="Sampah menumpuk di pasar"):
    clock = RULES.start(anchor_at=created, now=created, sla_days=5, at_triage=False, top_level=3)
    if responded:
        clock = RULES.responded(clock, responded)
    if status is CaseStatus.CLOSED:
        clock = RULES.stopped(clock, entries[-1].at)
    case = Case(id=case_id, source="test", external_id=case_id, title=title, description="Isi laporan rahasia.",
                created_at=created, status=status, category="sampah-kebersihan", unit_id="dlh",
                location={"kelurahan": "Iringmulyo"}, secret=secret, clock=clock, updated_at=created)
    ref = db.collection("cases").document(case_id)
    ref.set(case_to_document(case))
    for entry in entries:
        ref.collection("timeline").document(entry.id).set(entry_to_document(entry))


def test_figures_and_dashboard_from_firestore(stack, db, api):
    store(db, "r-1", at(3, 2), CaseStatus.CLOSED, responded=at(4, 3),
          entries=[TimelineEntry(3, at(5, 10), "unit:dlh:k1", "resolved")])
    store(db, "r-2", at(3, 3), CaseStatus.ASSIGNED, entries=[
        TimelineEntry(2, at(4, 3), "unit:dlh:k1", "reroute_requested"),
        TimelineEntry(3, at(5, 9), "escalation", "escalated", {"level": 1})])
    store(db, "r-3", at(4, 2), CaseStatus.ASSIGNED, secret=True, title="Rahasia pungli sekali")
    response = requests.get(f"{api.base}/reports/figures.json", params=PERIOD, headers=api.admin, timeout=30)
    assert response.status_code == 200, response.text
    body = response.json()
    dlh = body["units"]["dlh"]
    assert (dlh["received"], dlh["first_response_on_time_pct"], dlh["resolved_on_time_pct"]) == (3, 33.3, 33.3)
    assert (dlh["resolution_days_median"], dlh["escalations_by_level"], dlh["reroutes"]) == (2, {"1": 1}, 1)
    assert (dlh["open_now"], dlh["overdue_now"]) == (2, 2)
    assert sorted(r["id"] for r in body["overdue"]) == ["r-2", "r-3"]
    for path in ("figures.json", "figures.csv", "dashboard"):
        text = requests.get(f"{api.base}/reports/{path}", params=PERIOD, headers=api.admin, timeout=30).text
        assert "Rahasia" not in text and "pungli" not in text and "Isi laporan" not in text
    assert requests.get(f"{api.base}/reports/dashboard", timeout=30).status_code == 401
