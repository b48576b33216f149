"""Bad input to every service: a clear error naming the field and what is wrong, and not one row written.

The clinic's clock stands at Tuesday 2030-01-08 07:00 (Berlin); the provider works Mon-Fri 08-12 and 13-17
in 30-minute slots; the booking horizon is 365 days.
"""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import text

from app.domain.errors import InvalidInput, LikelyDuplicatePatient, NotFound, SlotTaken
from app.domain.models import BookingRequest, PatientIn, validate
from app.domain.slots import WorkingBlock
from app.services import booking, patients, providers, schedule
from tests.conftest import NOW, WEEKDAY_HOURS, ZONE, new_patient
from tests.integration.db_state import refused, row_counts

TUESDAY = date(2030, 1, 8)
TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)
UNKNOWN = 999_999
STATUS_CHOICES = "Input should be 'booked', 'checked_in', 'completed', 'no_show' or 'cancelled'"
PATIENT = {"first_name": "Grace", "last_name": "Hopper", "date_of_birth": "1906-12-09", "phone": "+1 555 123 4567"}

# (start, message): each is wrong for booking and for rescheduling alike.
BAD_STARTS = [
    pytest.param(NOW - timedelta(minutes=30), "start: is in the past", id="past"),
    pytest.param(NOW, "start: is in the past", id="now"),
    pytest.param(datetime(2031, 1, 8, 9, 0, tzinfo=ZONE), "start: is more than 365 days ahead", id="beyond-horizon"),
    pytest.param(
        datetime(2030, 1, 8, 9, 10, tzinfo=ZONE),
        "start: is not on the provider's slot grid (choose one of the listed times)",
        id="off-grid",
    ),
    pytest.param(
        datetime(2030, 1, 8, 7, 30, tzinfo=ZONE), "start: is outside the provider's working hours", id="early"
    ),
    pytest.param(datetime(2030, 1, 8, 17, 0, tzinfo=ZONE), "start: is outside the provider's working hours", id="late"),
    pytest.param(
        datetime(2030, 1, 8, 12, 0, tzinfo=ZONE), "start: is outside the provider's working hours", id="lunch"
    ),
    pytest.param(
        datetime(2030, 1, 8, 12, 15, tzinfo=ZONE), "start: is outside the provider's working hours", id="in-lunch"
    ),
    pytest.param(
        datetime(2030, 1, 12, 9, 0, tzinfo=ZONE), "start: the provider does not work on 2030-01-12", id="saturday"
    ),
    pytest.param(
        datetime(2030, 1, 13, 9, 0, tzinfo=ZONE), "start: the provider does not work on 2030-01-13", id="sunday"
    ),
    pytest.param(datetime(2030, 1, 8, 9, 0), "start: must include a time zone offset", id="naive"),
    pytest.param("next tuesday", "start: Input should be a valid datetime", id="not-a-time"),
]


def book(clinic, **values) -> int:
    """A booking as a desk or the command line makes one: the values checked by the model, then booked."""
    return booking.book(clinic, validate(BookingRequest, **values))


def register(clinic, **values) -> int:
    """A new patient as a desk registers one: the values checked by the model, then saved."""
    return patients.create_patient(clinic, validate(PatientIn, **values))


def deactivate(engine, provider_id: int) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE providers SET active = false WHERE id = :id"), {"id": provider_id})


def status_of(engine, appointment_id: int) -> str:
    with engine.connect() as conn:
        return conn.execute(text("SELECT status FROM appointments WHERE id = :id"), {"id": appointment_id}).scalar_one()


