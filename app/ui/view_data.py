"""Everything one calendar view needs, read and laid out on a worker thread so the UI thread only paints."""

from dataclasses import dataclass
from datetime import date

from app.services import calendar, rooms, schedule
from app.services.context import Clinic
from app.services.schedule import AppointmentView, Provider
from app.ui.navigation import ViewMode, visible_range
from app.ui.views.columns import GridColumn, day_columns, room_columns, week_columns
from app.ui.views.month_view import DayKind, day_kinds


@dataclass(frozen=True)
class ViewRequest:
    mode: ViewMode
    anchor: date
    provider_id: int | None  # None: all providers
    by_rooms: bool = False  # the day view: one column per room instead of per provider


@dataclass(frozen=True)
class MonthData:
    request: ViewRequest
    counts: dict[date, dict[str, int]]
    kinds: dict[date, DayKind]


@dataclass(frozen=True)
class GridData:
    request: ViewRequest
    columns: list[GridColumn]
    appointments: dict[int, AppointmentView]


def load_view(clinic: Clinic, request: ViewRequest, today: date, providers: list[Provider]) -> MonthData | GridData:
    first, last = visible_range(request.mode, request.anchor)
    hours = calendar.working_calendar(clinic, first, last, request.provider_id)
    if request.mode is ViewMode.MONTH:
        counts = schedule.day_type_counts(clinic, first, last, request.provider_id)
        return MonthData(request, counts, day_kinds(hours))
    appointments = schedule.schedule(clinic, first, last, request.provider_id)
    if request.mode is ViewMode.WEEK:
        columns = week_columns(first, today, appointments, hours, zone=clinic.zone)
    elif request.by_rooms:
        columns = room_columns(first, today, rooms.list_rooms(clinic), appointments, hours)
    else:
        shown = [p for p in providers if request.provider_id in (None, p.id)]
        columns = day_columns(first, today, shown, appointments, hours)
    return GridData(request, columns, {a.id: a for a in appointments})
