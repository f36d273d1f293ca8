"""Reads the escalation policy, the calendar and the unit contacts from a catalog
directory (escalation.yaml, contacts.yaml). The only file I/O for them; validation
lives in the pure domain (``shared.domain.clock.policy``)."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import holidays

from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR, read_yaml
from shared.domain.catalog import Catalog, CatalogError
from shared.domain.clock.calendar import WorkingCalendar
from shared.domain.clock.deadlines import ClockRules
from shared.domain.clock.escalation import Escalation
from shared.domain.clock.policy import EscalationPolicy, build_calendar, build_contacts, build_policy

HOLIDAY_YEARS = range(2020, 2041)  # the calendar knows holidays for these years
# "public": national holidays; "government": cuti bersama, the joint leave days of the
# civil service set each year by SKB of three ministers (the package lists those published).
HOLIDAY_CATEGORIES = ("public", "government")


def package_holidays(years: Iterable[int] = HOLIDAY_YEARS) -> frozenset[date]:
    """Indonesia's public holidays and cuti bersama as the pinned ``holidays`` package lists
    them (pure data, no network)."""
    return frozenset(holidays.Indonesia(years=years, categories=HOLIDAY_CATEGORIES).keys())


def load_calendar(raw_calendar: Any, file: str) -> WorkingCalendar:
    """The package's holidays with the corrections of ``escalation.yaml`` applied."""
    return build_calendar(raw_calendar, package_holidays(), file)


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
