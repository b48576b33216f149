"""Appointments as files for other programs: CSV for a spreadsheet, iCalendar (RFC 5545) for a provider's calendar.

CSV: one row per appointment of a date range (clinic days), of some providers and statuses, times in ISO 8601 with
their offset and the clinic's zone named in a column; written as UTF-8 with a byte-order mark by the caller, so a
spreadsheet opens names beyond ASCII right. A column the login's role may not read (IT can take a patient's name,
phone, e-mail or the notes from a group) is left out, not failed on.

iCalendar: one event per appointment of one provider, with a stable UID, the clinic's zone as a VTIMEZONE, a
SEQUENCE that grows whenever the appointment changes (seconds from its booking to its last change), a cancelled one
as STATUS:CANCELLED; without the patients' names unless asked (a provider's phone calendar should not carry them by
default).
"""

import csv
import io
from datetime import date

from icalendar import Calendar, Event
from sqlalchemy import text
from sqlalchemy.engine import Connection

from app.domain.errors import InvalidInput
from app.domain.models import DateRangeQuery, validate
from app.domain.slots import local_day_bounds
from app.services.context import Clinic
from app.services.schedule import AppointmentView, schedule

CSV_COLUMNS = (
    "appointment_id", "starts_at", "ends_at", "time_zone", "status", "provider", "patient", "patient_phone",
    "patient_email", "type", "room", "series_place", "notes",
)  # fmt: skip
STATUSES = ("booked", "checked_in", "completed", "no_show", "cancelled")
PRODUCT = "-//Clinic Scheduler//Appointments//EN"
_CHANGED = text("SELECT id, created_at, updated_at FROM appointments WHERE id = ANY(:ids)")
# The CSV's columns that IT may keep a role from reading, and the columns behind each: the view's, and the table's
# (the view reads with its owner's rights, so a right taken on the table would not show through it).
GUARDED_COLUMNS = {
    "patient": (
        ("appointment_details", "patient_first_name"), ("appointment_details", "patient_last_name"),
        ("patients", "first_name"), ("patients", "last_name"),
    ),
    "patient_phone": (("appointment_details", "patient_phone"), ("patients", "phone")),
    "patient_email": (("appointment_details", "patient_email"), ("patients", "email")),
    "notes": (("appointment_details", "notes"), ("appointments", "notes")),
}  # fmt: skip
_MAY_READ = text("SELECT has_column_privilege(:table, :column, 'SELECT')")
_CSV_SELECT = {  # each column as read from appointment_details (the time zone is the clinic's)
    "appointment_id": "appointment_id",
    "starts_at": "starts_at",
    "ends_at": "ends_at",
    "status": "status",
    "provider": "provider_name",
    "patient": "patient_first_name || ' ' || patient_last_name",
    "patient_phone": "patient_phone",
    "patient_email": "coalesce(patient_email, '')",
    "type": "type_name",
    "room": "coalesce(room_name, '')",
    "series_place": "CASE WHEN series_id IS NULL THEN '' ELSE series_index || ' of ' || series_occurrences END",
    "notes": "notes",
}
_CSV_FROM = (
    "FROM appointment_details WHERE starts_at >= :start AND starts_at < :end"
    " AND (CAST(:providers AS integer[]) IS NULL OR provider_id = ANY(CAST(:providers AS integer[])))"
    " AND (CAST(:statuses AS text[]) IS NULL OR status = ANY(CAST(:statuses AS text[])))"
    " ORDER BY starts_at, provider_name, appointment_id"
)


def appointments_csv(
    clinic: Clinic,
    first_day: date,
    last_day: date,
    *,
    provider_ids: list[int] | None = None,
    statuses: list[str] | None = None,
) -> str:
    """The CSV text (a header, then a row per appointment in time order) of the days, providers and statuses asked
    for (None: all of them); without the columns this login's role may not read (`exported_columns`)."""
    _check(first_day, last_day, statuses)
    bounds = local_day_bounds(first_day, clinic.zone).start, local_day_bounds(last_day, clinic.zone).end

    def read(conn: Connection):
        columns = _readable(conn)
        select = ", ".join(f"{_CSV_SELECT[name]} AS {name}" for name in columns if name in _CSV_SELECT)
        params = {"start": bounds[0], "end": bounds[1], "providers": provider_ids, "statuses": statuses}
        return columns, conn.execute(text(f"SELECT {select} {_CSV_FROM}"), params).all()

    columns, rows = clinic.uow.read(read)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        cells = {**row._mapping, "time_zone": clinic.zone.key}
        for moment in ("starts_at", "ends_at"):
            cells[moment] = clinic.local(cells[moment]).isoformat()
        writer.writerow([cells[name] for name in columns])
    return out.getvalue()


def exported_columns(clinic: Clinic) -> tuple[str, ...]:
    """The CSV's columns this login may read: a patient's name, phone or e-mail, or the notes, are left out where IT
    took the role's right to read them, from `appointment_details` or from the table behind it."""
    return clinic.uow.read(_readable)


def _readable(conn: Connection) -> tuple[str, ...]:
    hidden = {
        name
        for name, columns in GUARDED_COLUMNS.items()
        if not all(
            conn.execute(_MAY_READ, {"table": table, "column": column}).scalar_one() for table, column in columns
        )
    }
    return tuple(name for name in CSV_COLUMNS if name not in hidden)


def appointments_ics(
    clinic: Clinic, first_day: date, last_day: date, provider_id: int, *, with_patients: bool = False
) -> bytes:
    """The iCalendar file of one provider's appointments on those days (cancelled ones as cancelled events)."""
    _check(first_day, last_day, None)
    rows = schedule(clinic, first_day, last_day, provider_id, include_cancelled=True)
    changed = _last_changes(clinic, [row.id for row in rows])
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("x-wr-timezone", clinic.zone.key)
    for appointment in rows:
        calendar.add_component(_event(clinic, appointment, changed[appointment.id], with_patients))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _check(first_day: date, last_day: date, statuses: list[str] | None) -> None:
    validate(DateRangeQuery, first_day=first_day, last_day=last_day)
    unknown = sorted(set(statuses or []) - set(STATUSES))
    if unknown:
        raise InvalidInput.single(
            "statuses", f"no such status {', '.join(unknown)}; the statuses: {', '.join(STATUSES)}"
        )


def _last_changes(clinic: Clinic, ids: list[int]) -> dict:
    rows = clinic.uow.read(lambda conn: conn.execute(_CHANGED, {"ids": ids}).all()) if ids else []
    return {row.id: (row.created_at, row.updated_at) for row in rows}


def _event(clinic: Clinic, appointment: AppointmentView, made_and_changed, with_patients: bool) -> Event:
    made, changed = made_and_changed
    event = Event()
    event.add("uid", f"appointment-{appointment.id}@clinic-scheduler")
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    # Seconds from its booking to its last change: 0 as booked, growing with every change (a move included), and
    # within the 32 bits RFC 5545 gives it for 68 years.
    event.add("sequence", int((changed - made).total_seconds()))
    event.add("dtstart", clinic.local(appointment.starts_at))
    event.add("dtend", clinic.local(appointment.ends_at))
    who = f"{appointment.patient_name} · " if with_patients else ""
    event.add("summary", f"{who}{appointment.type_name}")
    if appointment.room_name:
        event.add("location", appointment.room_name)
    event.add("status", "CANCELLED" if appointment.status == "cancelled" else "CONFIRMED")
    return event
