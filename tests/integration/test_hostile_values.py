"""Values that crashed a service instead of being refused: each is refused with InvalidInput naming its field, and
nothing is written."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.domain.errors import InvalidInput
from app.domain.models import BookingRequest, validate
from app.services import audit, booking, patients, providers, schedule, staff
from tests.conftest import ZONE
from tests.integration.db_state import refused

TOP_OF_INTEGER = 2**31 - 1
BERLIN = ZoneInfo("Europe/Berlin")


def field_and_message(error: InvalidInput) -> tuple[str, str]:
    (problem,) = error.errors
    return problem.field, problem.message


def test_a_search_with_nul_is_refused_at_the_query(engine, clinic):
    error = refused(engine, InvalidInput, patients.search_patients, clinic, "Ada\x00Lovelace")
    assert field_and_message(error) == ("query", "must not contain a NUL character")


def test_the_top_integer_is_no_id(engine, clinic, provider_id):
    # The exclusion constraints read an id as the range [id, id + 1), which overflows integer at its top.
    error = refused(
        engine,
        InvalidInput,
        lambda: booking.book(
            clinic,
            validate(
                BookingRequest,
                provider_id=provider_id,
                patient_id=TOP_OF_INTEGER,
                start=datetime(2030, 1, 8, 9, 0, tzinfo=ZONE),
            ),
        ),
    )
    assert field_and_message(error) == ("patient_id", "Input should be less than 2147483647")
    for call, field in (
        (patients.get_patient, "patient_id"),
        (schedule.appointment, "appointment_id"),
        (audit.history, "appointment_id"),
    ):
        error = refused(engine, InvalidInput, call, clinic, TOP_OF_INTEGER)
        assert field_and_message(error)[0] == field


@pytest.mark.parametrize("day", [date(1, 1, 1), date(9999, 12, 31)])
def test_days_at_the_ends_of_the_calendar_are_refused(engine, clinic, provider_id, day):
    bounds = "must be between 1900-01-01 and 2999-12-31"
    assert field_and_message(refused(engine, InvalidInput, schedule.free_slots, clinic, provider_id, day)) == (
        "day",
        bounds,
    )
    both = refused(engine, InvalidInput, schedule.schedule, clinic, day, day)
    assert [(e.field, e.message) for e in both.errors] == [("first_day", bounds), ("last_day", bounds)]
    assert refused(engine, InvalidInput, schedule.day_type_counts, clinic, day, day).errors[0].field == "first_day"
    assert field_and_message(refused(engine, InvalidInput, audit.search, clinic, since=day)) == ("since", bounds)
    start = datetime.combine(day, datetime.min.time(), tzinfo=ZONE)
    error = refused(engine, InvalidInput, providers.add_time_off, clinic, provider_id, start, start)
    assert error.errors[0].field == "starts_at" and error.errors[0].message == bounds


def test_a_staff_password_that_is_not_valid_text_is_refused(engine, clinic):
    error = refused(engine, InvalidInput, staff.add_staff, clinic, "newcomer", "manager", "bad \udcff bytes in it")
    assert field_and_message(error) == ("password", "is not valid text (it holds bytes that are not UTF-8)")


def test_a_time_the_clocks_skip_is_refused_naming_the_change(engine, clinic, provider_id, patient_id):
    skipped = datetime(2030, 3, 31, 2, 30, tzinfo=BERLIN)  # clocks go from 02:00 CET to 03:00 CEST
    error = refused(
        engine,
        InvalidInput,
        lambda: booking.book(
            clinic, validate(BookingRequest, provider_id=provider_id, patient_id=patient_id, start=skipped)
        ),
    )
    assert field_and_message(error) == (
        "start",
        "2030-03-31 02:30 does not exist in Europe/Berlin: the clocks go forward that night (CET to CEST) and skip"
        " it; choose a time after the change",
    )
    error = refused(
        engine, InvalidInput, providers.add_time_off, clinic, provider_id, skipped, datetime(2030, 4, 1, tzinfo=BERLIN)
    )
    assert error.errors[0].field == "starts_at" and "does not exist in Europe/Berlin" in error.errors[0].message


def test_a_time_the_clocks_pass_twice_is_taken_as_the_first(engine, clinic, provider_id):
    repeated = datetime(2030, 10, 27, 2, 30, tzinfo=BERLIN)
    off = providers.add_time_off(clinic, provider_id, repeated, datetime(2030, 10, 27, 5, 0, tzinfo=BERLIN))
    (stored,) = [t for t in providers.provider_setup(clinic, provider_id).time_off if t.id == off]
    assert stored.starts_at == datetime(2030, 10, 27, 0, 30, tzinfo=ZoneInfo("UTC")), "02:30 CEST, the first"
