"""The city's units of authority and complaint categories, validated.

Pure: takes already-parsed mappings (see ``shared.adapters.catalog_files`` for the YAML
reader) and either returns a consistent ``Catalog`` or raises ``CatalogError``
naming the file, the entry and the problem.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

UNIT_KINDS = ("opd", "kecamatan", "kelurahan", "setda", "walikota")
LOCATION_UNIT = "@kelurahan"  # default_unit of a category routed to the complaint's kelurahan
TRIAGE_UNIT = "diskominfo"


class CatalogError(ValueError):
    """A configuration file is inconsistent. The message names file, entry and problem."""

    def __init__(self, file: str, entry: str, problem: str):
        super().__init__(f"{file}: entry '{entry}': {problem}")
        self.file, self.entry, self.problem = file, entry, problem


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str
    parent: str | None
    lapor_account: str | None = None  # the unit's SP4N-LAPOR! admin account (sub-instansi id)


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    description: str
    default_unit: str  # a unit id, or LOCATION_UNIT
    sla_days: int

    @property
    def location_scoped(self) -> bool:
        return self.default_unit == LOCATION_UNIT


@dataclass(frozen=True)
class Catalog:
    units: Mapping[str, Unit]
    categories: Mapping[str, Category]
    triage_unit: str = TRIAGE_UNIT
    _children: Mapping[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def unit(self, unit_id: str) -> Unit:
        return self.units[unit_id]

    def chain_of_authority(self, unit_id: str) -> list[Unit]:
        """The unit, then its parent, and so on up to the top (``walikota``)."""
        chain: list[Unit] = []
        current: str | None = unit_id
        while current is not None:
            unit = self.units[current]
            chain.append(unit)
            current = unit.parent
        return chain

    def kelurahan(self) -> list[Unit]:
        return [u for u in self.units.values() if u.kind == "kelurahan"]

    def kecamatan(self) -> list[Unit]:
        return [u for u in self.units.values() if u.kind == "kecamatan"]

    def children(self, unit_id: str) -> tuple[str, ...]:
        return self._children.get(unit_id, ())

    def unit_for_lapor_account(self, account: str | None) -> Unit | None:
        """The unit whose SP4N-LAPOR! account (sub-instansi) this is; None for an unknown or empty one."""
        return self._by_lapor_account.get(account) if account else None

    @cached_property
    def _by_lapor_account(self) -> Mapping[str, Unit]:
        return {u.lapor_account: u for u in self.units.values() if u.lapor_account}


def _require(file: str, entry: str, raw: Mapping[str, Any], key: str, kind: type) -> Any:
    value = raw.get(key)
    if not isinstance(value, kind) or (isinstance(value, str) and not value.strip()):
        raise CatalogError(file, entry, f"field '{key}' must be a non-empty {kind.__name__}")
    return value


def _entries(file: str, raw: Any, key: str) -> Iterable[tuple[int, Mapping[str, Any]]]:
    if not isinstance(raw, Mapping) or not isinstance(raw.get(key), list):
        raise CatalogError(file, key, f"the file must hold a mapping with a '{key}' list")
    for index, item in enumerate(raw[key]):
        if not isinstance(item, Mapping):
            raise CatalogError(file, f"#{index}", "each entry must be a mapping")
        yield index, item


def build_units(raw: Any, file: str = "units.yaml") -> dict[str, Unit]:
    units: dict[str, Unit] = {}
    accounts: dict[str, str] = {}  # lapor_account -> unit id: one account per unit
    for index, item in _entries(file, raw, "units"):
        uid = _require(file, f"#{index}", item, "id", str)
        if uid in units:
            raise CatalogError(file, uid, "duplicate id")
        kind = _require(file, uid, item, "kind", str)
        if kind not in UNIT_KINDS:
            raise CatalogError(file, uid, f"unknown kind '{kind}' (expected one of {', '.join(UNIT_KINDS)})")
        parent = item.get("parent")
        if parent is not None and not isinstance(parent, str):
            raise CatalogError(file, uid, "field 'parent' must be a unit id")
        units[uid] = Unit(uid, _require(file, uid, item, "name", str), kind, parent,
                          _lapor_account(file, uid, item, accounts))
    for unit in units.values():
        if unit.parent is not None and unit.parent not in units:
            raise CatalogError(file, unit.id, f"unknown parent '{unit.parent}'")
    _reject_cycles(file, units)
    return units


def _lapor_account(file: str, uid: str, item: Mapping[str, Any], accounts: dict[str, str]) -> str | None:
    """The unit's LAPOR! sub-instansi id (absent or null: none), unique across units; recorded in ``accounts``."""
    account = item.get("lapor_account")
    if account is None:
        return None
    if not isinstance(account, str) or not account or any(c.isspace() for c in account):
        raise CatalogError(file, uid, "field 'lapor_account' must be a non-empty sub-instansi id without spaces")
    if account in accounts:
        raise CatalogError(file, uid, f"lapor_account '{account}' is already the account of '{accounts[account]}'")
    accounts[account] = uid
    return account


def _reject_cycles(file: str, units: Mapping[str, Unit]) -> None:
    for start in units:
        seen: list[str] = []
        current: str | None = start
        while current is not None:
            if current in seen:
                loop = " -> ".join(seen[seen.index(current):] + [current])
                raise CatalogError(file, start, f"cycle in parents: {loop}")
            seen.append(current)
            current = units[current].parent


def build_categories(raw: Any, units: Mapping[str, Unit], file: str = "categories.yaml") -> dict[str, Category]:
    categories: dict[str, Category] = {}
    for index, item in _entries(file, raw, "categories"):
        code = _require(file, f"#{index}", item, "code", str)
        if code in categories:
            raise CatalogError(file, code, "duplicate code")
        unit = _require(file, code, item, "default_unit", str)
        if unit != LOCATION_UNIT and unit not in units:
            raise CatalogError(file, code, f"default_unit '{unit}' is not a known unit")
        sla = item.get("sla_days")
        if not isinstance(sla, int) or isinstance(sla, bool) or sla <= 0:
            raise CatalogError(file, code, "field 'sla_days' must be a positive integer")
        categories[code] = Category(
            code=code,
            name=_require(file, code, item, "name", str),
            description=_require(file, code, item, "description", str),
            default_unit=unit,
            sla_days=sla,
        )
    return categories


def build_catalog(units_raw: Any, categories_raw: Any, *, units_file: str = "units.yaml",
                  categories_file: str = "categories.yaml") -> Catalog:
    units = build_units(units_raw, units_file)
    if TRIAGE_UNIT not in units:
        raise CatalogError(units_file, TRIAGE_UNIT, "the triage unit must exist")
    categories = build_categories(categories_raw, units, categories_file)
    children: dict[str, list[str]] = {}
    for unit in units.values():
        if unit.parent:
            children.setdefault(unit.parent, []).append(unit.id)
    return Catalog(units, categories, TRIAGE_UNIT, {k: tuple(v) for k, v in children.items()})
