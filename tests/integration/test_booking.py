from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.domain.errors import InvalidInput, LikelyDuplicatePatient, SlotTaken
from app.domain.models import BookingDetails, BookingRequest, PatientIn
from app.domain.slots import WorkingBlock
from app.services import appointment_types, booking, closures, patients, providers, schedule
from app.services.appointment_types import set_provider_length
from app.services.providers import add_provider
from tests.conftest import ZONE, new_patient
from tests.integration.db_state import booked_while_a_desk_books

TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)


def count_live(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM appointments WHERE status <> 'cancelled'")).scalar_one()


def test_book_creates_one_appointment_in_the_slot(clinic, engine, provider_id, patient_id):
    appointment_id = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    )
    views = schedule.schedule(clinic, TUESDAY_9.date(), TUESDAY_9.date())
    assert [v.id for v in views] == [appointment_id]
    assert views[0].starts_at == TUESDAY_9
    assert views[0].ends_at == TUESDAY_9 + timedelta(minutes=30)
    assert views[0].type_code == "consultation"
    assert TUESDAY_9 not in schedule.free_slots(clinic, provider_id, TUESDAY_9.date())


def test_second_booking_of_a_slot_is_refused(clinic, engine, provider_id, patient_id):
    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9))
    other = new_patient(clinic, "Bob")
    with pytest.raises(SlotTaken):
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=other, start=TUESDAY_9))
    assert count_live(engine) == 1


def test_same_request_id_books_once(clinic, engine, provider_id, patient_id):
    values = dict(
        provider_id=provider_id,
        patient_id=patient_id,
        start=TUESDAY_9,
        request_id="6f1c1d1e-0000-4000-8000-000000000001",
    )
    first = booking.book(clinic, BookingRequest(**values))
    assert booking.book(clinic, BookingRequest(**values)) == first
    assert count_live(engine) == 1


@pytest.mark.parametrize("change", ["start", "patient_id"])
def test_a_request_id_that_booked_something_else_is_refused(clinic, engine, provider_id, patient_id, change):
    """A request id answers only for its own booking: a retry that changed the time or the patient must not
    be told the first booking was this one."""
    request_id = "6f1c1d1e-0000-4000-8000-000000000002"
    first = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9, request_id=request_id)
    )
    other = {"start": TUESDAY_9 + timedelta(hours=1), "patient_id": new_patient(clinic, "Bob")}[change]
    values = {"provider_id": provider_id, "patient_id": patient_id, "start": TUESDAY_9, change: other}
    with pytest.raises(InvalidInput, match="request_id: this request already booked another appointment"):
        booking.book(clinic, BookingRequest(**values, request_id=request_id))
    assert count_live(engine) == 1
    assert schedule.booked_by_request(clinic, request_id).id == first


def test_the_booking_of_a_request_and_an_appointment_are_found_wherever_it_moved(clinic, provider_id, patient_id):
    request_id = "6f1c1d1e-0000-4000-8000-000000000003"
    assert schedule.booked_by_request(clinic, request_id) is None
    booked = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9, request_id=request_id)
    )
    booking.reschedule(clinic, booked, TUESDAY_9 + timedelta(days=1))
    found = schedule.appointment(clinic, booked)
    assert (found.id, found.starts_at) == (booked, TUESDAY_9 + timedelta(days=1))
    assert schedule.booked_by_request(clinic, request_id) == found
    assert schedule.appointment(clinic, booked + 1000) is None


def test_outside_hours_is_invalid(clinic, engine, provider_id, patient_id):
    with pytest.raises(InvalidInput, match="start: is outside the provider's working hours"):
        booking.book(
            clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9.replace(hour=18))
        )
    assert count_live(engine) == 0


# --- reschedule, cancel, status ---

HALF_HOUR = timedelta(minutes=30)


def appointment_row(engine, appointment_id: int):
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT status, starts_at, ends_at, slot_id FROM appointments WHERE id = :id"), {"id": appointment_id}
        ).one()


