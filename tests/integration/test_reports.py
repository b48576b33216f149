"""The managers' reports against hand-written SQL on the same data, and exact values on a tiny clinic."""

import csv
import io
import math
import statistics
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from app.domain.errors import InvalidInput
from app.domain.models import BookingRequest
from app.domain.slots import WorkingBlock
from app.services import booking, reports, waitlist
from app.services.appointment_types import list_types
from app.services.closures import add_closure
from app.services.context import Clinic
from app.services.providers import add_provider, add_time_off
from app.services.reports import ReportFilter
from app.services.uow import UnitOfWork
from tests.conftest import WEEKDAY_HOURS, ZONE, make_clinic, new_patient
from tests.integration.db_state import table_state

MON, TUE, WED, THU, NEXT_MON = (date(2030, 1, d) for d in (7, 8, 9, 10, 14))
WEEK = ReportFilter(TUE, NEXT_MON)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


@pytest.fixture
def tiny(clinic, provider_id):
    """Two providers' first days of 2030: time off, a closure, and appointments in every status."""
    other = add_provider(clinic, "Dr. Other", WEEKDAY_HOURS)
    types = {kind.code: kind.id for kind in list_types(clinic)}
    patients = [new_patient(clinic, f"P{n}") for n in range(6)]
    plan = [  # provider, patient, start, type, what becomes of it
        (provider_id, 0, at(TUE, 9), "consultation", ("checked_in", "completed")),
        (provider_id, 1, at(TUE, 9, 30), "follow_up", ("no_show",)),
        (provider_id, 2, at(TUE, 10), "consultation", ("cancelled",)),
        (provider_id, 0, at(WED, 10), "consultation", ()),
        (provider_id, 1, at(THU, 9), "follow_up", ("no_show",)),
        (other, 3, at(TUE, 9), "consultation", ("checked_in", "completed")),
        (other, 4, at(WED, 14), "consultation", ("cancelled",)),
        (other, 5, at(NEXT_MON, 9), "follow_up", ()),
    ]
    later = make_clinic(clinic.uow.engine, now=at(date(2030, 1, 11), 12))  # after the days: statuses may change
    for provider, patient, start, code, statuses in plan:
        appointment = booking.book(
            clinic,
            BookingRequest(provider_id=provider, patient_id=patients[patient], start=start, type_id=types[code]),
        )
        for status in statuses:
            booking.change_status(later, appointment, status)
    add_time_off(clinic, provider_id, at(WED, 8), at(WED, 10))
    add_time_off(clinic, provider_id, at(THU, 15), at(THU, 18))  # partly over the closure: counted once
    add_closure(clinic, at(THU, 13), at(THU, 17))
    return {"a": provider_id, "b": other, "types": types}


def test_utilisation_per_day_is_open_time_less_time_off_and_closures_against_booked_time(clinic, tiny):
    rows = reports.utilisation(clinic, ReportFilter(TUE, THU))
    got = {(row.period, row.provider_id): (row.open_minutes, row.booked_minutes, row.ratio) for row in rows}
    a, b = tiny["a"], tiny["b"]
    assert got == {
        (TUE, a): (480, 60, 0.125), (TUE, b): (480, 30, 0.0625), (TUE, None): (960, 90, 90 / 960),
        (WED, a): (360, 30, 30 / 360), (WED, b): (480, 0, 0.0), (WED, None): (840, 30, 30 / 840),
        (THU, a): (240, 30, 0.125), (THU, b): (240, 0, 0.0), (THU, None): (480, 30, 30 / 480),
    }  # fmt: skip
    names = [row.provider_name for row in rows if row.period == TUE]
    assert names[0] == "Dr. Other" and names[1].startswith("Dr. Test ") and names[2] == "All providers"
    for row in rows:
        if row.provider_id is not None:
            assert (row.open_minutes, row.booked_minutes) == _hand_minutes(clinic, row.provider_id, row.period)


