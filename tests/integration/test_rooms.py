"""Rooms: a type that needs a room of a kind takes its provider and a free room of that kind together."""

from datetime import date, datetime, time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.domain.errors import InvalidInput, SlotTaken, WouldOrphan
from app.domain.models import BookingRequest
from app.services import appointment_types, booking, rooms, schedule
from app.services.finding import next_free
from app.services.providers import add_provider
from tests.conftest import WEEKDAY_HOURS, ZONE, new_patient
from tests.integration.db_state import insert_by_hand, refused

TUESDAY = date(2030, 1, 8)


def at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(TUESDAY, time(hour, minute), tzinfo=ZONE)


@pytest.fixture
def surgery(clinic) -> int:
    return appointment_types.add_type(
        clinic, "surgery", "Minor surgery", "#aa3300", minutes=60, buffer_minutes=15, room_kind="procedure room"
    )


@pytest.fixture
def two_rooms(clinic) -> tuple[int, int]:
    rooms.add_room(clinic, "Ultrasound", "ultrasound")
    return rooms.add_room(clinic, "Procedure 1", "procedure room"), rooms.add_room(
        clinic, "Procedure 2", "procedure room"
    )


def book(clinic, provider_id, start, type_id=None, room_id=None, patient="") -> int:
    request = BookingRequest(
        provider_id=provider_id,
        patient_id=new_patient(clinic, patient or f"P{provider_id}{start:%H%M}"),
        start=start,
        type_id=type_id,
        room_id=room_id,
    )
    return booking.book(clinic, request)


def room_of(engine, appointment_id: int) -> int | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT room_id FROM appointments WHERE id = :id"), {"id": appointment_id}).scalar()


def test_a_booking_takes_the_first_free_room_of_its_kind_and_none_for_other_types(
    clinic, engine, provider_id, surgery, two_rooms
):
    first, second = two_rooms
    other = add_provider(clinic, "Dr. Second", WEEKDAY_HOURS)
    third = add_provider(clinic, "Dr. Third", WEEKDAY_HOURS)
    assert room_of(engine, book(clinic, provider_id, at(9), surgery)) == first
    assert room_of(engine, book(clinic, other, at(9, 30), surgery)) == second  # the first is taken until 10:15
    with pytest.raises(SlotTaken, match="no procedure room is free at that time"):
        book(clinic, third, at(10), surgery)
    assert room_of(engine, book(clinic, third, at(10, 30), surgery)) == first  # free again after its buffer
    assert room_of(engine, book(clinic, third, at(8))) is None  # a consultation needs no room


def test_free_times_and_next_available_need_a_room_too(clinic, provider_id, surgery, two_rooms):
    first, second = two_rooms
    other = add_provider(clinic, "Dr. Second", WEEKDAY_HOURS)
    book(clinic, other, at(8), surgery, room_id=first)
    book(clinic, add_provider(clinic, "Dr. Third", WEEKDAY_HOURS), at(8, 30), surgery, room_id=second)
    free = [s.astimezone(ZONE).strftime("%H:%M") for s in schedule.free_slots(clinic, provider_id, TUESDAY, surgery)]
    assert free[:2] == ["09:30", "10:00"]  # both rooms are busy until 09:15 and 09:45
    options = next_free(clinic, surgery, provider_id=provider_id, count=2)
    assert [(o.start, o.room_id) for o in options] == [(at(9, 30), first), (at(10), first)]


def test_a_picked_room_is_taken_or_refused_by_name(clinic, engine, provider_id, surgery, two_rooms):
    first, second = two_rooms
    assert room_of(engine, book(clinic, provider_id, at(9), surgery, room_id=second)) == second
    patient = new_patient(clinic, "Other")
    other = add_provider(clinic, "Dr. Second", WEEKDAY_HOURS)
    request = BookingRequest(provider_id=other, patient_id=patient, start=at(9), type_id=surgery, room_id=second)
    refused(engine, SlotTaken, booking.book, clinic, request)
    ultrasound = next(room.id for room in rooms.list_rooms(clinic) if room.kind == "ultrasound")
    wrong = BookingRequest(provider_id=other, patient_id=patient, start=at(9), type_id=surgery, room_id=ultrasound)
    error = refused(engine, InvalidInput, booking.book, clinic, wrong)
    assert str(error) == f"room_id: room {ultrasound} is not a procedure room in use"
    plain = BookingRequest(provider_id=other, patient_id=patient, start=at(9), room_id=first)
    assert (
        str(refused(engine, InvalidInput, booking.book, clinic, plain))
        == "room_id: this appointment type needs no room"
    )


