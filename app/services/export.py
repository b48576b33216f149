"""Appointments as files for other programs: CSV for a spreadsheet, iCalendar (RFC 5545) for a provider's calendar.

CSV: one row per appointment of a date range (clinic days), of some providers and statuses, times in ISO 8601 with
their offset and the clinic's zone named in a column; written as UTF-8 with a byte-order mark by the caller, so a
spreadsheet opens names beyond ASCII right. iCalendar: one event per appointment of one provider, with a stable UID,
the clinic's zone as a VTIMEZONE, a SEQUENCE that grows whenever the appointment changes (seconds from its booking to
its last change), a cancelled one as STATUS:CANCELLED; without the patients' names unless asked (a provider's phone
calendar should not carry them by default).
"""

import csv
import io
from datetime import date

from icalendar import Calendar, Event
from sqlalchemy import text

from app.domain.errors import InvalidInput
from app.domain.models import DateRangeQuery, validate
from app.services.context import Clinic
from app.services.schedule import AppointmentView, schedule

CSV_COLUMNS = (
    "appointment_id", "starts_at", "ends_at", "time_zone", "status", "provider", "patient", "patient_phone",
    "patient_email", "type", "room", "series_place", "notes",
)  # fmt: skip
STATUSES = ("booked", "checked_in", "completed", "no_show", "cancelled")
PRODUCT = "-//Clinic Scheduler//Appointments//EN"
_CHANGED = text("SELECT id, created_at, updated_at FROM appointments WHERE id = ANY(:ids)")


def appointments_csv(
    clinic: Clinic,
    first_day: date,
    last_day: date,
    *,
    provider_ids: list[int] | None = None,
    statuses: list[str] | None = None,
) -> str:
    """The CSV text (a header, then a row per appointment in time order) of the days, providers and statuses asked
    for (None: all of them)."""
    rows = _appointments(clinic, first_day, last_day, provider_ids, statuses)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for appointment in rows:
        writer.writerow(_csv_row(clinic, appointment))
    return out.getvalue()


def appointments_ics(
    clinic: Clinic, first_day: date, last_day: date, provider_id: int, *, with_patients: bool = False
) -> bytes:
    """The iCalendar file of one provider's appointments on those days (cancelled ones as cancelled events)."""
    rows = _appointments(clinic, first_day, last_day, [provider_id], None)
    changed = _last_changes(clinic, [row.id for row in rows])
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("x-wr-timezone", clinic.zone.key)
    for appointment in rows:
        calendar.add_component(_event(clinic, appointment, changed[appointment.id], with_patients))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def _appointments(clinic: Clinic, first_day: date, last_day: date, provider_ids, statuses) -> list[AppointmentView]:
    validate(DateRangeQuery, first_day=first_day, last_day=last_day)
    unknown = sorted(set(statuses or []) - set(STATUSES))
    if unknown:
        raise InvalidInput.single(
            "statuses", f"no such status {', '.join(unknown)}; the statuses: {', '.join(STATUSES)}"
        )
    only = provider_ids[0] if provider_ids and len(provider_ids) == 1 else None  # one provider: read theirs only
    rows = schedule(clinic, first_day, last_day, only, include_cancelled=True)
    return [
        row
        for row in rows
        if (provider_ids is None or row.provider_id in provider_ids) and (statuses is None or row.status in statuses)
    ]


def _csv_row(clinic: Clinic, appointment: AppointmentView) -> list:
    place = (
        f"{appointment.series_index} of {appointment.series_occurrences}" if appointment.series_id is not None else ""
    )
    return [
        appointment.id,
        clinic.local(appointment.starts_at).isoformat(),
        clinic.local(appointment.ends_at).isoformat(),
        clinic.zone.key,
        appointment.status,
        appointment.provider_name,
        appointment.patient_name,
        appointment.patient_phone,
        appointment.patient_email or "",
        appointment.type_name,
        appointment.room_name or "",
        place,
        appointment.notes,
    ]


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