def _hand_minutes(clinic, provider_id: int, day: date) -> tuple[int, int]:
    """Minute by minute: open when inside the provider's hours and in no time off or closure; booked by the live
    appointments starting that day."""
    opened = text(
        "SELECT count(*) FROM generate_series(CAST(:day AS timestamp),"
        " CAST(:day AS timestamp) + interval '1439 minutes', interval '1 minute') AS m"
        " WHERE EXISTS (SELECT 1 FROM working_hours h WHERE h.provider_id = :p AND h.weekday = extract(isodow FROM m)"
        "   AND CAST(m AS time) >= h.start_time AND CAST(m AS time) < h.end_time)"
        " AND NOT EXISTS (SELECT 1 FROM time_off o WHERE o.provider_id = :p"
        "   AND m AT TIME ZONE 'Europe/Berlin' >= o.starts_at AND m AT TIME ZONE 'Europe/Berlin' < o.ends_at)"
        " AND NOT EXISTS (SELECT 1 FROM closures c"
        "   WHERE m AT TIME ZONE 'Europe/Berlin' >= c.starts_at AND m AT TIME ZONE 'Europe/Berlin' < c.ends_at)"
    )
    booked = text(
        "SELECT COALESCE(sum(extract(epoch FROM ends_at - starts_at)), 0) / 60 FROM appointments"
        " WHERE provider_id = :p AND status <> 'cancelled'"
        " AND CAST(starts_at AT TIME ZONE 'Europe/Berlin' AS date) = :day"
    )
    values = {"p": provider_id, "day": day}
    return clinic.uow.read(
        lambda conn: (conn.execute(opened, values).scalar_one(), int(conn.execute(booked, values).scalar_one()))
    )


def test_utilisation_by_week_starts_on_monday_and_totals_each_week(clinic, tiny):
    rows = reports.utilisation(clinic, ReportFilter(MON, NEXT_MON), by="week")
    got = {(row.period, row.provider_id): (row.open_minutes, row.booked_minutes) for row in rows}
    a, b = tiny["a"], tiny["b"]
    assert got == {
        (MON, a): (5 * 480 - 120 - 240, 120), (MON, b): (5 * 480 - 240, 30), (MON, None): (4200, 150),
        (NEXT_MON, a): (480, 0), (NEXT_MON, b): (480, 30), (NEXT_MON, None): (960, 30),
    }  # fmt: skip
    for period in (MON, NEXT_MON):
        days = [period + timedelta(days=n) for n in range(7) if period + timedelta(days=n) <= NEXT_MON]
        for provider in (a, b):
            hand = [_hand_minutes(clinic, provider, day) for day in days]
            assert got[(period, provider)] == (sum(h[0] for h in hand), sum(h[1] for h in hand))


def test_the_filter_narrows_providers_and_the_types_narrow_the_booked_time_only(clinic, tiny):
    only_b = reports.utilisation(clinic, ReportFilter(TUE, TUE, provider_ids=[tiny["b"]]))
    assert [(row.provider_id, row.open_minutes, row.booked_minutes) for row in only_b] == [
        (tiny["b"], 480, 30),
        (None, 480, 30),
    ]
    follow_ups = ReportFilter(TUE, TUE, type_ids=[tiny["types"]["follow_up"]])
    assert [
        (row.provider_id, row.open_minutes, row.booked_minutes) for row in reports.utilisation(clinic, follow_ups)
    ] == [
        (tiny["b"], 480, 0),
        (tiny["a"], 480, 30),
        (None, 960, 30),
    ]


def test_attendance_counts_no_shows_over_the_appointments_due(clinic, tiny):
    rows = {row.provider_id: row for row in reports.attendance(clinic, WEEK)}
    as_tuple = {k: (r.appointments, r.due, r.attended, r.no_shows, r.late_cancellations) for k, r in rows.items()}
    # Due: begun, and not cancelled in good time; Wednesday's and next Monday's booked ones are still to come.
    assert as_tuple == {tiny["a"]: (5, 3, 1, 2, 0), tiny["b"]: (3, 1, 1, 0, 0), None: (8, 4, 2, 2, 0)}
    assert (rows[tiny["a"]].no_show_rate, rows[tiny["a"]].late_cancel_rate) == (pytest.approx(2 / 3), 0.0)
    assert rows[None].no_show_rate == pytest.approx(2 / 4) and rows[None].provider_name == "All providers"
    for provider in (tiny["a"], tiny["b"]):
        assert (rows[provider].appointments, rows[provider].no_shows) == _hand_counts(clinic, provider)
    follow_ups = reports.attendance(clinic, ReportFilter(TUE, NEXT_MON, type_ids=[tiny["types"]["follow_up"]]))
    assert [(row.provider_id, row.appointments, row.no_shows) for row in follow_ups] == [
        (tiny["b"], 1, 0),
        (tiny["a"], 2, 2),
        (None, 3, 2),
    ]


