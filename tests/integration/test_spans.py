"""Appointments as spans: a type's length and buffer, a provider's own length, locking over the span, moving to
another provider."""

from datetime import datetime, time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.domain.errors import InvalidInput, PatientBusy, SlotTaken, WouldOrphan
from app.domain.models import BookingRequest
from app.domain.slots import WorkingBlock
from app.services import appointment_types, booking, providers, schedule
from app.services.providers import add_provider
from tests.conftest import WEEKDAY_HOURS, ZONE, new_patient
from tests.integration.db_state import booked_while_a_desk_books, in_background, insert_by_hand, wait_for_lock_waiter

TUESDAY = datetime(2030, 1, 8, tzinfo=ZONE)


def at(hour: int, minute: int = 0) -> datetime:
    return TUESDAY.replace(hour=hour, minute=minute)


@pytest.fixture
def procedure(clinic) -> int:
    """A 60-minute type with 15 minutes of cleaning after it."""
    return appointment_types.add_type(clinic, "surgery", "Minor surgery", "#aa3300", minutes=60, buffer_minutes=15)


@pytest.fixture
def short(clinic) -> int:
    return appointment_types.add_type(clinic, "check", "Quick check", "#00aa33", minutes=15)


def book(clinic, provider_id: int, start: datetime, type_id: int | None = None, patient: str = "") -> int:
    patient_id = new_patient(clinic, patient or f"P{start:%H%M}{type_id}")
    return booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=start, type_id=type_id)
    )


def row(engine, appointment_id: int):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT provider_id, starts_at, ends_at, busy_until, type_id FROM appointments WHERE id = :id"),
            {"id": appointment_id},
        ).one()


def live_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM appointments WHERE status <> 'cancelled'")).scalar_one()


def local_starts(starts: list[datetime]) -> list[str]:
    return [start.astimezone(ZONE).strftime("%H:%M") for start in starts]


def test_a_booking_lasts_its_type_s_length_and_keeps_the_provider_busy_through_the_buffer(
    clinic, engine, provider_id, procedure
):
    booked = row(engine, book(clinic, provider_id, at(9), procedure))
    assert (booked.starts_at, booked.ends_at, booked.busy_until) == (at(9), at(10), at(10, 15))
    free = local_starts(schedule.free_slots(clinic, provider_id, TUESDAY.date()))
    assert "09:00" not in free and "09:30" not in free and "10:00" not in free  # the buffer too
    assert "08:30" in free and "10:30" in free


def test_the_free_times_of_a_long_type_are_where_its_whole_span_fits(clinic, provider_id, procedure):
    book(clinic, provider_id, at(10, 30))  # a 30-minute consultation
    free = local_starts(schedule.free_slots(clinic, provider_id, TUESDAY.date(), procedure))
    # 08:00 to 12:00 and 13:00 to 17:00; 75 minutes each: 09:30 would run into 10:30, 11:00 past noon
    assert free == ["08:00", "08:30", "09:00", "13:00", "13:30", "14:00", "14:30", "15:00", "15:30"]


@pytest.mark.parametrize("start", [at(9, 30), at(10)], ids=["inside the appointment", "inside its buffer"])
def test_a_start_inside_another_s_span_is_taken(clinic, engine, provider_id, procedure, start):
    book(clinic, provider_id, at(9), procedure)
    with pytest.raises(SlotTaken):
        book(clinic, provider_id, start)
    assert live_count(engine) == 1


def test_a_long_span_over_a_later_appointment_is_taken(clinic, engine, provider_id, procedure):
    book(clinic, provider_id, at(9, 30))
    with pytest.raises(SlotTaken):
        book(clinic, provider_id, at(9), procedure)
    book(clinic, provider_id, at(10), procedure)  # 10:00 to 11:15 is clear
    assert live_count(engine) == 2


def test_a_span_that_would_run_past_the_hours_is_refused_naming_why(clinic, engine, provider_id, procedure):
    with pytest.raises(InvalidInput, match="75-minute appointment starting then would run past the end"):
        book(clinic, provider_id, at(11), procedure)
    assert live_count(engine) == 0


def test_a_short_type_leaves_the_rest_of_the_grid_position_free(clinic, engine, short):
    provider_id = add_provider(clinic, "Dr. Quarter", {2: [WorkingBlock(time(8), time(10), 15)]})
    first = row(engine, book(clinic, provider_id, at(8), short))
    assert first.ends_at == at(8, 15)
    assert "08:15" in local_starts(schedule.free_slots(clinic, provider_id, TUESDAY.date(), short))


