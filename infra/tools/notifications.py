"""Preview what people would receive: every channel's text (e-mail subject and body, the
Telegram message with its buttons, the WhatsApp template and its parameters) for one
event, on a realistic example case run through the real clock, escalation and
notification code (nothing touches Firestore, Pub/Sub or a network).

    python -m infra.tools.notifications preview --event escalated
    python -m infra.tools.notifications preview --event escalated --level 2 --status acknowledged
    python -m infra.tools.notifications preview --event assigned --case-file my-case.json
    python -m infra.tools.notifications preview --event digest

Events: assigned, triaged, resolved, reminder, escalated, late, digest, alert (or their
full names, complaint.escalated, ...). ``--status``: what the unit did before the event
(assigned: nothing, acknowledged, in_progress: a follow-up). The case file is a JSON
object with any of "id", "title", "category", "kelurahan", "unit", "secret",
"anonymous", "status", "received_at" (RFC 3339).
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR, load_catalog
from shared.adapters.escalation_files import load_escalation
from shared.domain.case import Case, CaseStatus, Reporter
from shared.domain.catalog import Catalog
from shared.domain.clock.digest import build_digest
from shared.domain.clock.escalation import (
    ESCALATION,
    Escalation,
    chain_length,
    due_step,
    late_recipients,
    recipients,
)
from shared.domain.integrations.notifications import Message
from shared.services.notify import plan_messages
from shared.web.links import signed_case_url

EVENTS = {"assigned": "complaint.assigned", "triaged": "complaint.triaged", "resolved": "complaint.resolved",
          "reminder": "complaint.reminder", "escalated": "complaint.escalated", "late": "complaint.late",
          "digest": "digest.daily", "alert": "integration.alert"}
PREVIEW_SECRET = "preview-only-not-a-real-link-secret-0000"  # the links' shape; they open nothing real
EXAMPLE = {"id": "lapor-5100051", "title": "Jalan berlubang di depan SD Negeri 3 Imopuro",
           "description": "Lubang besar, sudah dua motor jatuh. (never in a message)", "category": "jalan-jembatan",
           "kelurahan": "Imopuro", "received_at": "2026-11-16T09:00:00+07:00", "status": "assigned"}


class _Cases:
    """The one case of the preview, as the notify service reads it."""

    def __init__(self, case: Case | None):
        self._case = case

    def get(self, case_id: str) -> Case | None:
        return self._case if self._case is not None and self._case.id == case_id else None


class _Clock:
    def __init__(self, now: datetime):
        self._now = now

    def now(self) -> datetime:
        return self._now


def example_case(item: dict[str, Any], catalog: Catalog, escalation: Escalation) -> Case:
    category = catalog.categories.get(item.get("category") or "")
    if category is None:
        raise SystemExit(f"unknown category '{item.get('category')}' (see shared/catalog/kota-metro/categories.yaml)")
    unit = item.get("unit") or category.default_unit
    if unit not in catalog.units:
        raise SystemExit(f"unknown unit '{unit}'")
    received = datetime.fromisoformat(str(item.get("received_at") or EXAMPLE["received_at"]))
    rules = escalation.rules
    clock = rules.start(anchor_at=received, now=received, sla_days=category.sla_days, at_triage=False,
                        top_level=chain_length(catalog, unit))
    reporter = Reporter(name="(never in a message)", phone="+62800000000", anonymous=bool(item.get("anonymous")))
    return Case(id=str(item.get("id") or EXAMPLE["id"]), source="lapor", external_id="5100051",
                title=str(item.get("title") or EXAMPLE["title"]), description=str(EXAMPLE["description"]),
                created_at=received, status=CaseStatus.ASSIGNED, category=category.code, unit_id=unit,
                location={"kelurahan": item.get("kelurahan", EXAMPLE["kelurahan"])}, reporter=reporter,
                secret=bool(item.get("secret")), clock=clock)


def _answered(case: Case, status: str, escalation: Escalation) -> Case:
    """The unit's answer an hour after the assignment: acknowledged, or a follow-up."""
    if status == "assigned":
        return case
    if status not in ("acknowledged", "in_progress"):
        raise SystemExit("--status must be assigned, acknowledged or in_progress")
    assert case.clock is not None
    at = case.created_at + timedelta(hours=1)
    return replace(case, status=CaseStatus(status), clock=escalation.rules.responded(case.clock, at))


def _climbed(case: Case, level: int, escalation: Escalation) -> tuple[Case, datetime]:
    """The case after ``level`` escalations on its running stage, and the instant of the last."""
    rules, at = escalation.rules, case.created_at
    for _ in range(level):
        assert case.clock is not None
        due = rules.level_deadline(case.clock)
        if due is None:
            break
        step = due_step(case, rules, due)
        if step is None or step.kind != ESCALATION:
            break
        case, at = replace(case, clock=step.clock), due
    return case, at


