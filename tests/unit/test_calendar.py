"""The working-day calendar: the configured Kota Metro calendar (the holidays package's
public holidays and cuti bersama + the corrections of escalation.yaml), its edge cases
and its laws."""
from datetime import UTC, date, datetime, time, timedelta

import holidays
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.adapters.catalog_files import DEFAULT_CATALOG_DIR, load_catalog
from shared.adapters.escalation_files import load_escalation, package_holidays
from shared.domain.clock.calendar import WIB, WorkingCalendar

CAL = load_escalation(load_catalog()).rules.calendar


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


def close(y, m, d) -> datetime:
    return wib(y, m, d, 16, 0)


def test_weekends_public_holidays_and_cuti_bersama_are_not_working_days():
    assert CAL.is_working_day(date(2026, 11, 27))          # Friday
    assert not CAL.is_working_day(date(2026, 11, 28))      # Saturday
    assert not CAL.is_working_day(date(2026, 8, 17))       # Hari Kemerdekaan (holidays package)
    assert not CAL.is_working_day(date(2026, 12, 24))      # cuti bersama Natal (configuration)


# The calendar before cuti bersama came from the package: its public holidays (category
# "public") + the joint leave days hand-listed per year in escalation.yaml + the one
# correction listed there (Idul Fitri 1447 H on 20 March 2026).
HAND_LISTED_CUTI_BERSAMA = {
    2025: ["2025-01-28", "2025-03-28", "2025-04-02", "2025-04-03", "2025-04-04", "2025-04-07", "2025-05-13",
           "2025-05-30", "2025-06-09", "2025-08-18", "2025-12-26"],
    2026: ["2026-02-16", "2026-03-18", "2026-03-20", "2026-03-23", "2026-03-24", "2026-05-15", "2026-05-28",
           "2026-12-24"],
}
HAND_LISTED_EXTRA = ["2026-03-20"]


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_calendar_is_the_hand_listed_one_for_2025_and_2026(year):
    public = holidays.Indonesia(years=year, categories=("public",)).keys()
    before = set(public) | {date.fromisoformat(d) for d in HAND_LISTED_CUTI_BERSAMA[year] + HAND_LISTED_EXTRA
                            if d.startswith(str(year))}
    assert {d for d in CAL.holidays if d.year == year} == before
    days = [date(year, 1, 1) + timedelta(days=n) for n in range(366 if year % 4 == 0 else 365)]
    assert [CAL.is_working_day(d) for d in days] == [d.weekday() < 5 and d not in before for d in days]


def test_every_configured_correction_changes_the_package_calendar():
    """A correction the package has caught up with is dropped from escalation.yaml."""
    raw = yaml.safe_load((DEFAULT_CATALOG_DIR / "escalation.yaml").read_text())["calendar"]
    package = package_holidays()
    for year, change in (raw.get("corrections") or {}).items():
        assert not {date.fromisoformat(str(d)) for d in change.get("add") or ()} & package, year
        assert {date.fromisoformat(str(d)) for d in change.get("remove") or ()} <= package, year


def test_a_case_received_on_friday_evening_counts_from_monday():
    assert CAL.add_working_days(wib(2026, 11, 27, 21, 30), 1) == close(2026, 11, 30)


def test_the_local_date_decides_not_the_utc_date():
    # Friday 18:00 UTC is Saturday 01:00 WIB: still the next working day is Monday.
    friday_utc = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    assert CAL.add_working_days(friday_utc, 1) == close(2026, 11, 30)
    # Thursday 20:00 UTC is Friday 03:00 WIB: Friday is the day of receipt, Monday is day 1.
    assert CAL.add_working_days(datetime(2026, 11, 26, 20, 0, tzinfo=UTC), 1) == close(2026, 11, 30)


def test_a_case_received_on_a_holiday_counts_from_the_next_working_day():
    assert CAL.add_working_days(wib(2026, 8, 17, 9, 0), 1) == close(2026, 8, 18)


def test_the_year_boundary_skips_christmas_cuti_bersama_and_new_year():
    # Wed 24 Dec 2025: 25 (Natal), 26 (cuti bersama), 27-28 (weekend) do not count.
    assert CAL.add_working_days(wib(2025, 12, 24, 10, 0), 2) == close(2025, 12, 30)
    # Wed 31 Dec 2025 -> 1 Jan 2026 is a holiday -> Friday 2 January.
    assert CAL.add_working_days(wib(2025, 12, 31, 10, 0), 1) == close(2026, 1, 2)
    assert CAL.working_days_between(wib(2025, 12, 24, 10, 0), close(2026, 1, 2)) == 4


def test_lebaran_2026_with_its_cuti_bersama():
    # Tue 17 Mar 2026: 18 (cuti Nyepi), 19 (Nyepi), 20 (Idul Fitri, corrected), 21-22,
    # 23-24 (cuti bersama Idul Fitri): the first working day after is Wednesday 25 March.
    assert CAL.add_working_days(wib(2026, 3, 17, 10, 0), 1) == close(2026, 3, 25)
    assert CAL.working_days_before(close(2026, 3, 25), 1) == close(2026, 3, 17)


def test_a_reminder_one_working_day_before_a_monday_deadline_comes_on_friday():
    assert CAL.working_days_before(close(2026, 11, 30), 1) == close(2026, 11, 27)


def test_counting_needs_whole_working_days():
    start = wib(2026, 11, 23, 10, 0)                       # Monday
    assert CAL.working_days_between(start, wib(2026, 11, 24, 15, 59)) == 0
    assert CAL.working_days_between(start, close(2026, 11, 24)) == 1
    assert CAL.working_days_between(close(2026, 11, 24), start) == 0


def test_zero_days_and_naive_instants_are_refused():
    with pytest.raises(ValueError):
        CAL.add_working_days(wib(2026, 11, 23), 0)
    with pytest.raises(ValueError):
        CAL.add_working_days(datetime(2026, 11, 23), 1)


instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2035, 12, 31),
                        timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(instants, st.integers(min_value=1, max_value=80))
def test_adding_then_counting_gives_back_n(start, days):
    assert CAL.working_days_between(start, CAL.add_working_days(start, days)) == days


@settings(max_examples=300, deadline=None)
@given(instants, st.integers(min_value=1, max_value=80))
def test_no_deadline_lands_on_a_weekend_or_holiday(start, days):
    deadline = CAL.add_working_days(start, days)
    local = deadline.astimezone(WIB)
    assert CAL.is_working_day(local.date()) and local.weekday() < 5
    assert local.time() == time(16, 0) and deadline > start
    reminder = CAL.working_days_before(deadline, 1)
    assert CAL.is_working_day(reminder.astimezone(WIB).date()) and reminder < deadline


@settings(max_examples=200, deadline=None)
@given(instants, st.integers(min_value=1, max_value=30), st.integers(min_value=1, max_value=30))
def test_adding_is_associative(start, first, second):
    assert CAL.add_working_days(CAL.add_working_days(start, first), second) == \
        CAL.add_working_days(start, first + second)


def test_a_calendar_without_working_weekdays_fails_instead_of_looping():
    with pytest.raises(ValueError):
        WorkingCalendar(frozenset(), frozenset()).add_working_days(wib(2026, 1, 1), 1)


def test_day_boundaries_are_in_wib():
    assert CAL.end_of_working_day(date(2026, 11, 23)) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert CAL.local_date(datetime(2026, 11, 22, 17, 0, tzinfo=UTC)) == date(2026, 11, 23)
    assert timedelta(hours=7) == WIB.utcoffset(None)
