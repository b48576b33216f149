"""A series' occurrences: days by the rule, wall-clock times kept across daylight-saving changes, the month-end rule."""

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import InvalidInput
from app.domain.models import validate
from app.domain.recurrence import MAX_OCCURRENCES, MonthlyBy, Recurrence, Unit

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Havana", "Asia/Kolkata"]
# Nights the clocks go back (a repeated hour) and forward (a skipped one), 2029.
FALL_BACK = {"Europe/Berlin": date(2029, 10, 28), "America/New_York": date(2029, 11, 4)}
SPRING_FORWARD = {"Europe/Berlin": date(2029, 3, 25), "America/New_York": date(2029, 3, 11)}


def rule(**values) -> Recurrence:
    return validate(Recurrence, **{"first_day": date(2029, 1, 1), "wall_time": time(9), **values})


@given(
    zone=st.sampled_from(ZONES),
    first_day=st.dates(date(2029, 1, 1), date(2030, 12, 31)),
    wall_time=st.sampled_from([time(7), time(9), time(12, 30), time(17, 45)]),
    every=st.integers(1, 4),
    count=st.integers(1, 60),
)
def test_a_weekly_series_keeps_its_wall_clock_time_across_every_clock_change(zone, first_day, wall_time, every, count):
    tz = ZoneInfo(zone)
    starts = rule(first_day=first_day, wall_time=wall_time, every=every, count=count).starts(tz)
    assert len(starts) == count
    for start in starts:
        assert start.tzinfo is UTC or start.utcoffset() == timedelta(0)
        assert start.astimezone(tz).time() == wall_time
    for earlier, later in pairwise(starts):  # a whole number of weeks apart on the calendar, whatever UTC says
        local_gap = later.astimezone(tz).date() - earlier.astimezone(tz).date()
        assert local_gap == timedelta(weeks=every)


@pytest.mark.parametrize("zone", sorted(FALL_BACK))
def test_a_weekly_series_at_the_repeated_hour_takes_its_first_pass_on_the_fall_back_night(zone):
    tz = ZoneInfo(zone)
    night = FALL_BACK[zone]
    wall = time(1, 30) if zone == "America/New_York" else time(2, 30)  # the hour that happens twice
    starts = rule(first_day=night - timedelta(weeks=1), wall_time=wall, count=3).starts(tz)
    on_the_night = starts[1]
    assert on_the_night.astimezone(tz).replace(tzinfo=None) == datetime.combine(night, wall)
    assert on_the_night.astimezone(tz).fold == 0  # the first pass: summer time still
    assert on_the_night.astimezone(tz).utcoffset() == starts[0].astimezone(tz).utcoffset()
    assert starts[2].astimezone(tz).time() == wall


@pytest.mark.parametrize("zone", sorted(SPRING_FORWARD))
def test_a_weekly_series_at_a_skipped_time_takes_the_moment_of_the_change(zone):
    tz = ZoneInfo(zone)
    night = SPRING_FORWARD[zone]
    starts = rule(first_day=night - timedelta(weeks=1), wall_time=time(2, 30), count=3).starts(tz)
    assert starts[1].astimezone(tz).time() == time(3)  # 02:30 never shows on the clocks that night
    assert [start.astimezone(tz).time() for start in (starts[0], starts[2])] == [time(2, 30), time(2, 30)]


def test_weekly_on_given_weekdays_counts_occurrences_not_weeks():
    days = rule(first_day=date(2029, 1, 3), weekdays=[1, 4], count=5).days()  # a Wednesday
    assert days == [date(2029, 1, 4), date(2029, 1, 8), date(2029, 1, 11), date(2029, 1, 15), date(2029, 1, 18)]


def test_every_two_weeks_skips_the_week_between():
    days = rule(first_day=date(2029, 1, 1), every=2, weekdays=[1, 5], count=4).days()
    assert days == [date(2029, 1, 1), date(2029, 1, 5), date(2029, 1, 15), date(2029, 1, 19)]


def test_daily_every_three_days_up_to_an_end_date_includes_it():
    days = rule(first_day=date(2029, 1, 1), unit=Unit.DAY, every=3, until=date(2029, 1, 10)).days()
    assert days == [date(2029, 1, 1), date(2029, 1, 4), date(2029, 1, 7), date(2029, 1, 10)]


