"""Shared helpers for the escalation tests: a received case, routed with its clock."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared.adapters.catalog_files import load_catalog, load_routing_rules
from shared.domain.case import Case, case_id_for
from shared.adapters.escalation_files import load_escalation
from shared.services.routing import route_case
from tests.fakes import FakeClock, FakePublisher

CATALOG = load_catalog()
RULES = load_routing_rules(CATALOG)
ESCALATION = load_escalation(CATALOG)


def received(external_id: str, created_at: datetime, *, category: str | None = "sampah-kebersihan",
             national_received_at: datetime | None = None, location=None,
             title: str = "Sampah menumpuk di pinggir jalan",
             description: str = "Sudah seminggu tidak diangkut petugas.") -> Case:
    case = Case(id=case_id_for("demo", external_id), source="demo", external_id=external_id,
                title=title, description=description,
                created_at=created_at, category_hint=category, location=location,
                national_received_at=national_received_at)
    entry = case.next_entry(created_at, "source:demo", "received")
    return replace(case, timeline_length=entry.seq), entry


def routed(repo, external_id: str, created_at: datetime, *, outbox=None, **kwargs) -> Case:
    """Creates the case in ``repo`` and routes it at ``created_at``; returns the stored case."""
    case, entry = received(external_id, created_at, **kwargs)
    repo.create(case, entry, [], None)
    route_case(case.id, repo=repo, outbox=outbox or repo,
               publisher=FakePublisher(), catalog=CATALOG, rules=RULES, clock=FakeClock(created_at),
               escalation=ESCALATION)
    return repo.get(case.id)
