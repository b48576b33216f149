"""The columns of the week and day time grids, built from the schedule and the working calendar, and where their
times fall on the clinic's clock. No Qt."""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from app.domain.slots import Interval
from app.services.calendar import ProviderHours
from app.services.rooms import Room
from app.services.schedule import AppointmentView, Provider
from app.ui.dates import WEEKDAY_AND_DAY, clock, day_words
from app.ui.views.lanes import assign_lanes


@dataclass(frozen=True)
class GridColumn:
    title: str
    subtitle: str
    day: date
    provider_id: int | None  # None: several providers share the column
    working: list[Interval]  # when someone in the column works (time off included)
    time_off: list[Interval]  # working time nobody in the column can take
    appointments: list[AppointmentView]
    is_today: bool
    lanes: list[tuple[int, int]]  # per appointment, in order: (its lane, the lane count of its overlap cluster)
    room_id: int | None = None  # a room's column (the day view by rooms): a move dropped here takes that room


def week_columns(
    first_day: date,
    today: date,
    appointments: list[AppointmentView],
    calendar: dict[date, list[ProviderHours]],
    *,
    zone: ZoneInfo,
) -> list[GridColumn]:
    """The day columns of the week from `first_day` (a Monday): all seven, but a Saturday or Sunday on which the
    clinic is closed and nothing is booked gives its room to the working days. `calendar` holds one provider when one
    is shown, else all; `zone` is the clinic's, whose days the columns are."""
    by_day: dict[date, list[AppointmentView]] = {}
    for appointment in appointments:
        by_day.setdefault(appointment.starts_at.astimezone(zone).date(), []).append(appointment)
    shown_providers = {hours.provider_id for day_hours in calendar.values() for hours in day_hours}
    provider_id = next(iter(shown_providers)) if len(shown_providers) == 1 else None
    columns = []
    for offset in range(7):
        day = first_day + timedelta(days=offset)
        shown = by_day.get(day, [])
        title, subtitle = day_words(day, WEEKDAY_AND_DAY), _count_text(len(shown))
        columns.append(
            _column(day, today, title, subtitle, shown, *_shading(calendar.get(day, [])), provider_id=provider_id)
        )
    return [column for column in columns if not _closed_weekend(column)]


def _closed_weekend(column: GridColumn) -> bool:
    return column.day.isoweekday() >= 6 and not (
        column.working or column.time_off or column.appointments or column.is_today
    )


def day_columns(
    day: date,
    today: date,
    providers: list[Provider],
    appointments: list[AppointmentView],
    calendar: dict[date, list[ProviderHours]],
) -> list[GridColumn]:
    """One column per provider for `day`, side by side; `appointments` are that day's."""
    hours_by_provider = {hours.provider_id: hours for hours in calendar.get(day, [])}
    columns = []
    for provider in providers:
        own = [hours_by_provider[provider.id]] if provider.id in hours_by_provider else []
        shown = [a for a in appointments if a.provider_id == provider.id]
        subtitle = provider.specialty or _count_text(len(shown))
        columns.append(_column(day, today, provider.name, subtitle, shown, *_shading(own), provider_id=provider.id))
    return columns


def room_columns(
    day: date,
    today: date,
    rooms: list[Room],
    appointments: list[AppointmentView],
    calendar: dict[date, list[ProviderHours]],
) -> list[GridColumn]:
    """One column per room in use for `day`, side by side, with the appointments that take it; a room is open when
    anyone works (a room has no hours of its own)."""
    working, _time_off = _shading(calendar.get(day, []))
    columns = []
    for room in (room for room in rooms if room.active):
        shown = [a for a in appointments if a.room_id == room.id]
        subtitle = f"{room.kind} · {_count_text(len(shown)).lower()}"
        columns.append(_column(day, today, room.name, subtitle, shown, working, [], room_id=room.id))
    return columns


def _column(
    day: date,
    today: date,
    title: str,
    subtitle: str,
    appointments: list[AppointmentView],
    working: list[Interval],
    time_off: list[Interval],
    *,
    provider_id: int | None = None,
    room_id: int | None = None,
) -> GridColumn:
    """A column of the grid: its appointments in time order, with their lanes."""
    ordered = sorted(appointments, key=_start_order)
    return GridColumn(
        title=title,
        subtitle=subtitle,
        day=day,
        provider_id=provider_id,
        working=working,
        time_off=time_off,
        appointments=ordered,
        is_today=day == today,
        lanes=_lanes(ordered),
        room_id=room_id,
    )


def _start_order(appointment: AppointmentView) -> tuple:
    return appointment.starts_at, appointment.provider_name, appointment.id


