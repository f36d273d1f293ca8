"""Shared helpers for the escalation tests: a received case, routed with its clock."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared.adapters.catalog_files import load_catalog, load_routing_rules
from shared.adapters.escalation_files import load_escalation
from shared.domain.case import Case, TimelineEntry, case_id_for
from shared.services.routing import route_case
from tests.fakes import FakeClock, FakePublisher, FakeUnitOfWork

CATALOG = load_catalog()
RULES = load_routing_rules(CATALOG)
ESCALATION = load_escalation(CATALOG)


def received(external_id: str, created_at: datetime, *, category: str | None = "sampah-kebersihan",
             national_received_at: datetime | None = None, location=None,
             title: str = "Sampah menumpuk di pinggir jalan",
             description: str = "Sudah seminggu tidak diangkut petugas.") -> tuple[Case, TimelineEntry]:
    case = Case(id=case_id_for("demo", external_id), source="demo", external_id=external_id,
                title=title, description=description,
                created_at=created_at, category_hint=category, location=location,
                national_received_at=national_received_at)
    entry = case.next_entry(created_at, "source:demo", "received")
    return replace(case, timeline_length=entry.seq), entry


def routed(repo, external_id: str, created_at: datetime, *, uow=None, **kwargs) -> Case:
    """Creates the case and routes it at ``created_at`` through ``uow`` (by default a
    FakeUnitOfWork over the FakeCaseStore ``repo``); returns the stored case."""
    uow = uow or FakeUnitOfWork(repo)
    case, entry = received(external_id, created_at, **kwargs)
    with uow:
        uow.cases.add(case, entry)
        uow.commit()
    route_case(case.id, uow=uow, publisher=FakePublisher(), catalog=CATALOG, rules=RULES,
               clock=FakeClock(created_at), escalation=ESCALATION)
    return uow.cases.get(case.id)
