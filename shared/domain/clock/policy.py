"""The escalation policy and the unit contacts, validated. Pure: takes parsed YAML
(``shared.adapters.escalation_files`` reads the files) and the holidays as dates, and
returns values or raises ``CatalogError`` naming the file, the entry and the problem.
Every number is configuration (PermenPANRB 62/2018 may be revised), none is code."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from shared.domain.catalog import Catalog, CatalogError
from shared.domain.clock.calendar import WorkingCalendar

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class SlaClass:
    sla_days: int               # the completion target of the category (national)
    first_response_days: int    # acknowledgement or first follow-up, internal
    completion_days: int        # internal completion deadline, at most sla_days


@dataclass(frozen=True)
class EscalationPolicy:
    classes: Mapping[int, SlaClass]
    triage_days: int            # a case waiting at the coordinator (diskominfo)
    reminder_days_before: int   # 0 = no reminders
    step_days: int              # working days between two levels once a deadline is missed
    copies: Mapping[str, frozenset[int]]  # unit id -> levels on which its admins are copied
    digest_from_level: int      # from this level on, leadership hears through the daily digest
    national_follow_up_days: int
    completion_rule_days: int = 10  # national: a follow-up and this many working days without a reply close it

    def sla_class(self, sla_days: int) -> SlaClass:
        return self.classes[sla_days]


@dataclass(frozen=True)
class Contact:
    name: str
    role: str
    addresses: Mapping[str, str]  # channel -> address (email, whatsapp, ...)


@dataclass(frozen=True)
class UnitContacts:
    admins: tuple[Contact, ...]
    head: Contact


def _positive(file: str, entry: str, raw: Mapping[str, Any], key: str, minimum: int = 1) -> int:
    value = raw.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise CatalogError(file, entry, f"field '{key}' must be an integer >= {minimum}")
    return value


def _mapping(file: str, entry: str, raw: Any) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise CatalogError(file, entry, "must be a mapping")
    return raw


def _date(file: str, entry: str, value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CatalogError(file, entry, f"'{value}' is not a date (YYYY-MM-DD)") from None


def _corrections(file: str, raw: Any) -> tuple[set[date], set[date]]:
    """``corrections: {year: {add: [...], remove: [...]}}``: each date a date of its year."""
    added: set[date] = set()
    removed: set[date] = set()
    for year, change in _mapping(file, "calendar.corrections", raw or {}).items():
        entry = f"calendar.corrections.{year}"
        change = _mapping(file, entry, change)
        unknown = sorted(set(change) - {"add", "remove"})
        if unknown:
            raise CatalogError(file, entry, f"unknown key '{unknown[0]}' (use add and remove)")
        for key, into in (("add", added), ("remove", removed)):
            for value in change.get(key) or ():
                day = _date(file, f"{entry}.{key}", value)
                if str(day.year) != str(year):
                    raise CatalogError(file, f"{entry}.{key}", f"{day} is not in {year}")
                into.add(day)
    both = added & removed
    if both:
        raise CatalogError(file, "calendar.corrections", f"{min(both)} is both added and removed")
    return added, removed


def build_calendar(raw: Any, package_holidays: Iterable[date], file: str = "escalation.yaml") -> WorkingCalendar:
    """The working-day calendar: ``package_holidays`` (public holidays and cuti bersama, as the
    ``holidays`` package lists them) with the configured corrections applied."""
    raw = _mapping(file, "calendar", raw)
    if "cuti_bersama" in raw or "extra_holidays" in raw:
        raise CatalogError(file, "calendar", "cuti bersama come from the holidays package; list only "
                                             "differences, under 'corrections: {year: {add: [...], remove: [...]}}'")
    names = raw.get("working_weekdays", list(WEEKDAYS[:5]))
    if not isinstance(names, list) or not names or any(n not in WEEKDAYS for n in names):
        raise CatalogError(file, "calendar", f"'working_weekdays' must list days among {', '.join(WEEKDAYS)}")
    try:
        ends = time.fromisoformat(str(raw.get("day_ends_at", "16:00")))
    except ValueError:
        raise CatalogError(file, "calendar", "'day_ends_at' must be a time HH:MM") from None
    added, removed = _corrections(file, raw.get("corrections"))
    days = (set(package_holidays) | added) - removed
    return WorkingCalendar(frozenset(days), frozenset(WEEKDAYS.index(n) for n in names), ends)


def build_policy(raw: Any, catalog: Catalog, file: str = "escalation.yaml") -> EscalationPolicy:
    raw = _mapping(file, "-", raw)
    national = _positive(file, "-", raw, "national_follow_up_days")
    classes: dict[int, SlaClass] = {}
    for index, item in enumerate(raw.get("sla_classes") or ()):
        item = _mapping(file, f"sla_classes#{index}", item)
        entry = f"sla_classes#{index}"
        sla = _positive(file, entry, item, "sla_days")
        cls = SlaClass(sla, _positive(file, entry, item, "first_response_days"),
                       _positive(file, entry, item, "completion_days"))
        if sla in classes:
            raise CatalogError(file, entry, f"duplicate class {sla}")
        if cls.completion_days > sla:
            raise CatalogError(file, entry, "completion_days must not exceed sla_days (internal ahead of national)")
        if cls.first_response_days > min(cls.completion_days, national):
            raise CatalogError(file, entry, "first_response_days must not exceed completion_days "
                                            "nor national_follow_up_days")
        classes[sla] = cls
    for category in catalog.categories.values():
        if category.sla_days not in classes:
            raise CatalogError(file, "sla_classes", f"no class for sla_days {category.sla_days} "
                                                    f"(category '{category.code}')")
    copies: dict[str, frozenset[int]] = {}
    for unit_id, levels in _mapping(file, "copies", raw.get("copies") or {}).items():
        if unit_id not in catalog.units:
            raise CatalogError(file, f"copies.{unit_id}", "unknown unit")
        if not isinstance(levels, list) or any(not isinstance(v, int) or v < 0 for v in levels):
            raise CatalogError(file, f"copies.{unit_id}", "must list escalation levels (integers >= 0)")
        copies[unit_id] = frozenset(levels)
    return EscalationPolicy(
        classes=classes, triage_days=_positive(file, "-", raw, "triage_days"),
        reminder_days_before=_positive(file, "-", raw, "reminder_days_before", minimum=0),
        step_days=_positive(file, "-", raw, "escalation_step_days"), copies=copies,
        digest_from_level=_positive(file, "-", raw, "digest_from_level"), national_follow_up_days=national,
        completion_rule_days=_positive(file, "-", {"national_completion_days": 10, **raw},
                                       "national_completion_days"))


def _contact(file: str, entry: str, raw: Any) -> Contact:
    raw = _mapping(file, entry, raw)
    name, role = raw.get("name"), raw.get("role")
    if not isinstance(name, str) or not name.strip() or not isinstance(role, str) or not role.strip():
        raise CatalogError(file, entry, "a contact needs a 'name' and a 'role'")
    addresses = {k: str(v) for k, v in raw.items() if k not in ("name", "role")}
    if not addresses:
        raise CatalogError(file, entry, "a contact needs at least one channel address")
    return Contact(name, role, addresses)


def build_contacts(raw: Any, catalog: Catalog, file: str = "contacts.yaml") -> dict[str, UnitContacts]:
    units = _mapping(file, "contacts", _mapping(file, "-", raw).get("contacts"))
    contacts: dict[str, UnitContacts] = {}
    for unit_id, item in units.items():
        if unit_id not in catalog.units:
            raise CatalogError(file, unit_id, "unknown unit")
        item = _mapping(file, unit_id, item)
        admins = item.get("admins")
        if not isinstance(admins, list) or not admins:
            raise CatalogError(file, unit_id, "'admins' must list at least one contact")
        contacts[unit_id] = UnitContacts(
            tuple(_contact(file, f"{unit_id}.admins#{i}", a) for i, a in enumerate(admins)),
            _contact(file, f"{unit_id}.head", item.get("head")))
    missing = sorted(set(catalog.units) - set(contacts))
    if missing:
        raise CatalogError(file, missing[0], "every unit needs contacts (admins and head)")
    return contacts