@pytest.fixture
def appointment(clinic, provider_id, patient_id) -> int:
    return booking.book(
        clinic, validate(BookingRequest, provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    )


def walk(clinic, appointment_id: int, *statuses: str) -> None:
    for status in statuses:
        booking.change_status(clinic, appointment_id, status)


# --- book ---


@pytest.mark.parametrize(("start", "expected"), BAD_STARTS)
def test_book_refuses_a_bad_start(clinic, engine, provider_id, patient_id, start, expected):
    error = refused(engine, InvalidInput, book, clinic, provider_id=provider_id, patient_id=patient_id, start=start)
    assert str(error).startswith(expected)


def test_book_refuses_a_slot_during_time_off(clinic, engine, provider_id, patient_id):
    providers.add_time_off(clinic, provider_id, TUESDAY_9, TUESDAY_9 + timedelta(hours=2), "training")
    for start in (TUESDAY_9, TUESDAY_9 + timedelta(minutes=90)):
        error = refused(engine, InvalidInput, book, clinic, provider_id=provider_id, patient_id=patient_id, start=start)
        assert str(error) == "start: the provider is off at that time"
    # the slot right after the time off is bookable
    booking.book(
        clinic,
        validate(BookingRequest, provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9 + timedelta(hours=2)),
    )


def test_book_refuses_a_slot_partly_covered_by_time_off(clinic, engine, provider_id, patient_id):
    providers.add_time_off(clinic, provider_id, TUESDAY_9 + timedelta(minutes=20), TUESDAY_9 + timedelta(minutes=25))
    error = refused(engine, InvalidInput, book, clinic, provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    assert str(error) == "start: the provider is off at that time"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("provider_id", UNKNOWN, f"provider_id: no provider with id {UNKNOWN}"),
        ("patient_id", UNKNOWN, "patient_id: no such patient"),
        ("type_id", UNKNOWN, "type_id: no such appointment type"),
        ("provider_id", 0, "provider_id: Input should be greater than 0"),
        ("patient_id", -3, "patient_id: Input should be greater than 0"),
        ("type_id", 0, "type_id: Input should be greater than 0"),
        ("provider_id", "one", "provider_id: Input should be a valid integer"),
        ("notes", "x" * 2001, "notes: String should have at most 2000 characters"),
        ("request_id", "again", "request_id: Input should be a valid UUID"),
    ],
)
def test_book_refuses_bad_ids_and_fields(clinic, engine, provider_id, patient_id, field, value, expected):
    values = {"provider_id": provider_id, "patient_id": patient_id, "start": TUESDAY_9, field: value}
    error = refused(engine, InvalidInput, book, clinic, **values)
    assert str(error).startswith(expected)
    assert [e.field for e in error.errors] == [field]


def test_book_refuses_an_unknown_field_and_a_missing_one(clinic, engine, provider_id, patient_id):
    error = refused(
        engine,
        InvalidInput,
        book,
        clinic,
        provider_id=provider_id,
        patient_id=patient_id,
        start=TUESDAY_9,
        room=4,
    )
    assert str(error) == "room: Extra inputs are not permitted"
    error = refused(engine, InvalidInput, book, clinic, provider_id=provider_id, start=TUESDAY_9)
    assert str(error) == "patient_id: Field required"


def test_book_with_an_unknown_provider_is_a_not_found(clinic, engine, patient_id):
    error = refused(engine, NotFound, book, clinic, provider_id=UNKNOWN, patient_id=patient_id, start=TUESDAY_9)
    assert isinstance(error, InvalidInput)