def test_reschedule_moves_the_appointment_and_frees_the_old_slot(clinic, engine, provider_id, patient_id):
    appointment_id = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    )
    ten = TUESDAY_9 + timedelta(hours=1)
    booking.reschedule(clinic, appointment_id, ten)

    row = appointment_row(engine, appointment_id)
    assert (row.status, row.starts_at, row.ends_at) == ("booked", ten, ten + HALF_HOUR)
    free = schedule.free_slots(clinic, provider_id, TUESDAY_9.date())
    assert TUESDAY_9 in free and ten not in free
    assert [v.starts_at for v in schedule.schedule(clinic, TUESDAY_9.date(), TUESDAY_9.date())] == [ten]
    # the old slot is free for someone else, the new one is not
    booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic, "Bob"), start=TUESDAY_9)
    )
    with pytest.raises(SlotTaken):
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic, "Cy"), start=ten))
    assert count_live(engine) == 2


def test_reschedule_to_another_day_and_to_where_it_already_is(clinic, engine, provider_id, patient_id):
    appointment_id = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    )
    friday_2pm = datetime(2030, 1, 11, 14, 0, tzinfo=ZONE)
    booking.reschedule(clinic, appointment_id, friday_2pm)
    booking.reschedule(clinic, appointment_id, friday_2pm)  # a retry: nothing to do, no error
    assert appointment_row(engine, appointment_id).starts_at == friday_2pm
    assert schedule.schedule(clinic, TUESDAY_9.date(), TUESDAY_9.date()) == []
    assert [v.id for v in schedule.schedule(clinic, friday_2pm.date(), friday_2pm.date())] == [appointment_id]


def test_reschedule_accepts_the_same_instant_in_another_offset(clinic, engine, provider_id, patient_id):
    appointment_id = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    )
    ten_utc = datetime.fromisoformat("2030-01-08T09:00+00:00")  # 10:00 in Berlin
    booking.reschedule(clinic, appointment_id, ten_utc)
    assert appointment_row(engine, appointment_id).starts_at == TUESDAY_9 + timedelta(hours=1)


def test_cancel_frees_the_slot_for_a_new_booking(clinic, engine, provider_id, patient_id):
    first = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9))
    booking.cancel(clinic, first)
    booking.cancel(clinic, first)  # cancelling again is a no-op

    assert appointment_row(engine, first).status == "cancelled"
    assert TUESDAY_9 in schedule.free_slots(clinic, provider_id, TUESDAY_9.date())
    second = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic, "Bob"), start=TUESDAY_9)
    )
    assert second != first
    assert appointment_row(engine, second).slot_id == appointment_row(engine, first).slot_id
    assert [v.id for v in schedule.schedule(clinic, TUESDAY_9.date(), TUESDAY_9.date())] == [second]
    views = schedule.schedule(clinic, TUESDAY_9.date(), TUESDAY_9.date(), include_cancelled=True)
    assert sorted((v.id, v.status) for v in views) == [(first, "cancelled"), (second, "booked")]


def test_the_same_patient_can_rebook_a_slot_they_cancelled(clinic, engine, provider_id, patient_id):
    first = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9))
    booking.cancel(clinic, first)
    second = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9))
    assert second != first and count_live(engine) == 1


@pytest.mark.parametrize(
    "path",
    [
        ["checked_in", "completed"],
        ["checked_in", "booked", "checked_in", "completed"],  # an undone check-in
        ["no_show", "booked", "cancelled"],  # an undone no-show
        ["checked_in", "checked_in"],  # the same status again is a no-op
    ],
)
def test_change_status_follows_the_allowed_transitions(clinic, engine, provider_id, patient_id, path):
    appointment_id = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    )
    for status in path:
        booking.change_status(clinic, appointment_id, status)
        assert appointment_row(engine, appointment_id).status == status


@pytest.mark.parametrize("path", [["checked_in"], ["checked_in", "completed"], ["no_show"]])
def test_every_status_but_cancelled_keeps_the_slot(clinic, engine, provider_id, patient_id, path):
    appointment_id = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    )
    for status in path:
        booking.change_status(clinic, appointment_id, status)
    assert TUESDAY_9 not in schedule.free_slots(clinic, provider_id, TUESDAY_9.date())
    with pytest.raises(SlotTaken):
        booking.book(
            clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic, "Bob"), start=TUESDAY_9)
        )


def test_a_named_type_and_notes_are_stored(clinic, provider_id, patient_id):
    follow_up = next(t for t in schedule.appointment_types(clinic) if t.code == "follow_up")
    appointment_id = booking.book(
        clinic,
        BookingRequest(
            provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9, type_id=follow_up.id, notes="knee"
        ),
    )
    [view] = schedule.schedule(clinic, TUESDAY_9.date(), TUESDAY_9.date())
    assert (view.id, view.type_code, view.notes) == (appointment_id, "follow_up", "knee")


