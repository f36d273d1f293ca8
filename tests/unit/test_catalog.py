from typing import Any

import pytest
import yaml

from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR, load_catalog
from shared.domain.catalog import CatalogError, build_catalog

UNITS: dict[str, list[dict[str, Any]]] = {"units": [
    {"id": "walikota", "name": "Wali Kota", "kind": "walikota", "parent": None},
    {"id": "setda", "name": "Setda", "kind": "setda", "parent": "walikota"},
    {"id": "diskominfo", "name": "Diskominfo", "kind": "opd", "parent": "setda"},
]}
CATEGORIES: dict[str, list[dict[str, Any]]] = {"categories": [
    {"code": "lainnya", "name": "Lainnya", "description": "Anything", "default_unit": "diskominfo", "sla_days": 5},
]}


def with_unit(**unit):
    return {"units": UNITS["units"] + [unit]}


def test_kota_metro_catalog_has_the_contract_ids():
    catalog = load_catalog()
    assert len(catalog.kelurahan()) == 22 and len(catalog.kecamatan()) == 5
    for uid in ("kel-hadimulyo-barat", "kel-ganjar-agung", "kel-tejo-agung", "kel-sumbersari",
                "perumda-air-minum", "rsud-ahmad-yani", "inspektorat", "diskominfo"):
        assert uid in catalog.units
    assert catalog.unit("kel-ganjar-agung").parent == "kec-metro-barat"
    assert catalog.categories["bencana"].sla_days == 2
    assert catalog.categories["layanan-kelurahan"].location_scoped
    assert catalog.categories["pungli-aparatur"].default_unit == "inspektorat"


def test_every_unit_reaches_walikota():
    catalog = load_catalog()
    for uid in catalog.units:
        assert catalog.chain_of_authority(uid)[-1].id == "walikota"
    assert [u.id for u in catalog.chain_of_authority("kel-yosodadi")] == [
        "kel-yosodadi", "kec-metro-timur", "setda", "walikota"]


@pytest.mark.parametrize("units, problem", [
    (with_unit(id="dlh", name="DLH", kind="opd", parent="nowhere"), "unknown parent 'nowhere'"),
    (with_unit(id="setda", name="Again", kind="setda", parent="walikota"), "duplicate id"),
    (with_unit(id="dlh", name="DLH", kind="dinas", parent="setda"), "unknown kind 'dinas'"),
    (with_unit(id="dlh", name="", kind="opd", parent="setda"), "field 'name'"),
])
def test_bad_units_are_named(units, problem):
    with pytest.raises(CatalogError) as err:
        build_catalog(units, CATEGORIES, units_file="units.yaml")
    assert problem in str(err.value) and str(err.value).startswith("units.yaml: entry ")


def test_cycle_is_refused_with_its_path():
    units = {"units": UNITS["units"] + [
        {"id": "a", "name": "A", "kind": "opd", "parent": "b"},
        {"id": "b", "name": "B", "kind": "opd", "parent": "a"}]}
    with pytest.raises(CatalogError, match="cycle in parents: a -> b -> a"):
        build_catalog(units, CATEGORIES)


def test_category_pointing_at_unknown_unit_is_refused():
    categories = {"categories": CATEGORIES["categories"] + [
        {"code": "x", "name": "X", "description": "X", "default_unit": "dinas-hantu", "sla_days": 5}]}
    with pytest.raises(CatalogError) as err:
        build_catalog(UNITS, categories, categories_file="categories.yaml")
    assert err.value.file == "categories.yaml" and err.value.entry == "x"
    assert "dinas-hantu" in err.value.problem


@pytest.mark.parametrize("sla", [0, -2, "5", True])
def test_sla_must_be_a_positive_integer(sla):
    categories = {"categories": [dict(CATEGORIES["categories"][0], sla_days=sla)]}
    with pytest.raises(CatalogError, match="sla_days"):
        build_catalog(UNITS, categories)


def test_loading_names_the_file(tmp_path):
    (tmp_path / "units.yaml").write_text(yaml.safe_dump(with_unit(id="x", name="X", kind="opd", parent="y")))
    (tmp_path / "categories.yaml").write_text((DEFAULT_CATALOG_DIR / "categories.yaml").read_text())
    with pytest.raises(CatalogError) as err:
        load_catalog(tmp_path)
    assert str(tmp_path / "units.yaml") in str(err.value)


def test_every_shipped_unit_has_its_own_lapor_account_and_the_lookup_finds_it():
    catalog = load_catalog()
    accounts = [u.lapor_account for u in catalog.units.values()]
    assert all(accounts) and len(set(accounts)) == len(accounts)
    for unit in catalog.units.values():
        assert catalog.unit_for_lapor_account(unit.lapor_account) == unit
    assert catalog.unit("dlh").lapor_account == "metro-dlh"
    assert catalog.unit_for_lapor_account("metro-kel-yosodadi").id == "kel-yosodadi"
    assert catalog.unit_for_lapor_account("metro-dinas-hantu") is None
    assert catalog.unit_for_lapor_account(None) is None and catalog.unit_for_lapor_account("") is None


def test_a_unit_without_lapor_account_has_none():
    catalog = build_catalog(UNITS, CATEGORIES)
    assert catalog.unit("diskominfo").lapor_account is None
    assert catalog.unit_for_lapor_account("metro-diskominfo") is None


@pytest.mark.parametrize("account, problem", [
    ("", "field 'lapor_account'"), ("  ", "field 'lapor_account'"), ("metro dlh", "field 'lapor_account'"),
    (42, "field 'lapor_account'"), ("metro-setda", "lapor_account 'metro-setda' is already the account of 'setda'"),
])
def test_bad_lapor_accounts_are_named(account, problem):
    units = {"units": [dict(u, lapor_account=f"metro-{u['id']}") for u in UNITS["units"]]
             + [{"id": "dlh", "name": "DLH", "kind": "opd", "parent": "setda", "lapor_account": account}]}
    with pytest.raises(CatalogError) as err:
        build_catalog(units, CATEGORIES, units_file="units.yaml")
    assert err.value.file == "units.yaml" and err.value.entry == "dlh" and problem in err.value.problem