def test_a_provider_s_own_length_for_a_type_wins(clinic, engine, provider_id, procedure):
    appointment_types.set_provider_length(clinic, provider_id, procedure, 90)
    assert appointment_types.provider_lengths(clinic, procedure) == {provider_id: 90}
    booked = row(engine, book(clinic, provider_id, at(8), procedure))
    assert (booked.ends_at, booked.busy_until) == (at(9, 30), at(9, 45))
    appointment_types.set_provider_length(clinic, provider_id, procedure, None)
    assert appointment_types.provider_lengths(clinic, procedure) == {}
    assert row(engine, book(clinic, provider_id, at(13), procedure)).ends_at == at(14)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"minutes": 4}, "minutes: Input should be greater than or equal to 5"),
        ({"minutes": 481}, "minutes: Input should be less than or equal to 480"),
        ({"buffer_minutes": -1}, "buffer_minutes: Input should be greater than or equal to 0"),
        ({"buffer_minutes": 121}, "buffer_minutes: Input should be less than or equal to 120"),
        ({"minutes": "long"}, "minutes: Input should be a valid integer"),
    ],
)
def test_lengths_out_of_range_are_refused_by_name(clinic, engine, values, expected):
    before = appointment_types.list_types(clinic)
    with pytest.raises(InvalidInput) as caught:
        appointment_types.add_type(clinic, "odd", "Odd", "#123456", **values)
    assert str(caught.value) == expected
    assert appointment_types.list_types(clinic) == before


def test_a_provider_length_out_of_range_is_refused(clinic, provider_id, procedure):
    with pytest.raises(InvalidInput, match="minutes: Input should be less than or equal to 480"):
        appointment_types.set_provider_length(clinic, provider_id, procedure, 600)
    assert appointment_types.provider_lengths(clinic, procedure) == {}


def test_a_provider_s_own_lengths_are_set_together_or_not_at_all_and_listed_by_type(clinic, provider_id, procedure):
    default_type = next(kind.id for kind in appointment_types.list_types(clinic) if kind.is_default)
    with pytest.raises(InvalidInput, match="minutes: Input should be greater than or equal to 5"):
        appointment_types.set_provider_lengths(clinic, provider_id, {procedure: 90, default_type: 3})
    assert appointment_types.provider_lengths(clinic, procedure) == {}, "the good one was not written either"
    appointment_types.set_provider_lengths(clinic, provider_id, {procedure: 90, default_type: 45})
    lengths = {length.type_id: length for length in appointment_types.type_lengths_for(clinic, provider_id)}
    assert (lengths[procedure].minutes, lengths[procedure].own) == (60, 90)
    assert lengths[default_type].own == 45
    other = add_provider(clinic, "Dr. Other", {2: [WorkingBlock(time(8), time(12), 30)]})
    assert all(length.own is None for length in appointment_types.type_lengths_for(clinic, other))


def test_changing_a_type_s_length_keeps_booked_appointments_as_they_are(clinic, engine, provider_id, procedure):
    booked = book(clinic, provider_id, at(9), procedure)
    kind = next(k for k in appointment_types.list_types(clinic) if k.id == procedure)
    appointment_types.update_type(clinic, procedure, kind.code, kind.name, kind.color, False, minutes=30)
    assert row(engine, booked).ends_at == at(10)
    assert row(engine, book(clinic, provider_id, at(13), procedure)).ends_at == at(13, 30)
    appointment_types.update_type(clinic, procedure, kind.code, "Renamed", kind.color, False)  # lengths kept
    renamed = next(k for k in appointment_types.list_types(clinic) if k.id == procedure)
    assert (renamed.minutes, renamed.buffer_minutes) == (30, 15)


def test_the_database_refuses_an_appointment_inside_another_s_buffer(clinic, engine, provider_id, procedure):
    book(clinic, provider_id, at(9), procedure)
    other = new_patient(clinic, "Raw")
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        insert_by_hand(conn, provider_id, other, at(10, 5), at(10, 35))
    assert caught.value.orig.diag.constraint_name == "appointments_no_provider_overlap"


def test_a_raw_insert_without_a_buffer_gets_the_type_s(clinic, engine, provider_id, procedure):
    patient = new_patient(clinic, "Raw")
    with engine.begin() as conn:
        new_id = insert_by_hand(conn, provider_id, patient, at(13), at(14), type_id=procedure)
    assert row(engine, new_id).busy_until == at(14, 15)


def test_time_off_over_a_buffer_and_hours_that_cut_it_off_are_refused(clinic, engine, provider_id, procedure):
    booked = book(clinic, provider_id, at(10, 30), procedure)  # busy until 11:45
    with pytest.raises(WouldOrphan) as caught:
        providers.add_time_off(clinic, provider_id, at(11, 40), at(12), "early lunch")
    assert [a.id for a in caught.value.appointments] == [booked]
    earlier_noon = {d: [WorkingBlock(time(8), time(11, 30), 30), *WEEKDAY_HOURS[d][1:]] for d in range(1, 6)}
    with pytest.raises(WouldOrphan):
        providers.set_weekly_hours(clinic, provider_id, earlier_noon)