def test_the_last_day_of_the_horizon_is_bookable(clinic, provider_id, patient_id):
    last = datetime(2031, 1, 6, 16, 30, tzinfo=ZONE)  # the last slot before NOW + 365 days (Tue 2031-01-07 07:00)
    assert booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=last)) > 0


# --- a provider whose slot length changed ---


@pytest.fixture
def hourly_provider(clinic, engine) -> int:
    """A provider whose appointments (of the default type) last an hour, on an hourly grid."""
    hours = {d: [WorkingBlock(time(8), time(12), 60)] for d in range(1, 6)}
    provider_id = add_provider(clinic, "Dr. Hourly", hours)
    set_provider_length(clinic, provider_id, default_type_id(engine), 60)
    return provider_id


def default_type_id(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT id FROM appointment_types WHERE is_default")).scalar_one()


def shorten_slots(engine, provider_id: int, minutes: int) -> None:
    """The provider's grid and appointments get shorter (bookings from now on)."""
    with engine.begin() as conn:
        params = {"m": minutes, "p": provider_id}
        conn.execute(text("UPDATE working_hours SET slot_minutes = :m WHERE provider_id = :p"), params)
        conn.execute(text("UPDATE provider_type_lengths SET minutes = :m WHERE provider_id = :p"), params)


def test_shorter_slots_book_around_an_existing_longer_appointment(clinic, engine, hourly_provider, patient_id):
    long_one = booking.book(clinic, BookingRequest(provider_id=hourly_provider, patient_id=patient_id, start=TUESDAY_9))
    shorten_slots(engine, hourly_provider, 30)

    free = schedule.free_slots(clinic, hourly_provider, TUESDAY_9.date())
    assert TUESDAY_9 - HALF_HOUR in free and TUESDAY_9 + 2 * HALF_HOUR in free
    assert TUESDAY_9 not in free and TUESDAY_9 + HALF_HOUR not in free  # both lie under the hour-long appointment

    before = booking.book(
        clinic,
        BookingRequest(provider_id=hourly_provider, patient_id=new_patient(clinic, "B"), start=TUESDAY_9 - HALF_HOUR),
    )
    after = booking.book(
        clinic,
        BookingRequest(
            provider_id=hourly_provider, patient_id=new_patient(clinic, "C"), start=TUESDAY_9 + 2 * HALF_HOUR
        ),
    )
    assert appointment_row(engine, before).ends_at == TUESDAY_9
    assert appointment_row(engine, after).ends_at == TUESDAY_9 + 3 * HALF_HOUR
    # 09:30 is a slot of the new grid but lies inside the old hour-long appointment: taken, and nothing written
    with pytest.raises(SlotTaken):
        booking.book(
            clinic,
            BookingRequest(
                provider_id=hourly_provider, patient_id=new_patient(clinic, "D"), start=TUESDAY_9 + HALF_HOUR
            ),
        )
    with engine.connect() as conn:
        starts = (
            conn.execute(
                text("SELECT start_time FROM time_slots WHERE provider_id = :p ORDER BY 1"), {"p": hourly_provider}
            )
            .scalars()
            .all()
        )
    assert starts == [TUESDAY_9 - HALF_HOUR, TUESDAY_9, TUESDAY_9 + 2 * HALF_HOUR]
    assert appointment_row(engine, long_one).ends_at == TUESDAY_9 + 2 * HALF_HOUR
    assert count_live(engine) == 3


def test_the_database_refuses_an_overlap_inserted_by_hand_in_another_slot_row(
    clinic, engine, hourly_provider, patient_id
):
    booking.book(clinic, BookingRequest(provider_id=hourly_provider, patient_id=patient_id, start=TUESDAY_9))
    shorten_slots(engine, hourly_provider, 30)
    other = new_patient(clinic, "Bob")
    start = TUESDAY_9 + HALF_HOUR
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        slot_id = conn.execute(
            text("INSERT INTO time_slots (provider_id, start_time, end_time) VALUES (:p, :s, :e) RETURNING id"),
            {"p": hourly_provider, "s": start, "e": start + HALF_HOUR},
        ).scalar_one()
        conn.execute(
            text(
                "INSERT INTO appointments (slot_id, provider_id, starts_at, ends_at, patient_id, type_id, request_id)"
                " VALUES (:slot, :p, :s, :e, :patient, 1, gen_random_uuid())"
            ),
            {"slot": slot_id, "p": hourly_provider, "s": start, "e": start + HALF_HOUR, "patient": other},
        )
    assert caught.value.orig.diag.constraint_name == "appointments_no_provider_overlap"
    assert count_live(engine) == 1


def test_a_cancelled_long_slot_is_rebooked_at_the_new_length(clinic, engine, hourly_provider, patient_id):
    long_one = booking.book(clinic, BookingRequest(provider_id=hourly_provider, patient_id=patient_id, start=TUESDAY_9))
    booking.cancel(clinic, long_one)
    shorten_slots(engine, hourly_provider, 30)

    short = booking.book(
        clinic, BookingRequest(provider_id=hourly_provider, patient_id=new_patient(clinic, "B"), start=TUESDAY_9)
    )
    next_one = booking.book(
        clinic,
        BookingRequest(provider_id=hourly_provider, patient_id=new_patient(clinic, "C"), start=TUESDAY_9 + HALF_HOUR),
    )
    assert appointment_row(engine, short).ends_at == TUESDAY_9 + HALF_HOUR
    assert appointment_row(engine, short).slot_id == appointment_row(engine, long_one).slot_id  # the slot row is reused
    assert appointment_row(engine, long_one).ends_at == TUESDAY_9 + 2 * HALF_HOUR  # history keeps its own length
    assert appointment_row(engine, next_one).starts_at == TUESDAY_9 + HALF_HOUR
    assert count_live(engine) == 2


def test_a_booking_that_waited_for_the_lock_sees_the_winner_and_is_refused_cleanly(clinic, engine, provider_id):
    """The check after the lock is a statement of its own, so it sees the booking it waited for: the
    loser is refused by the lock, not by the unique index (no IntegrityError behind the SlotTaken)."""
    winner, loser = new_patient(clinic, "Win"), new_patient(clinic, "Lose")
    request = BookingRequest(provider_id=provider_id, patient_id=loser, start=TUESDAY_9)
    result = booked_while_a_desk_books(
        engine, lambda: booking.book(clinic, request), provider_id, TUESDAY_9, TUESDAY_9 + HALF_HOUR, winner
    )

    assert isinstance(result.get("error"), SlotTaken)
    assert result["error"].__cause__ is None, "refused by the check after the lock, not by the unique index"
    assert count_live(engine) == 1


ADA = PatientIn(first_name="Ada", last_name="Lovelace", date_of_birth=date(1915, 12, 10), phone="+44 20 7946 0000")


def count_patients(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM patients")).scalar_one()


def test_a_new_patient_is_registered_and_booked_together(clinic, engine, provider_id):
    done = booking.book_new_patient(clinic, ADA, BookingDetails(provider_id=provider_id, start=TUESDAY_9))
    [view] = schedule.schedule(clinic, TUESDAY_9.date(), TUESDAY_9.date())
    assert (view.id, view.patient_id, view.patient_name) == (done.appointment_id, done.patient_id, "Ada Lovelace")


def test_a_new_patient_whose_booking_fails_is_not_registered(clinic, engine, provider_id):
    """The booking fails after the patient's row went in (no such type): the transaction takes both back."""
    details = BookingDetails(provider_id=provider_id, start=TUESDAY_9, type_id=2**31 - 2)
    with pytest.raises(InvalidInput, match="no such appointment type"):
        booking.book_new_patient(clinic, ADA, details)
    assert count_patients(engine) == 0 and count_live(engine) == 0


def test_a_new_patient_for_a_taken_time_is_not_registered(clinic, engine, provider_id, patient_id):
    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9))
    with pytest.raises(SlotTaken):
        booking.book_new_patient(clinic, ADA, BookingDetails(provider_id=provider_id, start=TUESDAY_9))
    assert count_patients(engine) == 1 and count_live(engine) == 1


