"""The database's own guards, hit with raw SQL: they hold even if a service (or a person with psql) gets it wrong."""

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.services.providers import add_provider
from tests.conftest import WEEKDAY_HOURS, ZONE, new_patient

NINE = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)
HALF_HOUR = timedelta(minutes=30)


def insert_slot(conn, provider_id: int, start: datetime, end: datetime) -> int:
    return conn.execute(
        text("INSERT INTO time_slots (provider_id, start_time, end_time) VALUES (:p, :s, :e) RETURNING id"),
        {"p": provider_id, "s": start, "e": end},
    ).scalar_one()


def insert_appointment(conn, slot_id, provider_id, patient_id, start, end, status="booked") -> int:
    return conn.execute(
        text(
            "INSERT INTO appointments"
            " (slot_id, provider_id, starts_at, ends_at, patient_id, type_id, status, request_id)"
            " VALUES (:slot, :p, :s, :e, :patient, (SELECT id FROM appointment_types WHERE is_default), :status, :r)"
            " RETURNING id"
        ),
        {
            "slot": slot_id,
            "p": provider_id,
            "s": start,
            "e": end,
            "patient": patient_id,
            "status": status,
            "r": uuid.uuid4(),
        },
    ).scalar_one()


def violation(engine, statements) -> tuple[str, str]:
    """Run `statements(conn)` in one transaction; return the (sqlstate, constraint) that stopped it."""
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        statements(conn)
    return caught.value.orig.sqlstate, caught.value.orig.diag.constraint_name


def live_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM appointments WHERE status <> 'cancelled'")).scalar_one()


@pytest.fixture
def slot_id(engine, provider_id) -> int:
    with engine.begin() as conn:
        return insert_slot(conn, provider_id, NINE, NINE + HALF_HOUR)


@pytest.fixture
def booked(engine, slot_id, provider_id, patient_id) -> int:
    with engine.begin() as conn:
        return insert_appointment(conn, slot_id, provider_id, patient_id, NINE, NINE + HALF_HOUR)


def test_a_second_live_appointment_in_the_same_slot_is_refused(clinic, engine, booked, slot_id, provider_id):
    other = new_patient(clinic, "Bob")
    # Two guards apply: the unique index and the provider's exclusion constraint (a slot's appointments share its
    # times). PostgreSQL checks the exclusion constraint first; the booking service turns both into SlotTaken.
    assert violation(
        engine, lambda conn: insert_appointment(conn, slot_id, provider_id, other, NINE, NINE + HALF_HOUR)
    ) in {("23505", "appointments_one_live_per_slot"), ("23P01", "appointments_no_provider_overlap")}
    assert live_count(engine) == 1


def test_the_one_live_appointment_per_slot_index_holds_on_its_own(clinic, engine, booked, slot_id, provider_id):
    other = new_patient(clinic, "Bob")

    def without_the_overlap_guard(conn):
        # DDL is transactional: the constraint is back when this transaction rolls back.
        conn.execute(text("ALTER TABLE appointments DROP CONSTRAINT appointments_no_provider_overlap"))
        insert_appointment(conn, slot_id, provider_id, other, NINE, NINE + HALF_HOUR)

    assert violation(engine, without_the_overlap_guard) == ("23505", "appointments_one_live_per_slot")
    assert live_count(engine) == 1
    with engine.connect() as conn:
        kept = conn.execute(
            text("SELECT count(*) FROM pg_constraint WHERE conname = 'appointments_no_provider_overlap'")
        ).scalar_one()
    assert kept == 1


def test_an_overlapping_appointment_of_the_provider_in_another_slot_row_is_an_exclusion_violation(
    clinic, engine, booked, provider_id
):
    other = new_patient(clinic, "Bob")
    start = NINE + timedelta(minutes=15)

    def overlapping(conn):
        slot = insert_slot(conn, provider_id, start, start + HALF_HOUR)
        insert_appointment(conn, slot, provider_id, other, start, start + HALF_HOUR)

    assert violation(engine, overlapping) == ("23P01", "appointments_no_provider_overlap")
    assert live_count(engine) == 1


def test_back_to_back_appointments_do_not_overlap(clinic, engine, booked, provider_id):
    other = new_patient(clinic, "Bob")
    with engine.begin() as conn:
        slot = insert_slot(conn, provider_id, NINE + HALF_HOUR, NINE + 2 * HALF_HOUR)
        insert_appointment(conn, slot, provider_id, other, NINE + HALF_HOUR, NINE + 2 * HALF_HOUR)
    assert live_count(engine) == 2