def example_event(kind: str, case: Case, catalog: Catalog, escalation: Escalation, level: int
                  ) -> tuple[dict[str, Any], Case, datetime]:
    """The event, the case as it stands when the event is sent, and that instant."""
    rules = escalation.rules
    assert case.clock is not None and case.unit_id is not None
    unit = case.unit_id
    base = {"unit_id": unit, "category": case.category}
    if kind == "complaint.assigned":
        return {"type": kind, "data": base}, case, case.created_at
    if kind == "complaint.triaged":
        moved = replace(case, status=CaseStatus.TRIAGE, unit_id=catalog.triage_unit)
        return {"type": kind, "data": {**base, "unit_id": catalog.triage_unit}}, moved, case.created_at
    if kind == "complaint.resolved":
        at = case.created_at + timedelta(days=3)
        moved = replace(case, status=CaseStatus.RESOLVED, clock=rules.resolved(case.clock, at))
        return {"type": kind, "data": base}, moved, at
    if kind == "complaint.reminder":
        at = rules.reminder_at(case.clock) or case.created_at
        data = {**base, "stage": case.clock.stage.value, "level": 0, "deadline_at": case.clock.deadline_at,
                "delivery": "direct", "recipients": recipients(unit, 0, catalog, escalation)}
        return {"type": kind, "data": data}, case, at
    if kind == "complaint.late":
        at = (case.clock.deadline_at or case.created_at) + timedelta(days=3)
        late = rules.arrived_late(case.clock, at)
        data = {**base, "stage": late.stage.value, "level": 0, "deadline_at": late.deadline_at,
                "recipients": late_recipients(unit, catalog, escalation)}
        return {"type": kind, "data": data}, replace(case, clock=late), at
    stage = case.clock.stage
    climbed, at = _climbed(case, max(1, level), escalation)
    assert climbed.clock is not None
    reached = climbed.clock.level
    digest = reached >= escalation.policy.digest_from_level
    data = {**base, "stage": stage.value, "level": reached, "deadline_at": case.clock.deadline_at,
            "delivery": "digest" if digest else "direct", "recipients": recipients(unit, reached, catalog, escalation)}
    return {"type": kind, "data": data}, climbed, at


def render(message: Message) -> str:
    head = f"--- {message.channel} to {message.name} <{message.address}> ({message.recipient_role})"
    if message.channel == "email":
        return f"{head}\nSubject: {message.subject}\n\n{message.text}\n"
    if message.channel == "telegram":
        rows = [" ".join(f"[{b['text']}]" + (f" ({b['callback_data']})" if "callback_data" in b else "")
                         for b in row) for row in message.buttons]
        return f"{head}\n{message.text}\n" + "".join(f"  buttons: {row}\n" for row in rows)
    if message.channel == "whatsapp":
        params = "".join(f"  {{{{{i}}}}} = {p}\n" for i, p in enumerate(message.template_params, 1))
        return f"{head}\ntemplate {message.template} (id)\n{params}"
    return f"{head}\n{message.text}\n"


def preview(kind: str, item: dict[str, Any], *, level: int = 1, catalog_dir: Path = DEFAULT_CATALOG_DIR,
            base_url: str = "http://127.0.0.1:8080") -> list[Message]:
    catalog = load_catalog(catalog_dir)
    escalation = load_escalation(catalog, catalog_dir)
    case = _answered(example_case(item, catalog, escalation), str(item.get("status") or "assigned"), escalation)
    if kind == "digest.daily":
        at = (case.clock.deadline_at if case.clock and case.clock.deadline_at else case.created_at) + \
            timedelta(days=2)
        climbed, _ = _climbed(case, 2, escalation)
        event: dict[str, Any] = {"type": kind, "data": build_digest([climbed], catalog, escalation, at)}
        event_case: Case | None = None
    elif kind == "integration.alert":
        at, event_case = case.created_at, None
        event = {"type": kind, "data": {"message": "LAPOR! menolak token Sigap (HTTP 401) sejak 3 menit"}}
    else:
        event, event_case, at = example_event(kind, case, catalog, escalation, level)
    data = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in event["data"].items()}
    full = {"id": "preview-1", "type": kind, "case_id": event_case.id if event_case else "",
            "occurred_at": at.isoformat(), "data": data}

    def link(case_id: str, recipient: str) -> str:
        return signed_case_url(base_url, case_id, recipient, secret=PREVIEW_SECRET, now=at)

    return plan_messages(full, catalog=catalog, escalation=escalation, repo=_Cases(event_case),  # type: ignore[arg-type]
                         clock=_Clock(at), link_base=base_url, case_link=link)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.tools.notifications", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("preview", help="print every channel's text for one event")
    show.add_argument("--event", required=True, help=", ".join(EVENTS))
    show.add_argument("--case-file", type=Path, help="a JSON object describing the case")
    show.add_argument("--level", type=int, default=1, help="escalated: the level reached (default 1)")
    show.add_argument("--status", choices=("assigned", "acknowledged", "in_progress"),
                      help="what the unit did before the event (default: nothing)")
    show.add_argument("--secret", action="store_true", help="a secret report: no title in any message")
    show.add_argument("--catalog-dir", type=Path, default=DEFAULT_CATALOG_DIR)
    show.add_argument("--base-url", default="http://127.0.0.1:8080", help="SIGAP_PUBLIC_BASE_URL")
    args = parser.parse_args(argv)
    kind = EVENTS.get(args.event, args.event)
    if kind not in EVENTS.values():
        parser.error(f"--event must be one of {', '.join(EVENTS)}")
    item: dict[str, Any] = dict(EXAMPLE)
    if args.case_file:
        loaded = json.loads(args.case_file.read_text())
        if not isinstance(loaded, dict):
            parser.error("--case-file must hold a JSON object")
        item.update(loaded)
    if args.status:
        item["status"] = args.status
    if args.secret:
        item["secret"] = True
    sent = preview(kind, item, level=args.level, catalog_dir=args.catalog_dir, base_url=args.base_url)
    print(f"{kind}: {len(sent)} message(s)\n")
    for message in sent:
        print(render(message))
    return 0


if __name__ == "__main__":
    sys.exit(main())