def test_the_database_refuses_one_room_in_two_overlapping_appointments(clinic, engine, provider_id, surgery, two_rooms):
    first, _second = two_rooms
    book(clinic, provider_id, at(9), surgery, room_id=first)
    other, patient = add_provider(clinic, "Dr. Second", WEEKDAY_HOURS), new_patient(clinic, "Raw")
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        insert_by_hand(conn, other, patient, at(10), at(10, 30), room_id=first, type_id=surgery)
    assert caught.value.orig.diag.constraint_name == "appointments_no_room_overlap"  # 10:00 is in its buffer


def test_a_room_with_upcoming_appointments_stays_in_use(clinic, engine, provider_id, surgery, two_rooms):
    first, _second = two_rooms
    booked = book(clinic, provider_id, at(9), surgery, room_id=first)
    error = refused(engine, WouldOrphan, rooms.update_room, clinic, first, "Procedure 1", "procedure room", False)
    assert [a.id for a in error.appointments] == [booked]
    booking.cancel(clinic, booked)
    rooms.update_room(clinic, first, "Procedure 1 (closed)", "procedure room", False)
    assert [r.active for r in rooms.list_rooms(clinic) if r.id == first] == [False]


def test_moving_a_room_appointment_takes_a_free_room_then(clinic, engine, provider_id, surgery, two_rooms):
    first, second = two_rooms
    moved = book(clinic, provider_id, at(9), surgery, room_id=first)
    book(clinic, add_provider(clinic, "Dr. Second", WEEKDAY_HOURS), at(13), surgery, room_id=first)
    booking.reschedule(clinic, moved, at(13))
    assert room_of(engine, moved) == second


def test_a_move_keeps_its_room_where_it_can_and_its_own_room_time_is_free_for_it(
    clinic, engine, provider_id, surgery, two_rooms
):
    _first, second = two_rooms
    moved = book(clinic, provider_id, at(9), surgery, room_id=second)
    booking.reschedule(clinic, moved, at(13))
    assert room_of(engine, moved) == second  # both rooms free at 13:00: it keeps its own
    rooms.update_room(clinic, _first, "Procedure 1", "procedure room", False)  # one room left in use
    free = schedule.free_slots(clinic, provider_id, TUESDAY, surgery, ignoring=moved)
    assert at(13, 30) in free  # overlaps its own time and room: free for it
    assert at(13, 30) not in schedule.free_slots(clinic, provider_id, TUESDAY, surgery)


def test_a_move_can_name_its_room_and_is_refused_a_taken_or_wrong_one(clinic, engine, provider_id, surgery, two_rooms):
    first, second = two_rooms
    moved = book(clinic, provider_id, at(9), surgery, room_id=first)
    booking.reschedule(clinic, moved, at(9), room_id=second)  # the same time, the other room
    assert room_of(engine, moved) == second
    assert schedule.appointment(clinic, moved).room_name == "Procedure 2"
    booking.reschedule(clinic, moved, at(9, 30), room_id=second)  # overlapping its own time in its own room
    assert (room_of(engine, moved), schedule.appointment(clinic, moved).starts_at) == (second, at(9, 30))

    book(clinic, add_provider(clinic, "Dr. Second", WEEKDAY_HOURS), at(13), surgery, room_id=first)
    with pytest.raises(SlotTaken, match="no procedure room is free"):
        booking.reschedule(clinic, moved, at(13), room_id=first)
    ultrasound = next(room.id for room in rooms.list_rooms(clinic) if room.kind == "ultrasound")
    with pytest.raises(InvalidInput, match="is not a procedure room in use") as refused_room:
        booking.reschedule(clinic, moved, at(13), room_id=ultrasound)
    assert refused_room.value.errors[0].field == "room_id"
    plain = book(clinic, provider_id, at(15))
    with pytest.raises(InvalidInput, match="needs no room"):
        booking.reschedule(clinic, plain, at(16), room_id=first)
    assert (room_of(engine, moved), room_of(engine, plain)) == (second, None)
    assert schedule.appointment(clinic, plain).room_name is None


@pytest.mark.parametrize("room", ["none", "inactive", "of another kind", "for a type that needs none"])
def test_the_database_refuses_a_hand_made_appointment_without_the_room_its_type_needs(
    clinic, engine, provider_id, surgery, two_rooms, room
):
    first, second = two_rooms
    ultrasound = next(r.id for r in rooms.list_rooms(clinic) if r.kind == "ultrasound")
    rooms.update_room(clinic, second, "Procedure 2", "procedure room", False)
    type_id = 1 if room == "for a type that needs none" else surgery
    room_id = {"none": None, "inactive": second, "of another kind": ultrasound, "for a type that needs none": first}
    patient = new_patient(clinic, "Raw")
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        insert_by_hand(conn, provider_id, patient, at(9), at(10), room_id=room_id[room], type_id=type_id)
    assert caught.value.orig.diag.constraint_name == "appointments_room_of_its_kind"
