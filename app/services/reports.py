"""The managers' reports: utilisation, attendance (no-shows and late cancellations), booking lead times, appointments
by type and the waitlist, each one SQL aggregate over the clinic's days.

What the numbers mean:

- The days are the clinic's days (its time zone): an appointment belongs to the day and week it starts in; a week
  starts on Monday. `first_day` .. `last_day` are inclusive.
- **Open minutes**: a provider's working hours on each day, as their weekly hours are set now, less their time off and
  the clinic's closures over them (time off and a closure over the same minutes count once); a provider no longer in
  use has the open time their hours still give, as their appointments stay booked time.
- **Booked minutes**: the length (start to end, without the type's buffer) of every appointment that is not cancelled:
  booked, checked in, completed and also no-shows, since a no-show's time was held for the patient and could not be
  offered to anyone else.
- **Utilisation**: booked minutes over open minutes (None when nothing was open). It can pass 1 when appointments
  were kept through time off added later, or hours were shortened afterwards.
- **Late cancellation**: an appointment cancelled less than LATE_CANCEL_HOURS hours before its start (or after it).
  **Due**: every appointment that has come (or has begun), but those cancelled in good time: one still booked for
  later is not due yet, so a report of days to come does not count it as kept. **No-show rate**: no-shows over due;
  **late cancellation rate**: late cancellations over due (None when nothing was due).
- **Lead time**: days from an appointment's booking to its start, of the appointments not cancelled; the median and
  the 90th percentile (continuous).
- **Waitlist**: the open entries by priority, and how long they have waited (days from being added until now).

Every report but the waitlist takes a ReportFilter (days, and optionally providers and appointment types; the types
narrow what is booked, not what is open). Rows whose provider (or type, or priority) is None are the totals: one per
period for utilisation, one at the end for the others. `rows_csv` writes any report's rows as CSV.
"""

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator
from sqlalchemy import TextClause, text

from app.domain.errors import InvalidInput
from app.domain.models import Day, Id, InputModel, validate
from app.services.context import Clinic
from app.services.waitlist import PRIORITY_WORDS, Priority

LATE_CANCEL_HOURS = 24
MAX_REPORT_DAYS = 366  # a year of weeks for a trend; the reports are timed for a quarter
ALL_PROVIDERS = "All providers"
ALL_TYPES = "All types"
PERIODS = ("day", "week")


@dataclass(frozen=True)
class ReportFilter:
    """Clinic days `first_day` .. `last_day` (inclusive); providers and appointment types (None: all)."""

    first_day: date
    last_day: date
    provider_ids: Sequence[int] | None = None
    type_ids: Sequence[int] | None = None


class _FilterIn(InputModel):
    first_day: Day
    last_day: Day
    provider_ids: Annotated[list[Id], Field(min_length=1)] | None = None
    type_ids: Annotated[list[Id], Field(min_length=1)] | None = None

    @field_validator("last_day")
    @classmethod
    def _sane_range(cls, last_day: date, info: ValidationInfo) -> date:
        first_day = info.data.get("first_day")
        if first_day is None:
            return last_day
        if last_day < first_day:
            raise ValueError("must not be before first_day")
        if (last_day - first_day).days >= MAX_REPORT_DAYS:
            raise ValueError(f"a report may span at most {MAX_REPORT_DAYS} days")
        return last_day


@dataclass(frozen=True)
class UtilisationRow:
    period: date  # the day, or the Monday of the week
    provider_id: int | None  # None: every provider's (the clinic's) total for the period
    provider_name: str
    open_minutes: int
    booked_minutes: int
    ratio: float | None  # booked over open; None when nothing was open


@dataclass(frozen=True)
class AttendanceRow:
    provider_id: int | None  # None: the total
    provider_name: str
    appointments: int  # every appointment in the days, cancelled ones included
    due: int  # begun and not cancelled, or cancelled late
    attended: int  # checked in or completed
    no_shows: int
    late_cancellations: int
    no_show_rate: float | None
    late_cancel_rate: float | None


