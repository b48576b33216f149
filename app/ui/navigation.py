"""Which days a calendar view shows, and where Today / previous / next lead. Pure date arithmetic."""

import calendar
from datetime import date, timedelta
from enum import StrEnum

from app.ui.dates import LONG_DAY, MONTH, day_words


class ViewMode(StrEnum):
    MONTH = "month"
    WEEK = "week"
    DAY = "day"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_grid_start(day: date) -> date:
    """The Monday on or before the first of `day`'s month: the month grid's first cell."""
    return week_start(day.replace(day=1))


def visible_range(mode: ViewMode, anchor: date) -> tuple[date, date]:
    """First and last day (inclusive) a view shows around `anchor`; the month grid shows six whole weeks."""
    if mode is ViewMode.DAY:
        return anchor, anchor
    if mode is ViewMode.WEEK:
        first = week_start(anchor)
        return first, first + timedelta(days=6)
    first = month_grid_start(anchor)
    return first, first + timedelta(days=41)


def shown_days(mode: ViewMode, anchor: date) -> tuple[date, date]:
    """The days a view is of: as `visible_range`, but a month's own days, not the grid's neighbours."""
    if mode is ViewMode.MONTH:
        first = anchor.replace(day=1)
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return visible_range(mode, anchor)


def step(mode: ViewMode, anchor: date, direction: int) -> date:
    """The anchor one view forwards (+1) or backwards (-1). A month step keeps the day where it can
    (31 January -> 28 or 29 February)."""
    if mode is ViewMode.DAY:
        return anchor + timedelta(days=direction)
    if mode is ViewMode.WEEK:
        return anchor + timedelta(weeks=direction)
    months = anchor.year * 12 + anchor.month - 1 + direction
    year, month = divmod(months, 12)
    month += 1
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


def title(mode: ViewMode, anchor: date) -> str:
    """The heading over the calendar: the month, the week's first and last day, or the full date."""
    if mode is ViewMode.MONTH:
        return day_words(anchor, MONTH)
    if mode is ViewMode.DAY:
        return day_words(anchor, LONG_DAY)
    first, last = visible_range(mode, anchor)
    if first.month == last.month:
        return f"{first.day} – {day_words(last, 'd MMM yyyy')}"
    if first.year == last.year:
        return f"{day_words(first, 'd MMM')} – {day_words(last, 'd MMM yyyy')}"
    return f"{day_words(first, 'd MMM yyyy')} – {day_words(last, 'd MMM yyyy')}"