def test_book_refuses_an_inactive_provider(clinic, engine, provider_id, patient_id):
    deactivate(engine, provider_id)
    error = refused(engine, InvalidInput, book, clinic, provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    assert str(error) == f"provider_id: provider {provider_id} is no longer active"


@pytest.mark.parametrize("minutes", [0, 20])  # the same time, and an overlapping one on another grid
def test_book_refuses_a_patient_already_booked_elsewhere_at_that_time(clinic, engine, appointment, patient_id, minutes):
    hours = {d: [WorkingBlock(time(8), time(12), 20)] for d in range(1, 6)}
    second = providers.add_provider(clinic, "Dr. Twenty Minutes", hours)
    start = TUESDAY_9 + timedelta(minutes=minutes)
    error = refused(engine, InvalidInput, book, clinic, provider_id=second, patient_id=patient_id, start=start)
    assert str(error) == "patient_id: the patient already has an appointment at that time"


def test_book_refuses_a_taken_slot(clinic, engine, appointment, provider_id):
    other = new_patient(clinic, "Bob")
    error = refused(engine, SlotTaken, book, clinic, provider_id=provider_id, patient_id=other, start=TUESDAY_9)
    assert "already booked" in str(error)


# --- reschedule ---


@pytest.mark.parametrize(("start", "expected"), BAD_STARTS)
def test_reschedule_refuses_a_bad_start(clinic, engine, appointment, start, expected):
    error = refused(engine, InvalidInput, booking.reschedule, clinic, appointment, start)
    assert str(error).startswith(expected)


@pytest.mark.parametrize(
    ("appointment_id", "expected"),
    [
        (UNKNOWN, f"appointment_id: no appointment with id {UNKNOWN}"),
        (0, "appointment_id: Input should be greater than 0"),
        (2**31, "appointment_id: Input should be less than 2147483647"),
    ],
)
def test_reschedule_refuses_a_bad_appointment_id(clinic, engine, appointment_id, expected):
    error = refused(engine, InvalidInput, booking.reschedule, clinic, appointment_id, TUESDAY_9)
    assert str(error) == expected


def test_reschedule_refuses_time_off(clinic, engine, appointment, provider_id):
    providers.add_time_off(clinic, provider_id, TUESDAY_9 + timedelta(hours=1), TUESDAY_9 + timedelta(hours=2))
    error = refused(engine, InvalidInput, booking.reschedule, clinic, appointment, TUESDAY_9 + timedelta(hours=1))
    assert str(error) == "start: the provider is off at that time"


def test_reschedule_refuses_an_inactive_provider(clinic, engine, appointment, provider_id):
    deactivate(engine, provider_id)
    error = refused(engine, InvalidInput, booking.reschedule, clinic, appointment, TUESDAY_9 + timedelta(hours=1))
    assert str(error) == f"provider_id: provider {provider_id} is no longer active"


@pytest.mark.parametrize(
    ("statuses", "state"),
    [(["cancelled"], "cancelled"), (["checked_in"], "checked_in"), (["checked_in", "completed"], "completed")],
)
def test_reschedule_refuses_an_appointment_that_is_not_booked(clinic, engine, appointment, statuses, state):
    walk(clinic, appointment, *statuses)
    error = refused(engine, InvalidInput, booking.reschedule, clinic, appointment, TUESDAY_9 + timedelta(hours=1))
    assert str(error) == f"appointment_id: a {state} appointment cannot be moved"


def test_reschedule_refuses_a_taken_slot(clinic, engine, appointment, provider_id):
    booking.book(
        clinic,
        validate(
            BookingRequest,
            provider_id=provider_id,
            patient_id=new_patient(clinic, "Bob"),
            start=TUESDAY_9 + timedelta(hours=1),
        ),
    )
    refused(engine, SlotTaken, booking.reschedule, clinic, appointment, TUESDAY_9 + timedelta(hours=1))


def test_reschedule_refuses_a_time_the_patient_is_busy_elsewhere(clinic, engine, appointment, patient_id):
    second = providers.add_provider(clinic, "Dr. Second", WEEKDAY_HOURS)
    booking.book(
        clinic,
        validate(BookingRequest, provider_id=second, patient_id=patient_id, start=TUESDAY_9 + timedelta(hours=1)),
    )
    error = refused(engine, InvalidInput, booking.reschedule, clinic, appointment, TUESDAY_9 + timedelta(hours=1))
    assert str(error) == "patient_id: the patient already has an appointment at that time"


# --- change_status and cancel ---


@pytest.mark.parametrize("status", ["bogus", "Booked", "", None])
def test_change_status_refuses_an_unknown_status(clinic, engine, appointment, status):
    error = refused(engine, InvalidInput, booking.change_status, clinic, appointment, status)
    assert str(error) == f"status: {STATUS_CHOICES}"


@pytest.mark.parametrize(
    ("path", "target"),
    [
        (["checked_in", "completed"], "booked"),
        (["checked_in", "completed"], "cancelled"),
        (["checked_in", "completed"], "no_show"),
        (["cancelled"], "booked"),
        (["cancelled"], "checked_in"),
        ([], "completed"),
        (["no_show"], "completed"),
        (["checked_in"], "no_show"),
    ],
)
def test_change_status_refuses_a_disallowed_transition(clinic, engine, appointment, path, target):
    walk(clinic, appointment, *path)
    current = path[-1] if path else "booked"
    error = refused(engine, InvalidInput, booking.change_status, clinic, appointment, target)
    assert str(error) == f"status: a {current} appointment cannot become {target}"
    assert status_of(engine, appointment) == current


@pytest.mark.parametrize("call", [booking.cancel, lambda clinic, i: booking.change_status(clinic, i, "checked_in")])
def test_cancel_and_change_status_refuse_an_unknown_appointment(clinic, engine, call):
    error = refused(engine, NotFound, call, clinic, UNKNOWN)
    assert str(error) == f"appointment_id: no appointment with id {UNKNOWN}"


def test_cancel_refuses_a_bad_id(clinic, engine):
    error = refused(engine, InvalidInput, booking.cancel, clinic, 0)
    assert str(error) == ("appointment_id: Input should be greater than 0")


def test_a_completed_appointment_cannot_be_cancelled(clinic, engine, appointment):
    walk(clinic, appointment, "checked_in", "completed")
    error = refused(engine, InvalidInput, booking.cancel, clinic, appointment)
    assert str(error) == "status: a completed appointment cannot become cancelled"


# --- schedule reads ---


@pytest.mark.parametrize(
    ("provider", "day", "expected"),
    [
        (0, TUESDAY, "provider_id: Input should be greater than 0"),
        (UNKNOWN, TUESDAY, f"provider_id: no provider with id {UNKNOWN}"),
        ("ours", "2030-02-30", "day: Input should be a valid date"),
        ("ours", "tuesday", "day: Input should be a valid date"),
    ],
)
def test_free_slots_refuses_bad_input(clinic, engine, provider_id, provider, day, expected):
    error = refused(
        engine, InvalidInput, schedule.free_slots, clinic, provider_id if provider == "ours" else provider, day
    )
    assert str(error).startswith(expected)


def test_free_slots_refuses_an_inactive_provider(clinic, engine, provider_id):
    deactivate(engine, provider_id)
    error = refused(engine, InvalidInput, schedule.free_slots, clinic, provider_id, TUESDAY)
    assert str(error) == f"provider_id: provider {provider_id} is no longer active"


@pytest.mark.parametrize("read", [schedule.schedule, schedule.day_type_counts])
@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (TUESDAY, TUESDAY - timedelta(days=1), "last_day: must not be before first_day"),
        (TUESDAY, TUESDAY + timedelta(days=100), "last_day: a range may span at most 100 days"),
        (TUESDAY, TUESDAY + timedelta(days=400), "last_day: a range may span at most 100 days"),
    ],
)
def test_schedule_reads_refuse_a_bad_range(clinic, engine, appointment, read, first, last, expected):
    error = refused(engine, InvalidInput, read, clinic, first, last)
    assert str(error) == expected


