"""The working-day calendar (hari kerja) every deadline is counted on. Pure.

Semantics (docs/escalation.md):
- A working day is a weekday listed as working (Monday-Friday) in local time (WIB,
  UTC+7) that is neither a public holiday nor a joint leave day (cuti bersama).
- The day on which something happens never counts, whatever the hour (a case received
  on Friday at 21:00 or on a holiday starts counting on the next working day).
- ``add_working_days(t, n)`` (n >= 1) is the end of the n-th working day after the
  local date of ``t``; the end of a working day is the office closing time.
- ``working_days_between(a, b)`` counts the working days after the local date of ``a``
  that have ended by ``b``; so ``working_days_between(t, add_working_days(t, n)) == n``.
"""
from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo

WIB = timezone(timedelta(hours=7), "WIB")
_MAX_SCAN = 3660  # a run of more than ten years without a working day is a configuration error


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: Set[date]  # public holidays and cuti bersama together
    working_weekdays: Set[int] = frozenset(range(5))  # date.weekday(): Monday = 0
    day_ends_at: time = time(16, 0)
    tz: tzinfo = WIB

    def local_date(self, instant: datetime) -> date:
        if instant.tzinfo is None:
            raise ValueError("instants must carry a time zone")
        return instant.astimezone(self.tz).date()

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working_weekdays and day not in self.holidays

    def end_of_working_day(self, day: date) -> datetime:
        """The closing instant of ``day`` (UTC). Only meaningful for a working day."""
        return datetime.combine(day, self.day_ends_at, self.tz).astimezone(UTC)

    def _step(self, day: date, direction: int) -> date:
        for _ in range(_MAX_SCAN):
            day += timedelta(days=direction)
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day within {_MAX_SCAN} days of {day}")

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after ``day``."""
        return self._step(day, 1)

    def previous_working_day(self, day: date) -> date:
        return self._step(day, -1)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """The end of the ``days``-th working day after the local date of ``start``."""
        if days < 1:
            raise ValueError("add_working_days needs at least one day")
        day = self.local_date(start)
        for _ in range(days):
            day = self.next_working_day(day)
        return self.end_of_working_day(day)

    def working_days_before(self, deadline: datetime, days: int) -> datetime:
        """The end of the ``days``-th working day before the local date of ``deadline``
        (a reminder "one working day before" a deadline closing on Wednesday comes at the
        close of Tuesday)."""
        if days < 1:
            raise ValueError("working_days_before needs at least one day")
        day = self.local_date(deadline)
        for _ in range(days):
            day = self.previous_working_day(day)
        return self.end_of_working_day(day)

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days after the local date of ``start`` whose end is at or before ``end``."""
        count, day = 0, self.local_date(start)
        last = self.local_date(end)
        while day < last:
            day += timedelta(days=1)
            if self.is_working_day(day) and self.end_of_working_day(day) <= end:
                count += 1
        return count
