"""Clinic-wide closures: nobody can be booked while the clinic is closed; a closure over bookings is refused."""

from datetime import date, datetime, time

import pytest
from sqlalchemy.exc import IntegrityError

from app.domain.errors import InvalidInput, WouldOrphan
from app.domain.models import BookingRequest
from app.services import booking, closures, schedule
from app.services.finding import next_free
from tests.conftest import ZONE, new_patient
from tests.integration.db_state import insert_by_hand, refused

TUESDAY = date(2030, 1, 8)


def at(hour: int, minute: int = 0, day: date = TUESDAY) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


def book(clinic, provider_id: int, start: datetime) -> int:
    request = BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic, f"P{start:%H%M}"), start=start)
    return booking.book(clinic, request)


def test_a_closure_takes_its_times_out_of_every_list_and_refuses_bookings(clinic, engine, provider_id):
    closure = closures.add_closure(clinic, at(12), at(23, 59), "staff training")
    assert [c.reason for c in closures.upcoming_closures(clinic)] == ["staff training"]
    free = [s.astimezone(ZONE).strftime("%H:%M") for s in schedule.free_slots(clinic, provider_id, TUESDAY)]
    assert free[-1] == "11:30" and "13:00" not in free
    assert next_free(clinic, provider_id=provider_id, part_of_day="afternoon", count=1)[0].start == at(
        13, day=date(2030, 1, 9)
    )
    request = BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic), start=at(13))
    error = refused(engine, InvalidInput, booking.book, clinic, request)
    assert str(error) == "start: the clinic is closed at that time"

    closures.remove_closure(clinic, closure)
    book(clinic, provider_id, at(13))


def test_a_closure_over_bookings_is_refused_with_the_list(clinic, engine, provider_id):
    booked = book(clinic, provider_id, at(9))
    error = refused(engine, WouldOrphan, closures.add_closure, clinic, at(0), at(23), "holiday")
    assert error.field == "starts_at" and [a.id for a in error.appointments] == [booked]
    assert str(error).startswith("starts_at: the closure covers 1 upcoming appointment; move or cancel them first")


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda c: closures.add_closure(c, at(12), at(11), "x"), "ends_at: must be after starts_at"),
        (lambda c: closures.remove_closure(c, 999_999), "closure_id: no such closure"),
        (lambda c: closures.add_closure(c, at(12), at(13), "line\nbreak"), "reason: must not contain control"),
    ],
)
def test_bad_closures_are_refused_by_name(clinic, engine, call, expected):
    error = refused(engine, InvalidInput, call, clinic)
    assert str(error).startswith(expected)


def test_the_database_refuses_a_hand_made_booking_in_a_closure(clinic, engine, provider_id):
    closures.add_closure(clinic, at(0), at(23), "holiday")
    patient = new_patient(clinic)
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        insert_by_hand(conn, provider_id, patient, at(9), at(9, 30))
    assert caught.value.orig.diag.constraint_name == "appointments_outside_closures"
