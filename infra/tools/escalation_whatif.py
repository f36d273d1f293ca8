"""What-if: replays cases over N days on a simulated clock under a policy and prints,
per unit and per level, what would have been reminded and escalated, and when.

    python -m infra.tools.escalation_whatif --cases tests/data/escalation_whatif_cases.json --days 20
    python -m infra.tools.escalation_whatif --cases FILE --days 30 --policy my-escalation.yaml --json
    python -m infra.tools.escalation_whatif --cases FILE --days 20 --schedule kasus-terlambat

The cases file is a JSON list of {"id", "category", "received_at" (RFC 3339), optional
"unit", "national_received_at", "acknowledged_at", "follow_up_at", "resolved_at",
"paused": [{"from", "to", "reason"}]}. It runs the real service (escalate_due) on the
in-memory fakes: nothing touches Firestore or Pub/Sub.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from shared import logs
from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR, load_catalog
from shared.adapters.escalation_files import load_escalation
from shared.domain.case import Case, CaseStatus
from shared.domain.catalog import Catalog
from shared.domain.clock.escalation import Escalation, chain_length, indonesian_datetime, late_recipients
from shared.services.escalation import escalate_due
from tests.fakes import FakeCaseStore, FakePublisher, FakeUnitOfWork, add_case, update_case

_ACTIONS = {"acknowledged_at": ("acknowledged", CaseStatus.ACKNOWLEDGED),
            "follow_up_at": ("followed_up", CaseStatus.IN_PROGRESS),
            "resolved_at": ("resolved", CaseStatus.RESOLVED)}


def _instant(raw: Any, where: str) -> datetime:
    try:
        value = datetime.fromisoformat(str(raw))
    except ValueError:
        raise SystemExit(f"{where}: '{raw}' is not an RFC 3339 instant") from None
    if value.tzinfo is None:
        raise SystemExit(f"{where}: '{raw}' has no time zone")
    return value


def _start(item: dict[str, Any], catalog: Catalog, escalation: Escalation) -> Case:
    code = item.get("category")
    category = catalog.categories.get(code) if isinstance(code, str) else None
    if category is None:
        raise SystemExit(f"case {item.get('id')}: unknown category '{item.get('category')}'")
    unit = item.get("unit") or (None if category.location_scoped else category.default_unit)
    if unit is not None and unit not in catalog.units:
        raise SystemExit(f"case {item['id']}: unknown unit '{unit}'")
    received = _instant(item["received_at"], f"case {item['id']}")
    national = _instant(item["national_received_at"], item["id"]) if item.get("national_received_at") else None
    status = CaseStatus.ASSIGNED if unit else CaseStatus.TRIAGE
    clock = escalation.rules.start(anchor_at=national or received, now=received, sla_days=category.sla_days,
                                   at_triage=unit is None, top_level=chain_length(catalog, unit or catalog.triage_unit))
    clock = escalation.rules.arrived_late(clock, received)  # past its deadline already: flagged, told once
    return Case(id=str(item["id"]), source="whatif", external_id=str(item["id"]), title="-", description="-",
                created_at=received, status=status, category=category.code, unit_id=unit, clock=clock,
                national_received_at=national, timeline_length=1)


def _changes(item: dict[str, Any]) -> list[tuple[datetime, str, str | None]]:
    """(instant, what, reason) of everything the unit does to the case, in time order."""
    changes = [(_instant(item[key], item["id"]), key, None) for key in _ACTIONS if item.get(key)]
    for pause in item.get("paused") or ():
        changes.append((_instant(pause["from"], item["id"]), "pause", pause.get("reason", "menunggu pelapor")))
        changes.append((_instant(pause["to"], item["id"]), "resume", None))
    return sorted(changes, key=lambda c: c[0])


def _apply(store: FakeCaseStore, case_id: str, at: datetime, what: str, reason: str | None,
           escalation: Escalation) -> None:
    case, rules = store.get(case_id), escalation.rules
    # every case is added, with the clock _start gave it, before any of its changes
    assert case is not None and case.clock is not None, f"case {case_id} was not started"
    if what == "pause":
        reason = reason if reason is not None else "menunggu pelapor"  # "reason": null in the cases file
        action, status, clock = "waiting_reporter", CaseStatus.WAITING_REPORTER, rules.paused(case.clock, at, reason)
    elif what == "resume":
        action, status, clock = "resumed", CaseStatus.IN_PROGRESS, rules.resumed(case.clock, at)
    else:
        action, status = _ACTIONS[what]
        clock = rules.stopped(case.clock, at) if what == "resolved_at" else rules.responded(case.clock, at)
    entry = case.next_entry(at, f"unit:{case.unit_id}", action, reason=reason)
    update_case(store, case.moved_to(status, at, entry, clock=clock), entry)


def simulate(items: list[dict[str, Any]], days: int, escalation: Escalation, catalog: Catalog,
             tick: timedelta = timedelta(hours=1)) -> list[dict[str, Any]]:
    store, publisher = FakeCaseStore(), FakePublisher()
    cases = [(_start(i, catalog, escalation), _changes(i)) for i in items]
    if not cases:
        return []
    start = min(c.created_at for c, _ in cases)
    pending = [(c.created_at, 0, "create", c, None) for c, _ in cases] + \
        [(at, 1, what, case, reason) for case, changes in cases for at, what, reason in changes]
    pending.sort(key=lambda p: (p[0], p[1]))  # stable: a case exists before anything happens to it
    now, end = start, start + timedelta(days=days)
    while now <= end:
        while pending and pending[0][0] <= now:
            at, _, what, case, reason = pending.pop(0)
            if what == "create":
                entry = case.next_entry(at, "source:whatif", "received")
                add_case(store, replace(case, timeline_length=0), replace(entry, seq=1))
            else:
                _apply(store, case.id, at, what, reason, escalation)
        escalate_due(queue=store, uow=FakeUnitOfWork(store), publisher=publisher, catalog=catalog,
                     escalation=escalation, as_of=now, limit=100_000)
        now += tick
    late = [{"at": c.created_at, "case_id": c.id, "kind": "late", "stage": c.clock.stage.value, "level": 0,
             "unit_id": c.unit_id or catalog.triage_unit, "delivery": "direct",
             "late_days": c.clock.late_on_arrival_days,
             "deadline_at": c.clock.deadline_at.isoformat() if c.clock.deadline_at else None,
             "recipients": late_recipients(c.unit_id or catalog.triage_unit, catalog, escalation)}
            for c, _ in cases if c.clock is not None and c.clock.late_on_arrival]
    return sorted(late + [{"at": e.occurred_at, "case_id": e.case_id, "kind": e.type.split(".")[1], **e.data}
                          for e in publisher.published], key=lambda s: s["at"])


def schedule(steps: list[dict[str, Any]], case_id: str, escalation: Escalation) -> str:
    """One case's whole schedule: when each notice and level came, and who heard it."""
    rows = [s for s in steps if s["case_id"] == case_id]
    if not rows:
        return f"{case_id}: nothing is sent in this period"
    lines = [f"{case_id}: what the policy sends, in order"]
    for s in rows:
        who = ", ".join(f"{r['name']} ({r['title']})" for r in s["recipients"] if r["role"] == "head") or \
            "admin unit dan Diskominfo"
        what = (f"terlambat {s['late_days']} hari kerja saat diterima" if s["kind"] == "late" else
                f"{s['kind']} tingkat {s['level']}")
        lines.append(f"  {indonesian_datetime(s['at'], escalation.rules):42} {what:34} {s['stage']:15} {who}")
    return "\n".join(lines)


