"""CSV and iCalendar export: the CSV round-trips through a spreadsheet's reader (UTF-8 with a byte-order mark,
names beyond ASCII kept); the iCalendar file parses with `icalendar` and holds exactly the provider's live
appointments in range as confirmed events, the cancelled ones as cancelled, in the clinic's zone."""

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import text

from app.db.engine import make_engine
from app.domain.errors import InvalidInput
from app.domain.models import BookingRequest, PatientIn
from app.services import booking, export
from app.services.patients import create_patient
from tests.conftest import ZONE, make_clinic

TUESDAY = date(2030, 1, 8)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


@pytest.fixture
def day_booked(clinic, provider_id) -> dict:
    yilmaz = create_patient(
        clinic, PatientIn(first_name="Şule", last_name="Yılmaz", date_of_birth="1984-03-02", phone="+49 30 555")
    )
    ids = [
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=yilmaz, start=start))
        for start in (at(TUESDAY, 9), at(TUESDAY, 10), at(TUESDAY + timedelta(days=1), 9), at(TUESDAY, 8))
    ]
    booking.cancel(clinic, ids[1])
    booking.reschedule(clinic, ids[3], at(TUESDAY, 11))  # moved: its event's SEQUENCE grows
    return {"ids": ids, "patient": yilmaz}


def test_the_csv_round_trips_with_its_names_and_times(clinic, provider_id, day_booked):
    text = export.appointments_csv(clinic, TUESDAY, TUESDAY)
    data = ("\ufeff" + text).encode("utf-8")  # as the command writes it: UTF-8 with a byte-order mark
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0]) == list(export.CSV_COLUMNS)
    first, cancelled, next_day, moved = day_booked["ids"]
    assert [(int(r["appointment_id"]), r["status"]) for r in rows] == [
        (first, "booked"), (cancelled, "cancelled"), (moved, "booked"),
    ]  # fmt: skip
    assert rows[0]["patient"] == "Şule Yılmaz" and rows[0]["time_zone"] == "Europe/Berlin"
    assert datetime.fromisoformat(rows[0]["starts_at"]) == at(TUESDAY, 9)
    assert rows[0]["starts_at"].endswith("+01:00") and next_day not in [int(r["appointment_id"]) for r in rows]
    live_only = export.appointments_csv(clinic, TUESDAY, TUESDAY, statuses=["booked"])
    assert len(list(csv.DictReader(io.StringIO(live_only)))) == 2


def test_the_icalendar_file_holds_the_provider_s_appointments_in_range(engine, clinic, provider_id, day_booked):
    first, next_day, cancelled, moved = (
        day_booked["ids"][0],
        day_booked["ids"][2],
        day_booked["ids"][1],
        day_booked["ids"][3],
    )
    calendar = Calendar.from_ical(export.appointments_ics(clinic, TUESDAY, TUESDAY + timedelta(days=1), provider_id))
    events = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    confirmed = {uid for uid, e in events.items() if e["status"] == "CONFIRMED"}
    assert confirmed == {f"appointment-{i}@clinic-scheduler" for i in (first, next_day, moved)}
    assert [uid for uid, e in events.items() if e["status"] == "CANCELLED"] == [
        f"appointment-{cancelled}@clinic-scheduler"
    ]
    first_event = events[f"appointment-{first}@clinic-scheduler"]
    assert first_event.decoded("dtstart") == at(TUESDAY, 9)
    assert str(first_event.decoded("dtstart").tzinfo) == "Europe/Berlin"
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert "Yılmaz" not in str(first_event["summary"])  # no names unless asked
    with_names = Calendar.from_ical(export.appointments_ics(clinic, TUESDAY, TUESDAY, provider_id, with_patients=True))
    assert all("Şule Yılmaz" in str(e["summary"]) for e in with_names.walk("VEVENT"))
    assert int(first_event["sequence"]) == 0  # as booked
    with engine.connect() as conn:
        made, changed = conn.execute(
            text("SELECT created_at, updated_at FROM appointments WHERE id = :id"), {"id": moved}
        ).one()
    moved_event = events[f"appointment-{moved}@clinic-scheduler"]
    assert changed > made and int(moved_event["sequence"]) == int((changed - made).total_seconds())
    assert moved_event.decoded("dtstart") == at(TUESDAY, 11)


def test_a_status_that_does_not_exist_is_named(clinic):
    with pytest.raises(InvalidInput) as refused:
        export.appointments_csv(clinic, TUESDAY, TUESDAY, statuses=["gone"])
    assert refused.value.errors[0].field == "statuses" and "no such status gone" in str(refused.value)


@pytest.mark.parametrize("where", ["the view", "the tables"])
def test_columns_a_role_may_not_read_are_left_out_of_the_csv(engine, clinic, day_booked, staff_login, where):
    """IT keeps managers from the patients' phone and e-mail and the notes, on the view the desks read or on the
    tables behind it: the managers' export leaves those columns out."""
    kept_from = ("patient_phone", "patient_email", "notes")
    behind = {"appointment_details": kept_from, "patients": ("phone", "email"), "appointments": ("notes",)}
    tables = ["appointment_details"] if where == "the view" else ["patients", "appointments"]
    with engine.begin() as conn:
        for table in tables:
            columns = conn.execute(
                text("SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) AND attnum > 0"
                     " AND NOT attisdropped"), {"t": table}
            ).scalars()  # fmt: skip
            allowed = ", ".join(column for column in columns if column not in behind[table])
            conn.execute(text(f"REVOKE SELECT ON {table} FROM clinic_manager"))
            conn.execute(text(f"GRANT SELECT ({allowed}) ON {table} TO clinic_manager"))
    _name, url = staff_login("manager")
    manager_engine = make_engine(url)
    try:
        manager = make_clinic(manager_engine)
        assert export.exported_columns(manager) == tuple(c for c in export.CSV_COLUMNS if c not in kept_from)
        rows = list(csv.DictReader(io.StringIO(export.appointments_csv(manager, TUESDAY, TUESDAY))))
    finally:
        manager_engine.dispose()
    assert [row["patient"] for row in rows] == ["Şule Yılmaz"] * 3
    assert not set(kept_from) & set(rows[0])
    assert export.exported_columns(clinic) == export.CSV_COLUMNS  # the owner reads them all