def _hand_counts(clinic, provider_id: int) -> tuple[int, int]:
    statement = text(
        "SELECT count(*), count(*) FILTER (WHERE status = 'no_show') FROM appointments WHERE provider_id = :p"
        " AND starts_at >= '2030-01-08 00:00+01' AND starts_at < '2030-01-15 00:00+01'"
    )
    return tuple(clinic.uow.read(lambda conn: conn.execute(statement, {"p": provider_id}).one()))


def test_a_cancellation_within_a_day_of_the_start_is_late(engine):
    """On the real clock (the database stamps the cancellation with its own time)."""
    clinic = Clinic(uow=UnitOfWork(engine), zone=ZoneInfo("Europe/Berlin"))
    always = {day: [WorkingBlock(time(0), time(23, 30), 30)] for day in range(1, 8)}
    provider = add_provider(clinic, "Dr. Late", always)
    soon = _next_grid_time(clinic.local(clinic.now()) + timedelta(minutes=10))
    later = soon + timedelta(days=3)
    for start in (soon, later):
        booking.cancel(
            clinic,
            booking.book(clinic, BookingRequest(provider_id=provider, patient_id=new_patient(clinic), start=start)),
        )
    rows = reports.attendance(clinic, ReportFilter(soon.date(), later.date(), provider_ids=[provider]))
    assert [(row.appointments, row.due, row.late_cancellations, row.late_cancel_rate) for row in rows] == [
        (2, 1, 1, 1.0),
        (2, 1, 1, 1.0),
    ]
    hand = text(
        "SELECT count(*) FROM appointments WHERE provider_id = :p AND status = 'cancelled'"
        " AND starts_at - cancelled_at < interval '24 hours'"
    )
    assert clinic.uow.read(lambda conn: conn.execute(hand, {"p": provider}).scalar_one()) == 1


def _next_grid_time(moment: datetime) -> datetime:
    start = moment.replace(minute=0 if moment.minute == 0 else 30, second=0, microsecond=0)
    start = start if start >= moment else start + timedelta(minutes=30)
    if start.time() >= time(23, 30):
        start = datetime.combine(start.date() + timedelta(days=1), time(0), tzinfo=start.tzinfo)
    return start


def test_lead_times_are_the_median_and_90th_percentile_of_booking_to_start(clinic, tiny):
    rows = {row.provider_id: row for row in reports.lead_times(clinic, WEEK)}
    hand = text(
        "SELECT provider_id, extract(epoch FROM starts_at - created_at) / 86400 AS days FROM appointments"
        " WHERE status <> 'cancelled' AND starts_at >= '2030-01-08 00:00+01' AND starts_at < '2030-01-15 00:00+01'"
    )
    found = clinic.uow.read(lambda conn: conn.execute(hand).all())
    for provider in (tiny["a"], tiny["b"], None):
        days = sorted(float(row.days) for row in found if provider in (None, row.provider_id))
        assert rows[provider].appointments == len(days) == {tiny["a"]: 4, tiny["b"]: 2, None: 6}[provider]
        assert rows[provider].median_days == pytest.approx(statistics.median(days))
        assert rows[provider].p90_days == pytest.approx(_percentile(days, 0.9))
    assert rows[tiny["a"]].median_days > 365  # booked today (real time) for 2030


def _percentile(values: list[float], fraction: float) -> float:
    place = fraction * (len(values) - 1)
    low, high = math.floor(place), math.ceil(place)
    return values[low] + (values[high] - values[low]) * (place - low)


