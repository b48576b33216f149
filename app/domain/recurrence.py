"""A series' rule and its occurrences: every N days, weeks (on given weekdays) or months (on the same day, or the
same weekday, of the month) from a first day, at one wall-clock time, for a count or up to a last day.

Occurrences are days first, then that wall-clock time in the clinic's zone: a weekly 09:00 stays at 09:00 across
daylight-saving changes (its moment in UTC moves instead). A time a spring-forward change skips is read as the moment
of the change, a repeated one as its first pass (`wall_time_to_utc`), as for working hours.

Monthly by day: the first day's day of the month; a month without it (the 31st in April, the 30th in February) gets
its last day instead, and the months after go back to it. Monthly by weekday: the same weekday in the same week of
the month (the 2nd Tuesday); a first day in the month's fifth week means the month's last such weekday.
"""

import calendar
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Self
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator

from app.domain.errors import InvalidInput
from app.domain.models import Day, InputModel
from app.domain.slots import wall_time_to_utc

MAX_OCCURRENCES = 104  # two years of a weekly series
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ORDINALS = ("1st", "2nd", "3rd", "4th", "last")


def weekday_of_the_month(day: date) -> str:
    """Which weekday of its month `day` is, as a monthly series by weekday repeats it: "2nd Tue", or "last Tue" from
    the 29th (a month's fifth such weekday, which shorter months lack)."""
    return f"{ORDINALS[(day.day - 1) // 7]} {WEEKDAY_NAMES[day.weekday()]}"


class Unit(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class MonthlyBy(StrEnum):
    DAY = "day"  # the 14th of each month
    WEEKDAY = "weekday"  # the 2nd Tuesday of each month


Weekday = Annotated[int, Field(ge=1, le=7, strict=True)]


class Recurrence(InputModel):
    first_day: Day
    wall_time: time
    every: Annotated[int, Field(ge=1, le=52, strict=True)] = 1
    unit: Unit = Unit.WEEK
    weekdays: Annotated[tuple[Weekday, ...], Field(max_length=7)] = ()  # weekly: 1 = Monday; none: the first day's
    monthly_by: MonthlyBy = MonthlyBy.DAY
    count: Annotated[int, Field(ge=1, le=MAX_OCCURRENCES, strict=True)] | None = None
    until: Day | None = None  # the last day an occurrence may fall on

    @model_validator(mode="after")
    def _bounded(self) -> Self:
        """The rule as a whole; refused naming the field to correct (raised as it is: pydantic passes it on)."""
        if (self.count is None) == (self.until is None):
            raise InvalidInput.single("count", "give either a count or an end date (until), not both")
        if self.weekdays and self.unit is not Unit.WEEK:
            raise InvalidInput.single("weekdays", "go with a weekly series only")
        if self.until is not None and self.until < self.first_day:
            raise InvalidInput.single("until", "must not be before the first day")
        if self.until is not None and len(self.days()) > MAX_OCCURRENCES:
            raise InvalidInput.single("until", f"gives more than {MAX_OCCURRENCES} occurrences; choose an earlier day")
        if not self.days():  # weekdays that all fall after `until` in its only week
            raise InvalidInput.single("until", "gives no occurrence: choose a later day or other weekdays")
        return self

    def days(self) -> list[date]:
        """The occurrences' days in order (one more than MAX_OCCURRENCES at most, to tell that it is too many)."""
        limit = self.count or MAX_OCCURRENCES + 1
        found = []
        for day in self._candidate_days():
            if self.until is not None and day > self.until:
                break
            found.append(day)
            if len(found) == limit:
                break
        return found

    def starts(self, zone: ZoneInfo) -> list[datetime]:
        """The occurrences' moments (UTC), at the wall-clock time in `zone` on each day."""
        return [wall_time_to_utc(day, self.wall_time, zone) for day in self.days()]

    def _candidate_days(self) -> Iterator[date]:
        """Every day the rule gives from the first day on, without end."""
        if self.unit is Unit.DAY:
            step = 0
            while True:
                yield self.first_day + timedelta(days=step * self.every)
                step += 1
        elif self.unit is Unit.WEEK:
            yield from self._weekly_days()
        else:
            yield from self._monthly_days()

    def _weekly_days(self) -> Iterator[date]:
        monday = self.first_day - timedelta(days=self.first_day.weekday())
        weekdays = sorted(set(self.weekdays or [self.first_day.isoweekday()]))
        while True:
            for weekday in weekdays:
                day = monday + timedelta(days=weekday - 1)
                if day >= self.first_day:
                    yield day
            monday += timedelta(weeks=self.every)

    def _monthly_days(self) -> Iterator[date]:
        months = self.first_day.year * 12 + self.first_day.month - 1
        while True:
            year, month = divmod(months, 12)
            yield self._day_in_month(year, month + 1)
            months += self.every

    def _day_in_month(self, year: int, month: int) -> date:
        last = calendar.monthrange(year, month)[1]
        if self.monthly_by is MonthlyBy.DAY:
            return date(year, month, min(self.first_day.day, last))
        week = (self.first_day.day - 1) // 7  # 0 = 1st .. 4 = last
        if week == 4:
            last_day = date(year, month, last)
            return last_day - timedelta(days=(last_day.weekday() - self.first_day.weekday()) % 7)
        first_of_month = date(year, month, 1)
        first_such = first_of_month + timedelta(days=(self.first_day.weekday() - first_of_month.weekday()) % 7)
        return first_such + timedelta(weeks=week)

    def describe(self) -> str:
        """The rule in words: "every 2 weeks on Mon, Thu at 09:00, 10 times"."""
        unit = self.unit.value if self.every == 1 else f"{self.every} {self.unit.value}s"
        words = f"every {unit}"
        if self.unit is Unit.WEEK:
            weekdays = self.weekdays or [self.first_day.isoweekday()]
            words += " on " + ", ".join(WEEKDAY_NAMES[day - 1] for day in sorted(set(weekdays)))
        elif self.unit is Unit.MONTH and self.monthly_by is MonthlyBy.WEEKDAY:
            words += f" on the {weekday_of_the_month(self.first_day)}"
        elif self.unit is Unit.MONTH:
            words += (
                f" on day {self.first_day.day} (a shorter month's last day)"
                if self.first_day.day > 28
                else (f" on day {self.first_day.day}")
            )
        words += f" at {self.wall_time:%H:%M}"
        return words + (f", {self.count} times" if self.count else f", until {self.until:%a %d %b %Y}")