def test_a_likely_twin_is_neither_registered_nor_booked_until_confirmed(clinic, engine, provider_id):
    details = BookingDetails(provider_id=provider_id, start=TUESDAY_9)
    twin = patients.create_patient(clinic, PatientIn(**ADA.model_dump()))
    with pytest.raises(LikelyDuplicatePatient) as refused:
        booking.book_new_patient(clinic, ADA, details)
    assert refused.value.patient_ids == [twin] and count_patients(engine) == 1 and count_live(engine) == 0
    done = booking.book_new_patient(clinic, ADA, details, allow_duplicate=True)
    assert done.patient_id != twin and count_patients(engine) == 2 and count_live(engine) == 1


def test_booking_a_new_patient_again_with_the_same_request_registers_them_once(clinic, engine, provider_id):
    details = BookingDetails(provider_id=provider_id, start=TUESDAY_9)
    first = booking.book_new_patient(clinic, ADA, details)
    assert booking.book_new_patient(clinic, ADA, details) == first
    assert count_patients(engine) == 1 and count_live(engine) == 1


def test_a_request_id_that_booked_another_time_is_refused_for_a_new_patient(clinic, engine, provider_id):
    first = BookingDetails(provider_id=provider_id, start=TUESDAY_9)
    booking.book_new_patient(clinic, ADA, first)
    moved = first.model_copy(update={"start": TUESDAY_9 + timedelta(hours=1)})
    with pytest.raises(InvalidInput, match="this request already booked another appointment"):
        booking.book_new_patient(clinic, ADA, moved)
    assert count_patients(engine) == 1 and count_live(engine) == 1