@dataclass(frozen=True)
class LeadTimeRow:
    provider_id: int | None  # None: the total
    provider_name: str
    appointments: int  # not cancelled
    median_days: float | None
    p90_days: float | None


@dataclass(frozen=True)
class TypeRow:
    type_id: int | None  # None: the total
    type_code: str
    type_name: str
    appointments: int  # cancelled ones included
    booked_minutes: int  # of those not cancelled
    no_shows: int
    cancelled: int


@dataclass(frozen=True)
class WaitlistRow:
    priority: int | None  # None: every open entry
    priority_name: str
    open_entries: int
    median_wait_days: float | None
    longest_wait_days: float | None


# The appointments of the filter: starting on its days (the clinic's), of its providers and types.
_IN_FILTER = (
    "a.starts_at >= CAST(:first_day AS timestamp) AT TIME ZONE :zone"
    " AND a.starts_at < CAST(CAST(:last_day AS date) + 1 AS timestamp) AT TIME ZONE :zone"
    " AND (CAST(:provider_ids AS integer[]) IS NULL OR a.provider_id = ANY(CAST(:provider_ids AS integer[])))"
    " AND (CAST(:type_ids AS integer[]) IS NULL OR a.type_id = ANY(CAST(:type_ids AS integer[])))"
)
_LATE = (
    f"(a.status = 'cancelled' AND COALESCE(a.cancelled_at, a.updated_at)"
    f" > a.starts_at - make_interval(hours => {LATE_CANCEL_HOURS}))"
)
_MINUTES = "extract(epoch FROM a.ends_at - a.starts_at) / 60"
_DAYS = "CAST(extract(epoch FROM a.starts_at - a.created_at) / 86400 AS float8)"
_MONDAY = "{day} - (CAST(extract(isodow FROM {day}) AS integer) - 1)"

_UTILISATION = """
WITH days AS (
    SELECT CAST(d AS date) AS day
    FROM generate_series(CAST(:first_day AS date), CAST(:last_day AS date), interval '1 day') AS d
), blocks AS (
    SELECT h.provider_id, days.day,
           tstzrange((days.day + h.start_time) AT TIME ZONE :zone, (days.day + h.end_time) AT TIME ZONE :zone) AS span
    FROM working_hours h
    JOIN providers p ON p.id = h.provider_id
    JOIN days ON extract(isodow FROM days.day) = h.weekday
    WHERE CAST(:provider_ids AS integer[]) IS NULL OR h.provider_id = ANY(CAST(:provider_ids AS integer[]))
), facts AS (
    SELECT b.provider_id, {block_period} AS period, open.minutes AS open_minutes, 0 AS booked_minutes
    FROM blocks b
    CROSS JOIN LATERAL (
        SELECT COALESCE(sum(extract(epoch FROM upper(r) - lower(r))), 0) / 60 AS minutes
        FROM unnest(tstzmultirange(b.span) - COALESCE((
            SELECT range_agg(tstzrange(o.starts_at, o.ends_at))
            FROM (SELECT t.starts_at, t.ends_at FROM time_off t
                  WHERE t.provider_id = b.provider_id AND tstzrange(t.starts_at, t.ends_at) && b.span
                  UNION ALL
                  SELECT c.starts_at, c.ends_at FROM closures c WHERE tstzrange(c.starts_at, c.ends_at) && b.span) AS o
        ), '{{}}')) AS r
    ) AS open
    UNION ALL
    SELECT a.provider_id, {appointment_period}, 0, {minutes}
    FROM appointments a
    WHERE a.status <> 'cancelled' AND {in_filter}
), totals AS (
    SELECT period, provider_id, round(sum(open_minutes)) AS open_minutes, round(sum(booked_minutes)) AS booked_minutes
    FROM facts GROUP BY GROUPING SETS ((period, provider_id), (period))
)
SELECT t.period, t.provider_id, COALESCE(p.name, '{all_providers}') AS provider_name,
       CAST(t.open_minutes AS bigint) AS open_minutes, CAST(t.booked_minutes AS bigint) AS booked_minutes,
       CAST(t.booked_minutes AS float8) / NULLIF(t.open_minutes, 0) AS ratio
FROM totals t LEFT JOIN providers p ON p.id = t.provider_id
ORDER BY t.period, t.provider_id IS NULL, p.name, t.provider_id
"""