@pytest.mark.parametrize("read", [schedule.schedule, schedule.day_type_counts])
def test_schedule_reads_accept_the_longest_range(clinic, appointment, read):
    assert read(clinic, TUESDAY - timedelta(days=50), TUESDAY + timedelta(days=49))  # 100 days, holds the booking


# --- patients ---


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", "query: String should have at least 1 character"),
        ("   ", "query: String should have at least 1 character"),
        ("a" * 101, "query: String should have at most 100 characters"),
    ],
)
def test_search_patients_refuses_bad_input(clinic, engine, patient_id, query, expected):
    error = refused(engine, InvalidInput, patients.search_patients, clinic, query)
    assert str(error) == expected


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"first_name": "  "}, "first_name: must not be empty"),
        ({"last_name": "Hop\tper"}, "last_name: must not contain control characters"),
        ({"last_name": "H" * 101}, "last_name: String should have at most 100 characters"),
        ({"phone": "555"}, "phone: must be a phone number of 6 to 15 digits (spaces, +, -, ( ) allowed)"),
        ({"email": "grace.navy.mil"}, "email: must look like name@example.org"),
        ({"date_of_birth": "1899-12-31"}, "date_of_birth: must not be before 1900-01-01"),
        ({"date_of_birth": date.today() + timedelta(days=1)}, "date_of_birth: must not be in the future"),
        ({"nickname": "Amazing Grace"}, "nickname: Extra inputs are not permitted"),
    ],
)
def test_create_patient_refuses_bad_fields(clinic, engine, changes, expected):
    error = refused(engine, InvalidInput, register, clinic, **{**PATIENT, **changes})
    assert str(error) == expected


