"""Reads the escalation policy, the calendar and the unit contacts from a catalog
directory (escalation.yaml, contacts.yaml). The only file I/O for them; validation
lives in the pure domain (``shared.domain.clock.policy``)."""
from __future__ import annotations

from pathlib import Path

import holidays

from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR, read_yaml
from shared.domain.clock.calendar import WorkingCalendar
from shared.domain.catalog import Catalog, CatalogError
from shared.domain.clock.deadlines import ClockRules
from shared.domain.clock.escalation import Escalation
from shared.domain.clock.policy import EscalationPolicy, build_calendar, build_contacts, build_policy

HOLIDAY_YEARS = range(2020, 2041)  # the calendar knows public holidays for these years


def load_calendar(raw_calendar, file: str) -> WorkingCalendar:
    public = holidays.Indonesia(years=HOLIDAY_YEARS)  # pure data, no network
    return build_calendar(raw_calendar, public.keys(), file)


def load_policy(catalog: Catalog, path: Path) -> tuple[EscalationPolicy, WorkingCalendar]:
    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise CatalogError(str(path), "-", "the file must hold a mapping")
    return build_policy(raw, catalog, str(path)), load_calendar(raw.get("calendar"), str(path))


def load_escalation(catalog: Catalog, directory: Path = DEFAULT_CATALOG_DIR,
                    policy_file: Path | None = None) -> Escalation:
    policy, calendar = load_policy(catalog, policy_file or directory / "escalation.yaml")
    contacts_file = directory / "contacts.yaml"
    contacts = build_contacts(read_yaml(contacts_file), catalog, str(contacts_file))
    return Escalation(ClockRules(policy, calendar), contacts)