def test_overlapping_spans_that_start_at_different_grid_positions_queue_on_the_lock(
    clinic, engine, provider_id, procedure
):
    """A desk holding the 09:30 position makes a 09:00 booking of an hour wait for it (rather than both writing
    and the constraint refusing one after the fact); then the waiting booking sees the winner and is refused."""
    winner, loser = new_patient(clinic, "Win"), new_patient(clinic, "Lose")
    request = BookingRequest(provider_id=provider_id, patient_id=loser, start=at(9), type_id=procedure)
    result = booked_while_a_desk_books(
        engine, lambda: booking.book(clinic, request), provider_id, at(9, 30), at(10), winner
    )

    assert isinstance(result.get("error"), SlotTaken)
    assert result["error"].__cause__ is None, "refused by the check after the lock, not by the constraint"
    assert live_count(engine) == 1


def test_reschedule_to_another_provider_takes_their_length(clinic, engine, provider_id, procedure):
    other = add_provider(clinic, "Dr. Other", WEEKDAY_HOURS)
    appointment_types.set_provider_length(clinic, other, procedure, 45)
    moved = book(clinic, provider_id, at(9), procedure)
    booking.reschedule(clinic, moved, at(13), other)
    after = row(engine, moved)
    assert (after.provider_id, after.starts_at, after.ends_at, after.busy_until) == (other, at(13), at(13, 45), at(14))
    assert "09:00" in local_starts(schedule.free_slots(clinic, provider_id, TUESDAY.date()))
    booking.reschedule(clinic, moved, at(13), other)  # a retry of the same move is a no-op
    assert row(engine, moved) == after


def test_reschedule_to_another_provider_is_refused_where_they_or_the_patient_are_busy(
    clinic, engine, provider_id, procedure
):
    other = add_provider(clinic, "Dr. Other", WEEKDAY_HOURS)
    patient = new_patient(clinic, "Mover")
    moved = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient, start=at(9), type_id=procedure)
    )
    before = row(engine, moved)
    book(clinic, other, at(14))
    with pytest.raises(SlotTaken):
        booking.reschedule(clinic, moved, at(13, 30), other)  # 13:30 to 14:45 runs into 14:00
    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient, start=at(15)))
    with pytest.raises(PatientBusy):
        booking.reschedule(clinic, moved, at(15), other)  # the patient is with the first provider then
    assert row(engine, moved) == before


def test_a_booking_waits_for_a_desk_holding_an_existing_grid_position_its_span_covers(
    clinic, engine, provider_id, procedure
):
    booking.cancel(clinic, book(clinic, provider_id, at(9, 30)))  # the 09:30 row exists, free again
    request = BookingRequest(
        provider_id=provider_id, patient_id=new_patient(clinic, "Later"), start=at(9), type_id=procedure
    )
    with engine.connect() as desk, desk.begin():
        desk.execute(
            text("SELECT id FROM time_slots WHERE provider_id = :p AND start_time = :s FOR UPDATE"),
            {"p": provider_id, "s": at(9, 30)},
        )
        worker, result = in_background(lambda: booking.book(clinic, request))
        wait_for_lock_waiter(engine)
    worker.join(10)
    assert "error" not in result and live_count(engine) == 1


def test_changing_the_type_takes_the_new_span_if_it_is_free(clinic, engine, provider_id, procedure, short):
    booked = book(clinic, provider_id, at(9))
    booking.change_details(clinic, booked, type_id=procedure, notes="bring the X-rays")
    after = row(engine, booked)
    assert (after.type_id, after.ends_at, after.busy_until) == (procedure, at(10), at(10, 15))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT notes FROM appointments WHERE id = :id"), {"id": booked}).scalar_one() == (
            "bring the X-rays"
        )
    booking.change_details(clinic, booked, type_id=short)  # shorter: frees the rest
    assert row(engine, booked).busy_until == at(9, 15)
    assert "09:30" in local_starts(schedule.free_slots(clinic, provider_id, TUESDAY.date()))


def test_a_longer_type_over_another_appointment_is_refused_and_changes_nothing(clinic, engine, provider_id, procedure):
    booked = book(clinic, provider_id, at(9))
    book(clinic, provider_id, at(9, 30))
    before = row(engine, booked)
    with pytest.raises(SlotTaken):
        booking.change_details(clinic, booked, type_id=procedure, notes="not written either")
    assert row(engine, booked) == before
    with pytest.raises(InvalidInput, match="would run past the end"):
        booking.change_details(clinic, book(clinic, provider_id, at(11, 30)), type_id=procedure)


def test_a_checked_in_appointment_keeps_its_type_but_takes_notes(clinic, engine, provider_id, procedure):
    booked = book(clinic, provider_id, at(9))
    booking.change_status(clinic, booked, "checked_in")
    with pytest.raises(InvalidInput, match="type_id: a checked_in appointment keeps its type"):
        booking.change_details(clinic, booked, type_id=procedure)
    booking.change_details(clinic, booked, notes="arrived early")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT notes FROM appointments WHERE id = :id"), {"id": booked}).scalar_one() == (
            "arrived early"
        )