def _utilisation_sql(by: str) -> TextClause:
    local_day = "CAST(a.starts_at AT TIME ZONE :zone AS date)"
    return text(
        _UTILISATION.format(
            block_period="b.day" if by == "day" else _MONDAY.format(day="b.day"),
            appointment_period=local_day if by == "day" else _MONDAY.format(day=local_day),
            minutes=_MINUTES,
            in_filter=_IN_FILTER,
            all_providers=ALL_PROVIDERS,
        )
    )


_ATTENDANCE = text(f"""
SELECT provider_id, provider_name, appointments, due, attended, no_shows, late_cancellations,
       CAST(no_shows AS float8) / NULLIF(due, 0) AS no_show_rate,
       CAST(late_cancellations AS float8) / NULLIF(due, 0) AS late_cancel_rate
FROM (
    SELECT p.id AS provider_id, COALESCE(p.name, '{ALL_PROVIDERS}') AS provider_name,
           count(*) AS appointments,
           count(*) FILTER (WHERE (a.status <> 'cancelled' AND NOT (a.status = 'booked' AND a.starts_at >= :now))
                            OR {_LATE}) AS due,
           count(*) FILTER (WHERE a.status IN ('checked_in', 'completed')) AS attended,
           count(*) FILTER (WHERE a.status = 'no_show') AS no_shows,
           count(*) FILTER (WHERE {_LATE}) AS late_cancellations
    FROM appointments a JOIN providers p ON p.id = a.provider_id
    WHERE {_IN_FILTER}
    GROUP BY GROUPING SETS ((p.id, p.name), ())
) AS counted
ORDER BY provider_id IS NULL, provider_name, provider_id
""")

_LEAD_TIMES = text(f"""
SELECT p.id AS provider_id, COALESCE(p.name, '{ALL_PROVIDERS}') AS provider_name, count(*) AS appointments,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY {_DAYS}) AS median_days,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY {_DAYS}) AS p90_days
FROM appointments a JOIN providers p ON p.id = a.provider_id
WHERE a.status <> 'cancelled' AND {_IN_FILTER}
GROUP BY GROUPING SETS ((p.id, p.name), ())
ORDER BY p.id IS NULL, p.name, p.id
""")

_BY_TYPE = text(f"""
SELECT t.id AS type_id, COALESCE(t.code, '') AS type_code, COALESCE(t.name, '{ALL_TYPES}') AS type_name,
       count(*) AS appointments,
       CAST(COALESCE(round(sum({_MINUTES}) FILTER (WHERE a.status <> 'cancelled')), 0) AS bigint) AS booked_minutes,
       count(*) FILTER (WHERE a.status = 'no_show') AS no_shows,
       count(*) FILTER (WHERE a.status = 'cancelled') AS cancelled
FROM appointments a JOIN appointment_types t ON t.id = a.type_id
WHERE {_IN_FILTER}
GROUP BY GROUPING SETS ((t.id, t.code, t.name), ())
ORDER BY t.id IS NULL, t.name, t.id
""")

_WAIT = "CAST(extract(epoch FROM CAST(:now AS timestamptz) - w.added_at) / 86400 AS float8)"
_WAITLIST = text(f"""
SELECT g.priority, count(w.id) AS open_entries,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY {_WAIT}) AS median_wait_days,
       max({_WAIT}) AS longest_wait_days
FROM generate_series(1, 3) AS g(priority)
LEFT JOIN waitlist w ON w.priority = g.priority AND w.closed_at IS NULL
GROUP BY ROLLUP (g.priority)
ORDER BY g.priority IS NULL, g.priority
""")