def test_by_type_counts_appointments_minutes_no_shows_and_cancellations(clinic, tiny):
    rows = {row.type_code: row for row in reports.by_type(clinic, WEEK)}
    got = {code: (r.appointments, r.booked_minutes, r.no_shows, r.cancelled) for code, r in rows.items()}
    assert got == {"consultation": (5, 90, 0, 2), "follow_up": (3, 90, 2, 0), "": (8, 180, 2, 2)}
    assert rows[""].type_name == "All types" and rows[""].type_id is None
    hand = text(
        "SELECT t.code, count(*) FROM appointments a JOIN appointment_types t ON t.id = a.type_id"
        " WHERE a.status = 'cancelled' GROUP BY t.code"
    )
    assert dict(clinic.uow.read(lambda conn: conn.execute(hand).all())) == {"consultation": 2}


def test_the_waitlist_report_counts_open_entries_and_their_waits_by_priority(clinic, tiny):
    for patient, priority in ((0, 1), (1, 1), (2, 2)):
        waitlist.add_entry(
            clinic, patient_id=new_patient(clinic, f"W{patient}"), type_id=tiny["types"]["consultation"],
            earliest=TUE, latest=NEXT_MON, priority=priority,
        )  # fmt: skip
    rows = reports.waitlist_report(clinic)
    assert [(row.priority, row.priority_name, row.open_entries) for row in rows] == [
        (1, "urgent", 2),
        (2, "normal", 1),
        (3, "low", 0),
        (None, "all", 3),
    ]
    assert rows[2].median_wait_days is None and rows[2].longest_wait_days is None
    hand = text("SELECT max(extract(epoch FROM CAST(:now AS timestamptz) - added_at) / 86400) FROM waitlist")
    longest = clinic.uow.read(lambda conn: conn.execute(hand, {"now": clinic.now()}).scalar_one())
    assert rows[3].longest_wait_days == pytest.approx(float(longest)) and longest > 365


def test_rows_csv_writes_a_header_of_the_fields_and_round_trips(clinic, tiny):
    rows = reports.utilisation(clinic, ReportFilter(TUE, WED))
    read = list(csv.DictReader(io.StringIO(reports.rows_csv(rows))))
    assert list(read[0]) == ["period", "provider_id", "provider_name", "open_minutes", "booked_minutes", "ratio"]
    again = [
        reports.UtilisationRow(
            period=date.fromisoformat(r["period"]), provider_id=int(r["provider_id"]) if r["provider_id"] else None,
            provider_name=r["provider_name"], open_minutes=int(r["open_minutes"]),
            booked_minutes=int(r["booked_minutes"]), ratio=float(r["ratio"]) if r["ratio"] else None,
        )
        for r in read
    ]  # fmt: skip
    assert again == rows
    assert reports.rows_csv([], reports.TypeRow).startswith("type_id,type_code,type_name,appointments,")
    assert reports.rows_csv([]) == ""


@pytest.mark.parametrize(
    ("report_filter", "by", "field"),
    [
        (ReportFilter(WED, TUE), "day", "last_day"),
        (ReportFilter(TUE, TUE + timedelta(days=400)), "day", "last_day"),
        (ReportFilter(TUE, WED, provider_ids=[0]), "day", "provider_ids.0"),
        (ReportFilter(TUE, WED, provider_ids=[]), "day", "provider_ids"),
        (ReportFilter(TUE, WED, type_ids=["x"]), "day", "type_ids.0"),
        (ReportFilter(TUE, WED), "month", "by"),
    ],
)
def test_a_wrong_filter_names_its_field_and_writes_nothing(clinic, engine, report_filter, by, field):
    before = table_state(engine)
    with pytest.raises(InvalidInput) as refused:
        reports.utilisation(clinic, report_filter, by=by)
    assert refused.value.errors[0].field == field
    for report in (reports.attendance, reports.lead_times, reports.by_type):
        if by == "day":
            with pytest.raises(InvalidInput):
                report(clinic, report_filter)
    assert table_state(engine) == before


def test_an_empty_clinic_reports_nothing_open_and_no_rates(clinic):
    assert reports.attendance(clinic, WEEK) == [reports.AttendanceRow(None, "All providers", 0, 0, 0, 0, 0, None, None)]
    assert reports.utilisation(clinic, WEEK) == []
    assert reports.lead_times(clinic, WEEK)[0].median_days is None
    assert datetime.now(UTC) < datetime(2030, 1, 1, tzinfo=UTC)  # the fixtures' days are ahead of the real clock
