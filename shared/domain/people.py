"""The people who answer for complaints, from contacts.yaml: each unit's admins, its head,
and the coordinators (the admins of the triage unit, Diskominfo). Pure: built from the
validated contacts (``shared.domain.clock.policy.build_contacts``) and the catalog.

What each person sees follows the chain of authority (units.yaml ``parent``):
- a unit admin: their own unit's cases (and acts on them);
- a head: the cases of their unit and of every unit under it (read-only);
- a coordinator: every case (and the coordinator's actions).

A person is found by any of their addresses (e-mail, WhatsApp number, Telegram chat id
or @username), written the way people type them: ``find("0800-0000-0005")`` finds the
contact whose whatsapp is ``+628000000005``. When the same address belongs to several
entries the first in contacts.yaml order wins (the coordinator first).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from shared.domain.catalog import Catalog
from shared.domain.clock.policy import Contact, UnitContacts
from shared.domain.unit_actions import Actor

CHANNELS = ("email", "whatsapp", "telegram")


class PersonKind(str, Enum):
    ADMIN = "admin"
    HEAD = "head"
    COORDINATOR = "coordinator"


@dataclass(frozen=True)
class Person:
    id: str                      # stable and printable: "admin:dlh:0", "head:dlh", "coordinator:diskominfo:0"
    name: str
    role: str
    unit_id: str                 # the unit in whose contacts the person is listed
    kind: PersonKind
    addresses: Mapping[str, str] = field(default_factory=dict)  # channel -> address, as in contacts.yaml
    units: frozenset[str] = frozenset()  # the units whose cases the person sees

    @property
    def email(self) -> str | None:
        return self.addresses.get("email")

    @property
    def whatsapp(self) -> str | None:
        return self.addresses.get("whatsapp")

    @property
    def telegram(self) -> str | None:
        return self.addresses.get("telegram")

    @property
    def coordinator(self) -> bool:
        return self.kind is PersonKind.COORDINATOR

    def sees(self, unit_id: str | None) -> bool:
        """Whether a case of this unit (None: not routed yet) is the person's to read."""
        return self.coordinator or (unit_id is not None and unit_id in self.units)

    def acts_on(self, unit_id: str | None) -> bool:
        """Whether the person may act on a case of this unit: a coordinator on any, an admin on their unit's."""
        return self.coordinator or (self.kind is PersonKind.ADMIN and unit_id == self.unit_id)

    def actor(self) -> Actor:
        """Who the timeline records when this person acts (the service layer's Actor)."""
        return Actor(f"person:{self.id}", self.unit_id, self.coordinator)


def normalize_address(channel: str, address: str) -> str | None:
    """The comparable form of an address on a channel; None when it cannot be one."""
    text = address.strip()
    if channel == "email":
        text = text.lower()
        return text if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text) else None
    if channel == "whatsapp":
        digits = re.sub(r"[\s().-]", "", text)
        if digits.startswith("0"):
            digits = "+62" + digits[1:]
        elif digits.startswith("62"):
            digits = "+" + digits
        return digits if re.fullmatch(r"\+\d{8,15}", digits) else None
    if channel == "telegram":
        text = text.lower()
        return text if re.fullmatch(r"@[a-z0-9_]{5,32}|-?\d{5,20}", text) else None
    return None


def _keys(address: str) -> list[tuple[str, str]]:
    """The (channel, normalized address) pairs a typed address could be."""
    found = []
    for channel in CHANNELS:
        normal = normalize_address(channel, address)
        if normal is not None:
            found.append((channel, normal))
    return found


@dataclass(frozen=True)
class People:
    persons: tuple[Person, ...]
    _by_id: Mapping[str, Person] = field(default_factory=dict, repr=False)
    _by_address: Mapping[tuple[str, str], Person] = field(default_factory=dict, repr=False)

    def get(self, person_id: str) -> Person | None:
        return self._by_id.get(person_id)

    def find(self, address: str, channel: str | None = None) -> Person | None:
        """The person with this address (any channel, or only ``channel``); None when nobody has it."""
        for key in _keys(address):
            if channel is None or key[0] == channel:
                if (person := self._by_address.get(key)) is not None:
                    return person
        return None

    def resolve(self, recipient: str) -> Person | None:
        """A case link's recipient: a Person.id, or an address the link was sent to."""
        return self.get(recipient) or self.find(recipient)

    def of_unit(self, unit_id: str) -> list[Person]:
        return [p for p in self.persons if p.unit_id == unit_id]


def _below(catalog: Catalog, unit_id: str) -> frozenset[str]:
    """The unit and every unit under it."""
    seen, todo = {unit_id}, [unit_id]
    while todo:
        for child in catalog.children(todo.pop()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return frozenset(seen)


def _person(pid: str, contact: Contact, unit_id: str, kind: PersonKind, units: Iterable[str]) -> Person:
    return Person(pid, contact.name, contact.role, unit_id, kind, dict(contact.addresses), frozenset(units))


def build_people(contacts: Mapping[str, UnitContacts], catalog: Catalog) -> People:
    triage = catalog.triage_unit
    everyone = frozenset(catalog.units)
    persons: list[Person] = []
    if triage in contacts:
        persons += [_person(f"coordinator:{triage}:{i}", c, triage, PersonKind.COORDINATOR, everyone)
                    for i, c in enumerate(contacts[triage].admins)]
    for unit_id, unit in contacts.items():
        if unit_id != triage:
            persons += [_person(f"admin:{unit_id}:{i}", c, unit_id, PersonKind.ADMIN, (unit_id,))
                        for i, c in enumerate(unit.admins)]
        persons.append(_person(f"head:{unit_id}", unit.head, unit_id, PersonKind.HEAD, _below(catalog, unit_id)))
    by_address: dict[tuple[str, str], Person] = {}
    for person in persons:
        for channel, address in person.addresses.items():
            normal = normalize_address(channel, address)
            if normal is not None:
                by_address.setdefault((channel, normal), person)
    return People(tuple(persons), {p.id: p for p in persons}, by_address)
