"""The database refuses what breaks the schedule when a receptionist writes with their own `psql` (a raw
connection of theirs here): no live appointment outside the hours, on the grid's wrong side, in time off or for an
inactive provider, and no status change the transition table does not allow (migration 0008)."""

import importlib.util
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.db import migrate
from app.domain.models import ALLOWED_TRANSITIONS, BookingRequest
from app.services import booking, providers
from tests.conftest import ZONE, new_patient
from tests.integration.db_state import insert_by_hand

TUESDAY = datetime(2030, 1, 8, tzinfo=ZONE)


def at(hour: int, minute: int = 0) -> datetime:
    return TUESDAY.replace(hour=hour, minute=minute)


@pytest.fixture
def zone_recorded(engine) -> None:
    migrate.upgrade(engine, zone=ZONE)  # as `db upgrade` does with a configured zone


@pytest.fixture
def receptionist(staff_login):
    from app.db.engine import make_engine

    engine = make_engine(staff_login("receptionist")[1])
    yield engine
    engine.dispose()


def insert_by_hand_as(engine, provider_id: int, patient_id: int, start: datetime, minutes: int = 30) -> int:
    with engine.begin() as conn:
        return insert_by_hand(conn, provider_id, patient_id, start, start + timedelta(minutes=minutes))


def refused_constraint(call) -> str:
    with pytest.raises(IntegrityError) as caught:
        call()
    return caught.value.orig.diag.constraint_name


def live(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM appointments WHERE status <> 'cancelled'")).scalar_one()


@pytest.mark.parametrize(
    ("start", "constraint"),
    [
        (at(12, 30), "appointments_inside_working_hours"),  # lunch
        (at(9, 10), "appointments_inside_working_hours"),  # off the 30-minute grid
        (at(11, 45), "appointments_inside_working_hours"),  # runs past noon
        (at(7, 0), "appointments_inside_working_hours"),  # before the day starts
    ],
)
def test_a_hand_made_booking_outside_the_hours_is_refused(
    clinic, engine, receptionist, zone_recorded, provider_id, start, constraint
):
    patient = new_patient(clinic)
    assert refused_constraint(lambda: insert_by_hand_as(receptionist, provider_id, patient, start)) == constraint
    assert live(engine) == 0


def test_a_hand_made_booking_inside_the_hours_goes_through(clinic, engine, receptionist, zone_recorded, provider_id):
    insert_by_hand_as(receptionist, provider_id, new_patient(clinic), at(9))
    assert live(engine) == 1


def test_a_hand_made_booking_in_time_off_or_for_an_inactive_provider_is_refused(
    clinic, engine, receptionist, provider_id
):
    patient = new_patient(clinic)
    providers.add_time_off(clinic, provider_id, at(10), at(11), "training")
    refusal = refused_constraint(lambda: insert_by_hand_as(receptionist, provider_id, patient, at(10, 30)))
    assert refusal == "appointments_outside_time_off"  # with no zone recorded yet, time off is checked already
    providers.set_provider_active(clinic, provider_id, False)
    refusal = refused_constraint(lambda: insert_by_hand_as(receptionist, provider_id, patient, at(9)))
    assert refusal == "appointments_provider_active"
    assert live(engine) == 0


def test_moving_an_appointment_by_hand_outside_the_hours_is_refused(
    clinic, engine, receptionist, zone_recorded, provider_id
):
    booked = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic), start=at(9)))

    def move_to_lunch():
        with receptionist.begin() as conn:
            conn.execute(
                text("UPDATE appointments SET starts_at = :s, ends_at = :e, busy_until = :e WHERE id = :id"),
                {"s": at(12, 30), "e": at(13), "id": booked},
            )

    # the slot's composite key would refuse this too; the schedule's rule is checked first
    assert refused_constraint(move_to_lunch) == "appointments_inside_working_hours"


@pytest.mark.parametrize(
    ("path", "then"),
    [
        (["cancelled"], "booked"),
        (["cancelled"], "checked_in"),
        (["checked_in", "completed"], "booked"),
        (["no_show"], "completed"),
    ],
)
def test_a_status_change_the_table_does_not_allow_is_refused(clinic, receptionist, provider_id, path, then):
    booked = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic), start=at(9)))
    for status in path:  # through the desk, on the appointment's day
        booking.change_status(clinic, booked, status)

    def change():
        with receptionist.begin() as conn:
            conn.execute(text("UPDATE appointments SET status = :s WHERE id = :id"), {"s": then, "id": booked})

    assert refused_constraint(change) == "appointments_status_transition"


def test_the_database_s_transitions_are_the_desk_s():
    path = migrate.MIGRATIONS_DIR / "versions" / "0008_schedule_rules_in_the_database.py"
    spec = importlib.util.spec_from_file_location("schedule_rules_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    allowed = {(old.value, new.value) for old, news in ALLOWED_TRANSITIONS.items() for new in news}
    assert set(module.TRANSITIONS) == allowed