def test_monthly_on_the_31st_takes_a_shorter_month_s_last_day_and_goes_back_to_the_31st():
    days = rule(first_day=date(2028, 1, 31), unit=Unit.MONTH, count=5).days()
    assert days == [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31), date(2028, 4, 30), date(2028, 5, 31)]


def test_monthly_by_weekday_keeps_the_week_of_the_month():
    # 2029-01-09 is the 2nd Tuesday of January.
    days = rule(first_day=date(2029, 1, 9), unit=Unit.MONTH, monthly_by=MonthlyBy.WEEKDAY, count=3).days()
    assert days == [date(2029, 1, 9), date(2029, 2, 13), date(2029, 3, 13)]
    assert all(day.weekday() == 1 for day in days)


def test_monthly_by_weekday_in_the_fifth_week_means_the_last_such_weekday():
    # 2029-01-30 is the 5th (and last) Tuesday of January; February 2029 has four.
    days = rule(first_day=date(2029, 1, 30), unit=Unit.MONTH, monthly_by=MonthlyBy.WEEKDAY, count=3).days()
    assert days == [date(2029, 1, 30), date(2029, 2, 27), date(2029, 3, 27)]


@given(first_day=st.dates(date(2029, 1, 1), date(2030, 12, 31)), every=st.integers(1, 3), count=st.integers(1, 30))
def test_monthly_by_day_falls_on_the_first_day_s_day_or_the_month_s_last(first_day, every, count):
    days = rule(first_day=first_day, unit=Unit.MONTH, every=every, count=count).days()
    assert len(days) == count and days[0] == first_day
    for earlier, later in pairwise(days):
        assert (later.year * 12 + later.month) - (earlier.year * 12 + earlier.month) == every
    for day in days:
        next_day = day + timedelta(days=1)
        assert day.day == first_day.day or (day.day < first_day.day and next_day.month != day.month)


def test_the_rule_in_words():
    assert rule(weekdays=[4, 1], every=2, count=10).describe() == "every 2 weeks on Mon, Thu at 09:00, 10 times"
    monthly = rule(first_day=date(2029, 1, 31), unit=Unit.MONTH, until=date(2029, 6, 30))
    assert monthly.describe() == "every month on day 31 (a shorter month's last day) at 09:00, until Sat 30 Jun 2029"
    by_weekday = rule(first_day=date(2029, 1, 9), unit=Unit.MONTH, monthly_by=MonthlyBy.WEEKDAY, count=3)
    assert by_weekday.describe() == "every month on the 2nd Tue at 09:00, 3 times"


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({}, "count", "give either a count or an end date"),
        ({"count": 3, "until": date(2029, 2, 1)}, "count", "not both"),
        ({"count": 0}, "count", "greater than or equal to 1"),
        ({"count": MAX_OCCURRENCES + 1}, "count", f"less than or equal to {MAX_OCCURRENCES}"),
        ({"every": 0, "count": 2}, "every", "greater than or equal to 1"),
        ({"weekdays": [8], "count": 2}, "weekdays.0", "less than or equal to 7"),
        ({"unit": "day", "weekdays": [1], "count": 2}, "weekdays", "go with a weekly series only"),
        ({"until": date(2028, 12, 1)}, "until", "must not be before the first day"),
        ({"unit": "day", "until": date(2029, 12, 31)}, "until", f"more than {MAX_OCCURRENCES} occurrences"),
        ({"unit": "fortnight", "count": 2}, "unit", "'day', 'week' or 'month'"),
        # A Wednesday, Mondays only, until the Friday: no Monday falls in between.
        ({"first_day": date(2029, 1, 3), "weekdays": [1], "until": date(2029, 1, 5)}, "until", "gives no occurrence"),
    ],
)
def test_a_rule_that_cannot_be_used_is_refused_naming_the_field(values, field, words):
    with pytest.raises(InvalidInput) as refused:
        rule(**values)
    assert [error.field for error in refused.value.errors] == [field]
    assert words in refused.value.errors[0].message