def test_the_same_patient_with_another_provider_at_an_overlapping_time_is_an_exclusion_violation(
    clinic, engine, booked, patient_id
):
    second = add_provider(clinic, "Dr. Second", WEEKDAY_HOURS)
    start = NINE + timedelta(minutes=20)

    def double_booked_patient(conn):
        slot = insert_slot(conn, second, start, start + HALF_HOUR)
        insert_appointment(conn, slot, second, patient_id, start, start + HALF_HOUR)

    assert violation(engine, double_booked_patient) == ("23P01", "appointments_no_patient_overlap")
    assert live_count(engine) == 1


def test_a_cancelled_appointment_blocks_nothing(clinic, engine, slot_id, provider_id, patient_id):
    with engine.begin() as conn:
        insert_appointment(conn, slot_id, provider_id, patient_id, NINE, NINE + HALF_HOUR, status="cancelled")
        insert_appointment(conn, slot_id, provider_id, patient_id, NINE, NINE + HALF_HOUR, status="cancelled")
        insert_appointment(conn, slot_id, provider_id, patient_id, NINE, NINE + HALF_HOUR)
    assert live_count(engine) == 1
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM appointments")).scalar_one() == 3


def test_reviving_a_cancelled_appointment_in_a_rebooked_slot_is_refused(
    clinic, engine, slot_id, provider_id, patient_id
):
    with engine.begin() as conn:
        old = insert_appointment(conn, slot_id, provider_id, patient_id, NINE, NINE + HALF_HOUR, status="cancelled")
        insert_appointment(conn, slot_id, provider_id, new_patient(clinic, "Bob"), NINE, NINE + HALF_HOUR)
    revive = violation(
        engine, lambda conn: conn.execute(text("UPDATE appointments SET status = 'booked' WHERE id = :id"), {"id": old})
    )
    assert revive == ("23514", "appointments_status_transition")  # a cancelled appointment stays cancelled
    assert live_count(engine) == 1


@pytest.mark.parametrize("status", ["pending", "BOOKED", ""])
def test_a_status_outside_the_list_fails_the_check_constraint(engine, slot_id, provider_id, patient_id, status):
    assert violation(
        engine,
        lambda conn: insert_appointment(conn, slot_id, provider_id, patient_id, NINE, NINE + HALF_HOUR, status=status),
    ) == ("23514", "appointments_status_check")


@pytest.mark.parametrize("start_shift", [timedelta(minutes=5), -HALF_HOUR])
def test_an_appointment_must_copy_its_slot_start_exactly(engine, slot_id, provider_id, patient_id, start_shift):
    start = NINE + start_shift
    assert violation(
        engine, lambda conn: insert_appointment(conn, slot_id, provider_id, patient_id, start, start + HALF_HOUR)
    ) == ("23503", "appointments_slot_fkey")


def test_an_appointment_must_end_after_it_starts(engine, slot_id, provider_id, patient_id):
    assert violation(engine, lambda conn: insert_appointment(conn, slot_id, provider_id, patient_id, NINE, NINE)) == (
        "23514",
        "appointments_end_after_start",
    )


def test_an_appointment_must_name_its_slot_provider(clinic, engine, slot_id, patient_id):
    second = add_provider(clinic, "Dr. Second", WEEKDAY_HOURS)
    assert violation(
        engine, lambda conn: insert_appointment(conn, slot_id, second, patient_id, NINE, NINE + HALF_HOUR)
    ) == ("23503", "appointments_slot_fkey")


def test_a_slot_cannot_be_moved_away_from_its_appointments(engine, booked, slot_id):
    later = NINE + timedelta(hours=1)
    assert violation(
        engine,
        lambda conn: conn.execute(
            text("UPDATE time_slots SET start_time = :s, end_time = :e WHERE id = :id"),
            {"s": later, "e": later + HALF_HOUR, "id": slot_id},
        ),
    ) == ("23503", "appointments_slot_fkey")


def test_two_slot_rows_cannot_share_a_provider_and_start(engine, slot_id, provider_id):
    assert violation(engine, lambda conn: insert_slot(conn, provider_id, NINE, NINE + 2 * HALF_HOUR)) == (
        "23505",
        "time_slots_provider_start_key",
    )
