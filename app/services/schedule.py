"""Reading the schedule: free slots, appointments in a date range, per-day counts for a month grid."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from sqlalchemy import TextClause, text
from sqlalchemy.exc import DBAPIError

from app.db.errors import undefined_column
from app.domain.models import DateRangeQuery, PatientAppointmentsQuery, SlotQuery, validate
from app.domain.schedule_setup import DEFAULT_TYPE_MINUTES, check_id
from app.domain.slots import Interval, local_day_bounds, slot_grid
from app.services.context import Clinic
from app.services.rules import ProviderDay, load_provider_day


@dataclass(frozen=True)
class Provider:
    id: int
    name: str
    specialty: str
    active: bool


@dataclass(frozen=True)
class AppointmentType:
    id: int
    code: str
    name: str
    color: str
    minutes: int
    buffer_minutes: int
    is_default: bool = False  # the type a booking gets when it names none


@dataclass(frozen=True)
class AppointmentView:
    id: int
    status: str
    starts_at: datetime
    ends_at: datetime
    notes: str
    provider_id: int
    provider_name: str
    patient_id: int
    patient_name: str
    type_code: str
    type_name: str
    type_color: str
    patient_phone: str = ""
    patient_email: str | None = None
    type_id: int | None = None
    room_id: int | None = None
    room_name: str | None = None  # the room it takes, if its type needs one
    busy_until: datetime | None = None  # the end of the buffer after it (its end when its type has none)
    series_id: int | None = None  # the series it is an occurrence of, if any
    series_index: int | None = None  # its place in the series, from 1
    series_occurrences: int | None = None  # how many the series' rule gives
    series_description: str | None = None  # the series' rule in words


def free_slots(
    clinic: Clinic, provider_id: int, day: date, type_id: int | None = None, *, ignoring: int | None = None
) -> list[datetime]:
    """Start times (UTC) on `day` where an appointment of `type_id` (None: the default type) fits for the provider:
    on their grid, with its length and buffer inside one block of their working hours, clear of time off and of
    their live appointments (and the buffers after them; but `ignoring`, an appointment being moved), not in the
    past nor beyond the booking horizon."""
    rules = _day_rules(clinic, provider_id, day, type_id, ignoring)
    return [span.start for span in rules.free_spans(clinic.now(), clinic.horizon_end())]


def _day_rules(clinic: Clinic, provider_id: int, day: date, type_id: int | None, ignoring: int | None = None):
    query = validate(SlotQuery, provider_id=provider_id, day=day, type_id=type_id, ignoring=ignoring)

    def read(conn) -> ProviderDay:
        return load_provider_day(
            clinic, conn, query.provider_id, query.day, type_id=query.type_id, with_busy=True, ignoring=query.ignoring
        )

    return clinic.uow.read(read)


def free_start_at(clinic: Clinic, provider_id: int, moment: datetime, type_id: int | None = None) -> datetime | None:
    """The start of the provider's grid position that holds `moment` (a click on the calendar), if an appointment of
    `type_id` (None: the default type) can be booked there; else None."""
    rules = _day_rules(clinic, provider_id, clinic.local(moment).date(), type_id)
    position = _grid_position(rules, moment)
    start = position.start if position is not None else None
    return start if start in {span.start for span in rules.free_spans(clinic.now(), clinic.horizon_end())} else None


def grid_start_at(clinic: Clinic, provider_id: int, moment: datetime) -> datetime | None:
    """The provider's grid start nearest `moment` (where a dragged appointment's top was dropped), free or not;
    None on a day they do not work."""
    rules = _day_rules(clinic, provider_id, clinic.local(moment).date(), None)
    starts = [cell.start for cell in slot_grid(rules.day, rules.blocks, rules.zone)]
    return min(starts, key=lambda start: abs(start - moment), default=None)


def grid_position_at(clinic: Clinic, provider_id: int, moment: datetime) -> Interval | None:
    """The provider's grid position that holds `moment` (a right click on the calendar); None outside their
    hours."""
    return _grid_position(_day_rules(clinic, provider_id, clinic.local(moment).date(), None), moment)


def _grid_position(rules: ProviderDay, moment: datetime) -> Interval | None:
    cells = slot_grid(rules.day, rules.blocks, rules.zone)
    return next((cell for cell in cells if cell.start <= moment < cell.end), None)


def _range_params(clinic: Clinic, first_day: date, last_day: date, provider_id: int | None) -> dict:
    query = validate(DateRangeQuery, first_day=first_day, last_day=last_day, provider_id=provider_id)
    return {
        "start": local_day_bounds(query.first_day, clinic.zone).start,
        "end": local_day_bounds(query.last_day, clinic.zone).end,
        "provider_id": query.provider_id,
    }


_DETAILS = (
    "SELECT appointment_id AS id, status, starts_at, ends_at, notes, provider_id, provider_name, patient_id,"
    " patient_first_name || ' ' || patient_last_name AS patient_name, type_code, type_name, type_color,"
    " patient_phone, type_id, {newer} FROM appointment_details"
)
_NEWER = "patient_email, room_id, room_name, busy_until"  # added to the view by migration 0012
# What a desk reads from an older database (read-only, until IT upgrades it): no rooms nor buffers yet.
_OLDER = (
    "(SELECT email FROM patients WHERE id = patient_id) AS patient_email, NULL AS room_id, NULL AS room_name,"
    " NULL AS busy_until"
)
_SERIES = "series_id, series_index, series_occurrences, series_description"  # added by migration 0013
_NO_SERIES = "NULL AS series_id, NULL AS series_index, NULL AS series_occurrences, NULL AS series_description"
_BY_SCHEMA = (f"{_NEWER}, {_SERIES}", f"{_NEWER}, {_NO_SERIES}", f"{_OLDER}, {_NO_SERIES}")  # the newest first


@dataclass(frozen=True)
class _DetailsRead:
    """One read of appointment details, as this schema has them and as each older one has them."""

    statements: tuple[TextClause, ...]

    @classmethod
    def where(cls, condition: str) -> "_DetailsRead":
        return cls(tuple(text(_DETAILS.format(newer=columns) + condition) for columns in _BY_SCHEMA))

    def views(self, clinic: Clinic, params: dict) -> list[AppointmentView]:
        *newer, oldest = self.statements
        for statement in newer:
            try:
                rows = clinic.uow.read(lambda conn, statement=statement: conn.execute(statement, params).all())
                break
            except DBAPIError as exc:
                if not undefined_column(exc):
                    raise
        else:
            rows = clinic.uow.read(lambda conn: conn.execute(oldest, params).all())
        return [AppointmentView(**row._mapping) for row in rows]  # the columns are named as the fields


_SCHEDULE = _DetailsRead.where(
    " WHERE starts_at >= :start AND starts_at < :end"
    " AND (CAST(:provider_id AS integer) IS NULL OR provider_id = :provider_id)"
    " AND (:include_cancelled OR status <> 'cancelled')"
    " ORDER BY starts_at, provider_name"
)


def schedule(
    clinic: Clinic,
    first_day: date,
    last_day: date,
    provider_id: int | None = None,
    *,
    include_cancelled: bool = False,
) -> list[AppointmentView]:
    """Appointments starting on `first_day` .. `last_day` (clinic days, inclusive), in time order."""
    params = {**_range_params(clinic, first_day, last_day, provider_id), "include_cancelled": include_cancelled}
    return _SCHEDULE.views(clinic, params)


PATIENT_HISTORY_LIMIT = 200
_PATIENT_APPOINTMENTS = _DetailsRead.where(
    f" WHERE patient_id = :patient_id ORDER BY starts_at DESC LIMIT {PATIENT_HISTORY_LIMIT}"
)


def patient_appointments(clinic: Clinic, patient_id: int) -> list[AppointmentView]:
    """A patient's appointments, newest first (cancelled ones included: the desk asks "did they cancel?")."""
    query = validate(PatientAppointmentsQuery, patient_id=patient_id)
    return _PATIENT_APPOINTMENTS.views(clinic, vars(query))