def test_a_request_whose_booking_was_cancelled_since_says_so_instead_of_booked(clinic, engine, provider_id, patient_id):
    request = BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    first = booking.book(clinic, request)
    booking.cancel(clinic, first)
    with pytest.raises(InvalidInput, match=f"this request booked appointment {first}, which has been cancelled since"):
        booking.book(clinic, request)  # a retry, say after a lost answer, once another desk cancelled it
    assert count_live(engine) == 0


@pytest.fixture
def admin_changes_after_the_rules_read(monkeypatch, clinic):
    """Make an admin change commit between the booking's rules read and its transaction."""

    def arrange(change):
        real = booking._span_before_locking

        def read_then_change(*args, **kwargs):
            found = real(*args, **kwargs)
            change()
            return found

        monkeypatch.setattr(booking, "_span_before_locking", read_then_change)

    return arrange


def test_time_off_added_after_the_rules_read_refuses_the_booking(
    clinic, engine, provider_id, patient_id, admin_changes_after_the_rules_read
):
    admin_changes_after_the_rules_read(
        lambda: providers.add_time_off(clinic, provider_id, TUESDAY_9, TUESDAY_9 + timedelta(hours=2), "Course")
    )
    with pytest.raises(InvalidInput, match="changed meanwhile, and this time is no longer free"):
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9))
    assert count_live(engine) == 0


def test_a_closure_added_after_the_rules_read_refuses_the_booking(
    clinic, engine, provider_id, patient_id, admin_changes_after_the_rules_read
):
    admin_changes_after_the_rules_read(
        lambda: closures.add_closure(clinic, TUESDAY_9, TUESDAY_9 + timedelta(hours=8), "Public holiday")
    )
    with pytest.raises(InvalidInput, match="changed meanwhile, and this time is no longer free"):
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9))
    assert count_live(engine) == 0


def test_a_type_lengthened_after_the_rules_read_refuses_the_booking(
    clinic, engine, provider_id, patient_id, admin_changes_after_the_rules_read
):
    default = next(kind for kind in appointment_types.list_types(clinic) if kind.is_default)
    admin_changes_after_the_rules_read(
        lambda: appointment_types.update_type(
            clinic, default.id, default.code, default.name, default.color, True, minutes=60
        )
    )
    with pytest.raises(InvalidInput, match="type_id: the appointment type's length changed meanwhile"):
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9))
    assert count_live(engine) == 0


def test_a_provider_deactivated_after_the_rules_read_is_not_booked(
    clinic, engine, provider_id, patient_id, admin_changes_after_the_rules_read
):
    admin_changes_after_the_rules_read(lambda: providers.set_provider_active(clinic, provider_id, False))
    with pytest.raises(InvalidInput, match="is no longer active"):
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9))
    assert count_live(engine) == 0


def test_hours_moved_after_the_rules_read_refuse_a_start_off_the_new_hours(
    clinic, engine, provider_id, patient_id, admin_changes_after_the_rules_read
):
    afternoons = {day: [WorkingBlock(time(13), time(17), 30)] for day in range(1, 6)}
    admin_changes_after_the_rules_read(lambda: providers.set_weekly_hours(clinic, provider_id, afternoons))
    with pytest.raises(InvalidInput, match="changed meanwhile, and this time is no longer free"):
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9))
    assert count_live(engine) == 0