def _lanes(appointments: list[AppointmentView]) -> list[tuple[int, int]]:
    return assign_lanes([(a.starts_at, busy_until(a)) for a in appointments])


def busy_until(appointment: AppointmentView) -> datetime:
    """Until when the appointment keeps its provider busy: its end, or the end of the buffer after it."""
    return max(appointment.ends_at, appointment.busy_until or appointment.ends_at)


@dataclass(frozen=True)
class ColumnTimes:
    """A column's times as (start, end) wall-clock minutes from its day's midnight, as wall_minutes gives them."""

    appointments: list[tuple[float, float]]  # in the order of the column's appointments
    working: list[tuple[float, float]]
    time_off: list[tuple[float, float]]
    busy_until: list[float] = field(default_factory=list)  # per appointment: where the buffer after it ends


def column_times(column: GridColumn, zone: ZoneInfo) -> ColumnTimes:
    day = column.day
    return ColumnTimes(
        [(wall_minutes(day, a.starts_at, zone), wall_minutes(day, a.ends_at, zone)) for a in column.appointments],
        [(wall_minutes(day, i.start, zone), wall_minutes(day, i.end, zone)) for i in column.working],
        [(wall_minutes(day, i.start, zone), wall_minutes(day, i.end, zone)) for i in column.time_off],
        [wall_minutes(day, busy_until(a), zone) for a in column.appointments],
    )


def hour_span(times: list[ColumnTimes], shown: tuple[int, int]) -> tuple[int, int]:
    """The first and the last hour of a time axis: `shown` grown to every working interval and appointment,
    within the day."""
    spans = [span for column in times for span in column.working + column.appointments]
    first, last = shown
    if spans:
        first = min(first, math.floor(min(start for start, _ in spans) / 60))
        last = max(last, math.ceil(max(end for _, end in spans) / 60))
    return max(first, 0), min(last, 24)


def wall_minutes(day: date, moment: datetime, zone: ZoneInfo) -> float:
    """Wall-clock minutes from `day`'s midnight to `moment` in `zone` (before 0 or past 1440 when it lies on
    another day). On a DST change the clock, not the elapsed time, counts: 03:00 is 180 even when 2 hours passed."""
    local = moment.astimezone(zone)
    return (local.date() - day).days * 1440 + local.hour * 60 + local.minute + local.second / 60


def clock_text(minutes: float) -> str:
    """What the desk's clock shows at `minutes` (as wall_minutes gives them): "14:30", or "2:30 PM"."""
    whole = math.floor(minutes)
    return clock(time(whole // 60 % 24, whole % 60))


def _count_text(count: int) -> str:
    if count == 0:
        return "No appointments"
    return f"{count} appointment" if count == 1 else f"{count} appointments"


def _shading(day_hours: list[ProviderHours]) -> tuple[list[Interval], list[Interval]]:
    """(working, time off) of a column: working is when anyone works; time off is working time in which
    everyone who would work then is off (for one provider: simply their time off within their hours)."""
    working = merge([w for hours in day_hours for w in hours.working])
    on_duty = merge([a for hours in day_hours for a in subtract(hours.working, hours.time_off)])
    away = merge([o for hours in day_hours for o in intersect(hours.working, hours.time_off)])
    return working, subtract(away, on_duty)


def merge(intervals: list[Interval]) -> list[Interval]:
    """The union of `intervals`, as sorted disjoint intervals (touching ones joined; empty ones dropped)."""
    merged: list[Interval] = []
    for interval in sorted(i for i in intervals if i.start < i.end):
        if merged and interval.start <= merged[-1].end:
            merged[-1] = Interval(merged[-1].start, max(merged[-1].end, interval.end))
        else:
            merged.append(interval)
    return merged


def subtract(intervals: list[Interval], removed: list[Interval]) -> list[Interval]:
    """What of `intervals` lies outside every interval of `removed`, as sorted disjoint intervals."""
    result: list[Interval] = []
    cuts = merge(removed)
    for interval in merge(intervals):
        start = interval.start
        for cut in cuts:
            if cut.end <= start or cut.start >= interval.end:
                continue
            if cut.start > start:
                result.append(Interval(start, cut.start))
            start = max(start, cut.end)
        if start < interval.end:
            result.append(Interval(start, interval.end))
    return result


def intersect(first: list[Interval], second: list[Interval]) -> list[Interval]:
    """Where `first` and `second` both hold, as sorted disjoint intervals."""
    return merge(
        [
            Interval(max(a.start, b.start), min(a.end, b.end))
            for a in merge(first)
            for b in merge(second)
            if a.overlaps(b)
        ]
    )
