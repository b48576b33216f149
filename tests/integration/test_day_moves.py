"""A provider who cannot come: their appointments move to a free colleague of the same specialty, the rest are
listed to call."""

from datetime import date, datetime, time

import pytest

from app.domain.errors import InvalidInput
from app.domain.models import BookingRequest
from app.services import booking, schedule
from app.services.day_moves import move_days
from app.services.providers import add_provider
from tests.conftest import WEEKDAY_HOURS, ZONE, make_clinic, new_patient

TUESDAY, WEDNESDAY = date(2030, 1, 8), date(2030, 1, 9)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def book(clinic, provider_id: int, start: datetime, name: str) -> int:
    request = BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic, name), start=start)
    return booking.book(clinic, request)


def test_appointments_move_to_a_free_colleague_of_the_same_specialty_and_the_rest_are_listed(clinic):
    sick = add_provider(clinic, "Dr. Sick", WEEKDAY_HOURS, "General practice")
    busy = add_provider(clinic, "Dr. Busy", WEEKDAY_HOURS, "General practice")
    free = add_provider(clinic, "Dr. Free", {2: WEEKDAY_HOURS[2]}, "General practice")  # Tuesdays only
    add_provider(clinic, "Dr. Other field", WEEKDAY_HOURS, "Dermatology")
    first = book(clinic, sick, at(TUESDAY, 9), "Ann")
    second = book(clinic, sick, at(WEDNESDAY, 9), "Ben")
    book(clinic, busy, at(WEDNESDAY, 9), "Cy")
    book(clinic, busy, at(TUESDAY, 9), "Di")
    late = book(clinic, sick, at(TUESDAY, 10), "Ed")

    result = move_days(clinic, sick, TUESDAY, WEDNESDAY)

    assert [(m.appointment.id, m.to.id) for m in result.moved] == [(first, free), (late, busy)]  # by name: Busy first
    assert [a.id for a in result.to_call] == [second]  # Wednesday: Dr. Busy is busy, Dr. Free does not work
    assert result.to_call[0].patient_phone
    assert result.summary() == "2 moved to another provider, 1 to call"
    assert schedule.appointment(clinic, first).provider_id == free
    assert schedule.appointment(clinic, second).provider_id == sick


def test_past_and_finished_appointments_stay_and_bad_input_is_refused(engine, clinic):
    sick = add_provider(clinic, "Dr. Sick", WEEKDAY_HOURS, "General practice")
    add_provider(clinic, "Dr. Free", WEEKDAY_HOURS, "General practice")
    early = book(clinic, sick, at(TUESDAY, 8), "Ann")
    later = make_clinic(engine, now=at(TUESDAY, 8, 10))
    assert move_days(later, sick, TUESDAY, TUESDAY).moved == []
    assert schedule.appointment(clinic, early).provider_id == sick
    with pytest.raises(InvalidInput, match="last_day"):
        move_days(clinic, sick, WEDNESDAY, TUESDAY)
    with pytest.raises(InvalidInput, match="provider_id"):
        move_days(clinic, 999_999, TUESDAY, TUESDAY)