STATEMENTS: dict[str, TextClause] = {
    "utilisation_day": _utilisation_sql("day"),
    "utilisation_week": _utilisation_sql("week"),
    "attendance": _ATTENDANCE,
    "lead_times": _LEAD_TIMES,
    "by_type": _BY_TYPE,
    "waitlist": _WAITLIST,
}


def query_params(clinic: Clinic, report_filter: ReportFilter) -> dict:
    """The statements' parameters for this filter, checked: InvalidInput names a wrong field."""
    checked = validate(
        _FilterIn,
        first_day=report_filter.first_day,
        last_day=report_filter.last_day,
        provider_ids=None if report_filter.provider_ids is None else list(report_filter.provider_ids),
        type_ids=None if report_filter.type_ids is None else list(report_filter.type_ids),
    )
    return {
        "first_day": checked.first_day,
        "last_day": checked.last_day,
        "zone": clinic.zone.key,
        "now": clinic.now(),
        "provider_ids": checked.provider_ids,
        "type_ids": checked.type_ids,
    }


def _rows(clinic: Clinic, statement: TextClause, params: dict, row_type: type) -> list:
    found = clinic.uow.read(lambda conn: conn.execute(statement, params).all())
    return [row_type(**row._mapping) for row in found]


def utilisation(
    clinic: Clinic, report_filter: ReportFilter, by: Literal["day", "week"] = "day"
) -> list[UtilisationRow]:
    """Open and booked minutes per provider per day (or week, from Monday), each period's provider rows followed by
    the clinic's total for it (provider_id None)."""
    if by not in PERIODS:
        raise InvalidInput.single("by", f"must be one of {', '.join(PERIODS)}")
    params = query_params(clinic, report_filter)
    return _rows(clinic, STATEMENTS[f"utilisation_{by}"], params, UtilisationRow)


def attendance(clinic: Clinic, report_filter: ReportFilter) -> list[AttendanceRow]:
    """No-shows and late cancellations per provider, then the total (provider_id None)."""
    return _rows(clinic, _ATTENDANCE, query_params(clinic, report_filter), AttendanceRow)


def lead_times(clinic: Clinic, report_filter: ReportFilter) -> list[LeadTimeRow]:
    """Days from booking to start per provider (median, 90th percentile), then over all of them (provider_id None)."""
    return _rows(clinic, _LEAD_TIMES, query_params(clinic, report_filter), LeadTimeRow)


def by_type(clinic: Clinic, report_filter: ReportFilter) -> list[TypeRow]:
    """Appointments, booked minutes, no-shows and cancellations per appointment type, then the total (type_id
    None)."""
    return _rows(clinic, _BY_TYPE, query_params(clinic, report_filter), TypeRow)


def waitlist_report(clinic: Clinic) -> list[WaitlistRow]:
    """The open waitlist entries per priority (every priority, waiting or not), then all of them (priority None)."""
    found = clinic.uow.read(lambda conn: conn.execute(_WAITLIST, {"now": clinic.now()}).all())
    return [
        WaitlistRow(
            priority=row.priority,
            priority_name=PRIORITY_WORDS[Priority(row.priority)] if row.priority is not None else "all",
            open_entries=row.open_entries,
            median_wait_days=row.median_wait_days,
            longest_wait_days=row.longest_wait_days,
        )
        for row in found
    ]


def rows_csv(rows: Sequence, row_type: type | None = None) -> str:
    """Any report's rows as CSV text: a header of the row's fields, then a line per row (None as an empty cell,
    days as YYYY-MM-DD). The header needs `row_type` when there may be no rows."""
    kind = row_type or (type(rows[0]) if rows else None)
    if kind is None:
        return ""
    names = [field.name for field in fields(kind)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow(["" if getattr(row, name) is None else _cell(getattr(row, name)) for name in names])
    return out.getvalue()


def _cell(value) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)
