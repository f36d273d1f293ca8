"""The escalation policy and contacts are validated on load; an error names file,
entry and problem."""
import copy
from datetime import date

import pytest
import yaml

from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR, load_catalog
from shared.adapters.escalation_files import load_escalation
from shared.domain.catalog import CatalogError
from shared.domain.clock.policy import build_calendar, build_contacts, build_policy

CATALOG = load_catalog()
POLICY = yaml.safe_load((DEFAULT_CATALOG_DIR / "escalation.yaml").read_text())
CONTACTS = yaml.safe_load((DEFAULT_CATALOG_DIR / "contacts.yaml").read_text())


def policy_with(**changes):
    raw = copy.deepcopy(POLICY)
    raw.update(changes)
    return raw


def test_the_city_policy_loads_with_a_class_for_every_category():
    escalation = load_escalation(CATALOG)
    assert sorted(escalation.policy.classes) == [2, 5, 14, 60]
    for cls in escalation.policy.classes.values():
        assert cls.first_response_days <= cls.completion_days <= cls.sla_days
    assert escalation.policy.triage_days == 3 and escalation.policy.reminder_days_before == 1
    assert set(escalation.contacts) == set(CATALOG.units)


def test_contact_addresses_are_clearly_fake():
    for unit in load_escalation(CATALOG).contacts.values():
        for contact in (*unit.admins, unit.head):
            assert contact.addresses["email"].endswith("@example.invalid")


@pytest.mark.parametrize("changes, problem", [
    ({"sla_classes": [{"sla_days": 5, "first_response_days": 2, "completion_days": 6}]}, "must not exceed sla_days"),
    ({"sla_classes": [{"sla_days": 5, "first_response_days": 5, "completion_days": 4}]}, "first_response_days"),
    ({"sla_classes": [{"sla_days": 5, "first_response_days": 2, "completion_days": 4}]}, "no class for sla_days"),
    ({"triage_days": 0}, "triage_days"),
    ({"escalation_step_days": "2"}, "escalation_step_days"),
    ({"copies": {"dinas-rahasia": [1]}}, "unknown unit"),
    ({"copies": {"diskominfo": "all"}}, "escalation levels"),
])
def test_an_invalid_policy_is_refused_with_the_problem(changes, problem):
    with pytest.raises(CatalogError, match=problem):
        build_policy(policy_with(**changes), CATALOG)


def test_calendar_corrections_must_be_in_their_year_and_be_dates():
    with pytest.raises(CatalogError, match="not in 2026"):
        build_calendar({"corrections": {2026: {"add": ["2025-12-24"]}}}, [])
    with pytest.raises(CatalogError, match="not in 2026"):
        build_calendar({"corrections": {2026: {"remove": ["2027-01-01"]}}}, [])
    with pytest.raises(CatalogError, match="is not a date"):
        build_calendar({"corrections": {2026: {"add": ["24 Desember"]}}}, [])
    with pytest.raises(CatalogError, match="unknown key 'tambah'"):
        build_calendar({"corrections": {2026: {"tambah": ["2026-12-24"]}}}, [])
    with pytest.raises(CatalogError, match="both added and removed"):
        build_calendar({"corrections": {2026: {"add": ["2026-12-24"], "remove": ["2026-12-24"]}}}, [])
    with pytest.raises(CatalogError, match="working_weekdays"):
        build_calendar({"working_weekdays": ["senin"]}, [])
    calendar = build_calendar({"corrections": {2026: {"add": [date(2026, 12, 24)], "remove": ["2026-05-15"]}}},
                              [date(2026, 12, 25), date(2026, 5, 15)])
    assert {date(2026, 12, 24), date(2026, 12, 25)} <= calendar.holidays
    assert date(2026, 5, 15) not in calendar.holidays


def test_hand_listed_cuti_bersama_are_refused_now_that_the_package_gives_them():
    for raw in ({"cuti_bersama": {2026: ["2026-12-24"]}}, {"extra_holidays": ["2026-03-20"]}):
        with pytest.raises(CatalogError, match="come from the holidays package"):
            build_calendar(raw, [])


def test_every_unit_needs_admins_and_a_head():
    raw = copy.deepcopy(CONTACTS)
    del raw["contacts"]["dlh"]
    with pytest.raises(CatalogError, match="every unit needs contacts"):
        build_contacts(raw, CATALOG)
    raw = copy.deepcopy(CONTACTS)
    raw["contacts"]["dlh"]["admins"] = []
    with pytest.raises(CatalogError, match="admins"):
        build_contacts(raw, CATALOG)
    raw = copy.deepcopy(CONTACTS)
    raw["contacts"]["dlh"]["head"] = {"name": "Kepala DLH", "role": "Kepala"}
    with pytest.raises(CatalogError, match="channel address"):
        build_contacts(raw, CATALOG)