_APPOINTMENT = _DetailsRead.where(" WHERE appointment_id = :id")
_BOOKED_BY_REQUEST = _DetailsRead.where(
    " WHERE appointment_id = (SELECT id FROM appointments WHERE request_id = :request_id)"
)


def appointment(clinic: Clinic, appointment_id: int) -> AppointmentView | None:
    """One appointment as it is now (wherever it was moved), or None if there is no such appointment."""
    appointment_id = check_id("appointment_id", appointment_id)
    return next(iter(_APPOINTMENT.views(clinic, {"id": appointment_id})), None)


def booked_by_request(clinic: Clinic, request_id: UUID) -> AppointmentView | None:
    """The appointment a booking request made, or None if it made none (to settle an attempt whose outcome
    was lost with the connection)."""
    return next(iter(_BOOKED_BY_REQUEST.views(clinic, {"request_id": request_id})), None)


_DAY_COUNTS = text(
    "SELECT CAST(a.starts_at AT TIME ZONE :zone AS date) AS day, t.code, count(*) AS n"
    " FROM appointments a JOIN appointment_types t ON t.id = a.type_id"
    " WHERE a.starts_at >= :start AND a.starts_at < :end AND a.status <> 'cancelled'"
    " AND (CAST(:provider_id AS integer) IS NULL OR a.provider_id = :provider_id)"
    " GROUP BY 1, 2"
)


def day_type_counts(
    clinic: Clinic, first_day: date, last_day: date, provider_id: int | None = None
) -> dict[date, dict[str, int]]:
    """Live appointments per clinic day and type code, for the month grid's pills."""
    params = {**_range_params(clinic, first_day, last_day, provider_id), "zone": clinic.zone.key}
    rows = clinic.uow.read(lambda conn: conn.execute(_DAY_COUNTS, params).all())
    counts: dict[date, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row.day, {})[row.code] = row.n
    return counts


def month_days(year: int, month: int) -> tuple[date, date]:
    first = date(year, month, 1)
    next_month = date(year + month // 12, month % 12 + 1, 1)
    return first, next_month - timedelta(days=1)


def providers(clinic: Clinic, *, include_inactive: bool = False) -> list[Provider]:
    rows = clinic.uow.read(
        lambda conn: conn.execute(
            text("SELECT id, name, specialty, active FROM providers WHERE active OR :all ORDER BY name"),
            {"all": include_inactive},
        ).all()
    )
    return [Provider(r.id, r.name, r.specialty, r.active) for r in rows]


# The lengths through to_jsonb: a desk on a database at an older revision (read-only until IT upgrades it) still
# shows its calendar, with the lengths appointments had then.
_TYPES = text(
    "SELECT id, code, name, color,"
    f" COALESCE(CAST(to_jsonb(t) ->> 'minutes' AS integer), {DEFAULT_TYPE_MINUTES}) AS minutes,"
    " COALESCE(CAST(to_jsonb(t) ->> 'buffer_minutes' AS integer), 0) AS buffer_minutes, is_default"
    " FROM appointment_types t ORDER BY id"
)


def appointment_types(clinic: Clinic) -> list[AppointmentType]:
    return [AppointmentType(**row._mapping) for row in clinic.uow.read(lambda conn: conn.execute(_TYPES).all())]
