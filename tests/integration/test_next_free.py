"""Next available: the first free times for a type across providers, with the preferences a desk gives."""

from dataclasses import replace
from datetime import date, datetime, time

import pytest

from app.domain.errors import InvalidInput
from app.domain.models import BookingRequest
from app.domain.slots import WorkingBlock
from app.services import appointment_types, booking, providers
from app.services.finding import next_free
from app.services.providers import add_provider
from tests.conftest import WEEKDAY_HOURS, ZONE, make_clinic, new_patient

TUESDAY = date(2030, 1, 8)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


@pytest.fixture
def two(clinic) -> tuple[int, int]:
    """Dr. Adams (general practice) and Dr. Baker (cardiology), both on the tests' weekday hours."""
    return (
        add_provider(clinic, "Dr. Adams", WEEKDAY_HOURS, "General practice"),
        add_provider(clinic, "Dr. Baker", WEEKDAY_HOURS, "Cardiology"),
    )


def found(options) -> list[tuple[datetime, int]]:
    return [(option.start.astimezone(ZONE), option.provider_id) for option in options]


def test_the_first_times_come_earliest_first_and_by_provider_name(clinic, two):
    adams, baker = two
    assert found(next_free(clinic, count=3)) == [
        (at(TUESDAY, 8), adams),
        (at(TUESDAY, 8), baker),
        (at(TUESDAY, 8, 30), adams),
    ]


def test_booked_times_and_the_whole_span_are_respected(clinic, two):
    adams, _baker = two
    surgery = appointment_types.add_type(clinic, "surgery", "Surgery", "#aa3300", minutes=60, buffer_minutes=15)
    booking.book(clinic, BookingRequest(provider_id=adams, patient_id=new_patient(clinic), start=at(TUESDAY, 9)))
    options = found(next_free(clinic, surgery, provider_id=adams, count=4))
    # 08:00 would run into 09:00; 09:30 is the first start clear of it; 11:00 would run past noon
    assert options == [(at(TUESDAY, h, m), adams) for h, m in ((9, 30), (10, 0), (10, 30), (13, 0))]


def test_preferences_narrow_the_search(clinic, two):
    adams, baker = two
    assert found(next_free(clinic, specialty="Cardiology", count=1)) == [(at(TUESDAY, 8), baker)]
    assert found(next_free(clinic, provider_id=adams, part_of_day="afternoon", count=1)) == [(at(TUESDAY, 13), adams)]
    thursday = date(2030, 1, 10)
    assert found(next_free(clinic, provider_id=adams, weekdays=[4], count=1)) == [(at(thursday, 8), adams)]
    assert found(next_free(clinic, provider_id=adams, from_day=thursday, count=1)) == [(at(thursday, 8), adams)]


def test_the_patient_s_own_appointments_are_avoided(clinic, two):
    adams, baker = two
    patient = new_patient(clinic)
    booking.book(clinic, BookingRequest(provider_id=baker, patient_id=patient, start=at(TUESDAY, 8)))
    options = found(next_free(clinic, provider_id=adams, patient_id=patient, count=1))
    assert options == [(at(TUESDAY, 8, 30), adams)]


def test_the_past_time_off_inactive_providers_and_the_horizon_are_left_out(engine, clinic, two):
    adams, baker = two
    providers.add_time_off(clinic, adams, at(TUESDAY, 0), at(TUESDAY, 23), "course")
    providers.set_provider_active(clinic, baker, False)
    late = make_clinic(engine, now=at(TUESDAY, 10, 40))
    assert found(next_free(late, count=1)) == [(at(date(2030, 1, 9), 8), adams)]
    assert next_free(replace(clinic, horizon_days=1), count=5) == []  # Wednesday 08:00 is past the horizon


def test_weeks_without_a_free_time_are_searched_through(clinic):
    rare = add_provider(clinic, "Dr. Rare", {5: [WorkingBlock(time(9), time(10), 60)]})
    first_friday = date(2030, 1, 11)
    options = found(next_free(clinic, provider_id=rare, count=3))
    assert options == [(at(first_friday.replace(day=d), 9), rare) for d in (11, 18, 25)]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"count": 0}, "count: Input should be greater than or equal to 1"),
        ({"weekdays": [8]}, "weekdays.0: Input should be less than or equal to 7"),
        ({"part_of_day": "evening"}, "part_of_day: Input should be 'morning' or 'afternoon'"),
        ({"type_id": 999_999}, "type_id: no such appointment type"),
    ],
)
def test_bad_preferences_are_refused_by_name(clinic, two, values, expected):
    with pytest.raises(InvalidInput) as caught:
        next_free(clinic, **values)
    assert str(caught.value) == expected
