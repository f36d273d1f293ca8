"""People from contacts.yaml and their scope (shared/domain/people.py); signed links
(shared/web/links.py); the dashboard's Indonesian numbers; what the case page shows."""
from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.catalog_files import load_catalog
from shared.adapters.escalation_files import load_escalation
from shared.domain.case import CaseStatus
from shared.domain.people import PersonKind, build_people, normalize_address
from shared.web import links
from shared.web.people_views import applicable
from shared.web.reports_dashboard import id_number

CATALOG = load_catalog()
PEOPLE = build_people(load_escalation(CATALOG).contacts, CATALOG)
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
SECRET = "unit-test-link-secret-0123456789abcdef"


def test_every_contact_is_a_person_and_diskominfo_admins_are_coordinators():
    kinds = {p.id: p.kind for p in PEOPLE.persons}
    assert kinds["coordinator:diskominfo:0"] is PersonKind.COORDINATOR and "admin:diskominfo:0" not in kinds
    assert kinds["admin:dlh:0"] is PersonKind.ADMIN and kinds["head:dlh"] is PersonKind.HEAD
    assert sum(1 for p in PEOPLE.persons if p.kind is PersonKind.HEAD) == len(CATALOG.units)


def test_scope_follows_the_chain_of_authority():
    admin, head, camat = PEOPLE.get("admin:dlh:0"), PEOPLE.get("head:setda"), PEOPLE.get("head:kec-metro-pusat")
    coordinator, mayor = PEOPLE.get("coordinator:diskominfo:0"), PEOPLE.get("head:walikota")
    assert admin.sees("dlh") and not admin.sees("dinas-pupr") and admin.acts_on("dlh")
    assert head.sees("dlh") and head.sees("kel-metro") and not head.sees("inspektorat") and not head.acts_on("dlh")
    assert camat.sees("kel-imopuro") and not camat.sees("kel-banjarsari") and not camat.sees("dlh")
    assert mayor.units == frozenset(CATALOG.units)
    assert coordinator.sees(None) and coordinator.acts_on("dlh") and coordinator.actor().coordinator
    assert admin.actor().id == "person:admin:dlh:0" and admin.actor().unit_id == "dlh"


@pytest.mark.parametrize("typed", ["+628000000007", "628000000007", "0800 0000 007", "0800-0000-007",
                                   "LAPOR.DLH@example.invalid", " lapor.dlh@example.invalid "])
def test_a_person_is_found_by_any_address_as_typed(typed):
    assert PEOPLE.find(typed).id == "admin:dlh:0"


@pytest.mark.parametrize("typed", ["", "lapor.dlh", "+62", "nobody@example.invalid", "@x"])
def test_nobody_is_found_for_what_is_not_a_known_address(typed):
    assert PEOPLE.find(typed) is None


def test_normalize_address():
    assert normalize_address("telegram", "@Sigap_Bot") == "@sigap_bot" and normalize_address("telegram", "777001")
    assert normalize_address("whatsapp", "0812 3456 789") == "+628123456789"
    assert normalize_address("fax", "123") is None and normalize_address("email", "a@b") is None


def test_a_case_link_opens_its_case_for_its_recipient_until_it_expires():
    url = links.signed_case_url("https://sigap.example/", "lapor-51", "head:dlh", secret=SECRET, now=NOW)
    assert url.startswith("https://sigap.example/reports/kasus/lapor-51?t=")
    token = url.split("?t=")[1]
    assert links.verify_case_token(token, "lapor-51", secret=SECRET, now=NOW + timedelta(days=13)) == "head:dlh"
    for case_id, secret, now, reason in [("lapor-52", SECRET, NOW, "other_case"),
                                         ("lapor-51", "x" * 40, NOW, "invalid"),
                                         ("lapor-51", SECRET, NOW + timedelta(days=14), "expired")]:
        with pytest.raises(links.LinkRefused) as refused:
            links.verify_case_token(token, case_id, secret=secret, now=now)
        assert refused.value.reason == reason


def test_a_sign_in_token_is_short_lived_and_never_a_case_token():
    token = links.sign_in_token("admin:dlh:0", secret=SECRET, now=NOW)
    sign_in = links.verify_sign_in_token(token, secret=SECRET, now=NOW + timedelta(minutes=14))
    assert sign_in.person_id == "admin:dlh:0" and sign_in.expires_at == NOW + links.SIGN_IN_TTL and sign_in.nonce
    assert links.sign_in_token("admin:dlh:0", secret=SECRET, now=NOW) != token  # a fresh nonce each time
    with pytest.raises(links.LinkRefused, match="expired"):
        links.verify_sign_in_token(token, secret=SECRET, now=NOW + timedelta(minutes=15))
    case = links.case_token("c-1", "admin:dlh:0", secret=SECRET, now=NOW)
    with pytest.raises(links.LinkRefused, match="invalid"):
        links.verify_sign_in_token(case, secret=SECRET, now=NOW)
    with pytest.raises(links.LinkRefused, match="invalid"):
        links.verify_case_token(token, "c-1", secret=SECRET, now=NOW)
    with pytest.raises(ValueError):
        links.sign_in_token("admin:dlh:0", secret="", now=NOW)


@pytest.mark.parametrize("value,text", [(100.0, "100,0"), (33.3, "33,3"), (1234, "1.234"), (0, "0"),
                                        (None, "–"), (1234.5, "1.234,5"), (2, "2")])
def test_numbers_are_written_the_indonesian_way(value, text):
    assert id_number(value) == text


def test_the_actions_offered_follow_the_status_table():
    assert applicable(CaseStatus.ASSIGNED)[0] == "acknowledge"
    assert "resume" in applicable(CaseStatus.WAITING_REPORTER) and "acknowledge" not in applicable(
        CaseStatus.IN_PROGRESS)
    assert applicable(CaseStatus.CLOSED) == [] and applicable(CaseStatus.TRIAGE) == []
    assert applicable(CaseStatus.TRIAGE, coordinator=True) == ["reassign"]
    assert applicable(CaseStatus.RESOLVED, coordinator=True) == ["accept", "reject"]
