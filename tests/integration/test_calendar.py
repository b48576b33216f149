"""Providers' working calendar (for shading the views) and a patient's appointment history."""

from datetime import date, datetime, time, timedelta

import pytest

from app.domain.errors import InvalidInput
from app.domain.models import BookingRequest
from app.domain.slots import WorkingBlock
from app.services import booking, calendar, providers, schedule
from tests.conftest import ZONE, new_patient

MONDAY = date(2030, 1, 7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def test_week_shows_working_days_and_closed_weekend(clinic, provider_id):
    week = calendar.working_calendar(clinic, MONDAY, MONDAY + timedelta(days=6), provider_id)
    assert list(week) == [MONDAY + timedelta(days=i) for i in range(7)]
    monday = week[MONDAY]
    assert [h.provider_id for h in monday] == [provider_id]
    assert [(w.start, w.end) for w in monday[0].working] == [
        (at(MONDAY, 8), at(MONDAY, 12)),
        (at(MONDAY, 13), at(MONDAY, 17)),
    ]
    saturday = week[MONDAY + timedelta(days=5)][0]
    assert not saturday.works and not saturday.fully_off


def test_time_off_is_reported_on_each_day_it_touches(clinic, provider_id):
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    providers.add_time_off(clinic, provider_id, at(tuesday, 0), at(wednesday, 10))
    week = calendar.working_calendar(clinic, MONDAY, MONDAY + timedelta(days=3), provider_id)
    assert week[MONDAY][0].time_off == []
    assert week[tuesday][0].fully_off
    assert week[wednesday][0].time_off and not week[wednesday][0].fully_off
    assert week[MONDAY + timedelta(days=3)][0].time_off == []


def test_all_providers_are_listed_when_none_is_chosen(clinic, provider_id):
    other = providers.add_provider(clinic, "Dr. Saturday", {6: [WorkingBlock(time(9), time(12), 15)]})
    saturday = MONDAY + timedelta(days=5)
    day = {h.provider_id: h for h in calendar.working_calendar(clinic, saturday, saturday)[saturday]}
    assert set(day) == {provider_id, other}
    assert day[other].works and not day[provider_id].works


def test_a_range_too_long_is_refused_naming_the_field(clinic):
    with pytest.raises(InvalidInput) as refused:
        calendar.working_calendar(clinic, MONDAY, MONDAY + timedelta(days=400))
    assert refused.value.errors[0].field == "last_day"


def test_patient_history_is_newest_first_and_keeps_cancellations(clinic, provider_id, patient_id):
    next_monday = MONDAY + timedelta(days=7)
    first = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(next_monday, 9))
    )
    second = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=at(next_monday, 14))
    )
    booking.cancel(clinic, first)
    booking.book(
        clinic,
        BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic, "Other"), start=at(next_monday, 10)),
    )
    history = schedule.patient_appointments(clinic, patient_id)
    assert [(a.id, a.status) for a in history] == [(second, "booked"), (first, "cancelled")]


def test_patient_history_refuses_a_bad_id(clinic):
    with pytest.raises(InvalidInput) as refused:
        schedule.patient_appointments(clinic, 0)
    assert refused.value.errors[0].field == "patient_id"