def report(steps: list[dict[str, Any]], catalog: Catalog, escalation: Escalation) -> str:
    by_unit: dict[str, dict[int, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for step in steps:
        by_unit[step["unit_id"]][step["level"]].append(step)
    lines = []
    for unit_id in sorted(by_unit):
        lines.append(f"{unit_id} ({catalog.unit(unit_id).name})")
        for level in sorted(by_unit[unit_id]):
            rows = by_unit[unit_id][level]
            head = [r["name"] for r in rows[0]["recipients"] if r["role"] == "head"]
            lines.append(f"  level {level} ({head[0] if head else 'admin unit'}): {len(rows)}")
            for r in rows:
                lines.append(f"    {indonesian_datetime(r['at'], escalation.rules):42} {r['kind']:9} "
                             f"{r['case_id']:14} {r['stage']:15} {r['delivery']}")
    total: defaultdict[str, int] = defaultdict(int)
    for step in steps:
        total[step["kind"]] += 1
    lines.append(f"total: {total['late']} late on arrival, {total['reminder']} reminders, "
                 f"{total['escalated']} escalations")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", required=True, type=Path)
    parser.add_argument("--days", required=True, type=int)
    parser.add_argument("--policy", type=Path, help="an escalation.yaml (default: the city's)")
    parser.add_argument("--tick-minutes", type=int, default=60)
    parser.add_argument("--json", action="store_true", help="print the steps as JSON lines")
    parser.add_argument("--schedule", metavar="CASE_ID", help="print one case's whole schedule instead")
    args = parser.parse_args(argv)
    catalog = load_catalog()
    escalation = load_escalation(catalog, DEFAULT_CATALOG_DIR, args.policy)
    items = json.loads(args.cases.read_text())
    with logs.muted():  # per-step logs would drown the report
        steps = simulate(items, args.days, escalation, catalog, timedelta(minutes=args.tick_minutes))
    if args.schedule:
        print(schedule(steps, args.schedule, escalation))
    elif args.json:
        for step in steps:
            print(json.dumps({**step, "at": step["at"].isoformat()}, ensure_ascii=False))
    else:
        print(report(steps, catalog, escalation))


if __name__ == "__main__":
    main(sys.argv[1:])