def test_create_patient_names_every_missing_field(clinic, engine):
    error = refused(engine, InvalidInput, register, clinic, first_name="Grace")
    assert [(e.field, e.message) for e in error.errors] == [
        ("last_name", "Field required"),
        ("date_of_birth", "Field required"),
        ("phone", "Field required"),
    ]


def test_a_likely_duplicate_patient_is_refused_unless_confirmed(clinic, engine):
    first = patients.create_patient(clinic, validate(PatientIn, **PATIENT))
    twin = {**PATIENT, "first_name": " grace ", "last_name": "HOPPER", "phone": "+1 555 999 0000"}
    error = refused(engine, LikelyDuplicatePatient, register, clinic, **twin)
    assert error.patient_ids == [first]
    assert f"(id {first})" in str(error) and "same name and date of birth" in str(error)

    second = patients.create_patient(clinic, validate(PatientIn, **twin), allow_duplicate=True)
    assert second != first
    assert row_counts(engine)["patients"] == 2
    again = refused(engine, LikelyDuplicatePatient, register, clinic, **PATIENT)
    assert again.patient_ids == [first, second]


def test_same_name_with_another_birth_date_is_not_a_duplicate(clinic, engine):
    patients.create_patient(clinic, validate(PatientIn, **PATIENT))
    patients.create_patient(clinic, validate(PatientIn, **{**PATIENT, "date_of_birth": "1906-12-10"}))
    assert row_counts(engine)["patients"] == 2


# --- providers ---


def test_add_provider_refuses_a_blank_name(clinic, engine):
    error = refused(engine, InvalidInput, providers.add_provider, clinic, "   ", WEEKDAY_HOURS)
    assert str(error) == "name: must not be empty"


@pytest.mark.parametrize("length", [timedelta(0), timedelta(hours=-1)])
def test_add_time_off_refuses_an_end_not_after_the_start(clinic, engine, provider_id, length):
    error = refused(engine, InvalidInput, providers.add_time_off, clinic, provider_id, TUESDAY_9, TUESDAY_9 + length)
    assert str(error) == "ends_at: must be after starts_at"


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (
            {1: [WorkingBlock(time(8), time(12), 30), WorkingBlock(time(11), time(14), 30)]},
            "weekly_hours: blocks of one weekday must not overlap",
        ),
        ({1: [WorkingBlock(time(8), time(12), 0)]}, "weekly_hours: slot length must be 5 to 480 minutes"),
        ({1: [WorkingBlock(time(12), time(8), 30)]}, "weekly_hours: a block must end after it starts"),
        ({8: [WorkingBlock(time(8), time(12), 30)]}, "weekly_hours: weekday must be 1 (Monday) to 7 (Sunday)"),
    ],
)
def test_add_provider_with_bad_hours_writes_nothing(clinic, engine, hours, message):
    # The database refuses these; the provider row inserted first is rolled back with them.
    error = refused(engine, InvalidInput, providers.add_provider, clinic, "Dr. Bad Hours", hours)
    assert str(error) == message


def test_add_provider_refuses_a_name_in_use(clinic, engine, provider_id):
    with engine.connect() as conn:
        name = conn.execute(text("SELECT name FROM providers WHERE id = :id"), {"id": provider_id}).scalar_one()
    error = refused(engine, InvalidInput, providers.add_provider, clinic, name, WEEKDAY_HOURS)
    assert str(error) == "name: a provider with this name already exists"


def test_time_off_for_an_unknown_provider_writes_nothing(clinic, engine):
    one_hour = TUESDAY_9 + timedelta(hours=1)
    error = refused(engine, InvalidInput, providers.add_time_off, clinic, UNKNOWN, TUESDAY_9, one_hour)
    assert str(error) == "provider_id: no such provider"


def test_time_off_needs_aware_times(clinic, engine, provider_id):
    naive = TUESDAY_9.replace(tzinfo=None)
    error = refused(engine, InvalidInput, providers.add_time_off, clinic, provider_id, naive, TUESDAY_9)
    assert str(error) == "starts_at: must include a time zone offset"
