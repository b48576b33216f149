"""What each clinic role may do, enforced by PostgreSQL itself (migration 0003's grants).

Every case runs one statement on a direct psycopg connection signed in as a staff login of that role (and as a
login in no clinic group): it either works (and touches the rows it should) or is refused with
InsufficientPrivilege. Each case is rolled back, so all run against the same rows: a provider with working
hours and time off, a spare provider, two patients, a booked appointment and a slot freed by a cancellation.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg
import pytest
from psycopg import errors
from sqlalchemy import text

from app.db.engine import conninfo, make_engine, with_login
from app.db.throwaway import throwaway_database
from app.domain.models import BookingRequest
from app.services import booking, providers
from app.services.staff import add_staff
from tests.conftest import WEEKDAY_HOURS, ZONE, drop_roles, make_clinic, new_patient
from tests.scram import scram_verifier

MANAGER, RECEPTIONIST, ADMIN, OUTSIDER = "manager", "receptionist", "admin", "outsider"
ROLES = (MANAGER, RECEPTIONIST, ADMIN, OUTSIDER)  # OUTSIDER: a login that belongs to no clinic group
EVERY_ROLE = frozenset({MANAGER, RECEPTIONIST, ADMIN})
WRITERS = frozenset({RECEPTIONIST, ADMIN})
ADMINS = frozenset({ADMIN})
NO_ROLE = frozenset()
PASSWORD = "roles and grants 42"
TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)


@dataclass(frozen=True)
class Case:
    name: str
    sql: str
    allowed: frozenset[str]
    rows: int | None = None  # rows an allowed statement returns or changes (None: not fixed)


def table_cases(table: str, insert: str, update: str, delete: str, allowed: frozenset[str]) -> list[Case]:
    """Insert, update and delete on `table`, allowed alike; the update and the delete hit exactly one row."""
    return [
        Case(f"insert {table}", insert, allowed, 1),
        Case(f"update {table}", update, allowed, 1),
        Case(f"delete {table}", delete, allowed, 1),
    ]


# Everything a clinic role reads, with the rows seed() leaves in it (two providers work 2 blocks on 5 weekdays).
READABLE = {
    "alembic_version": 1,
    "providers": 2,
    "working_hours": 20,
    "time_off": 1,
    "appointment_types": 3,
    "time_slots": 2,
    "appointments": 2,
    "patients": 2,
    "appointment_details": 2,
}

CASES = [
    *(Case(f"select {name}", f"SELECT * FROM {name}", EVERY_ROLE, rows) for name, rows in READABLE.items()),
    # Two patients and two bookings entered, one booking cancelled.
    Case("select audit_log", "SELECT * FROM audit_log", frozenset({MANAGER, ADMIN})),  # its size: test_audit.py
    # The schedule's setup: admins only.
    *table_cases(
        "providers",
        "INSERT INTO providers (name) VALUES ('Dr. Newcomer')",
        "UPDATE providers SET specialty = 'Dermatology' WHERE id = %(provider)s",
        "DELETE FROM providers WHERE id = %(spare_provider)s",
        ADMINS,
    ),
    *table_cases(
        "working_hours",
        "INSERT INTO working_hours (provider_id, weekday, start_time, end_time, slot_minutes)"
        " VALUES (%(provider)s, 6, '08:00', '12:00', 30)",
        "UPDATE working_hours SET end_time = '12:30' WHERE provider_id = %(provider)s AND weekday = 1"
        " AND start_time = '08:00'",
        "DELETE FROM working_hours WHERE provider_id = %(provider)s AND weekday = 1 AND start_time = '13:00'",
        ADMINS,
    ),
    *table_cases(
        "time_off",
        "INSERT INTO time_off (provider_id, starts_at, ends_at) VALUES (%(provider)s, %(later)s, %(later_end)s)",
        "UPDATE time_off SET reason = 'conference' WHERE id = %(time_off)s",
        "DELETE FROM time_off WHERE id = %(time_off)s",
        ADMINS,
    ),
    *table_cases(
        "appointment_types",
        "INSERT INTO appointment_types (code, name, color) VALUES ('vaccination', 'Vaccination', '#123456')",
        "UPDATE appointment_types SET name = 'Minor procedure' WHERE code = 'procedure'",
        "DELETE FROM appointment_types WHERE code = 'procedure'",
        ADMINS,
    ),
    # Patients: receptionists and admins enter and edit the details; no one deletes or touches bookkeeping.
    Case(
        "insert patients",
        "INSERT INTO patients (first_name, last_name, date_of_birth, phone)"
        " VALUES ('Mary', 'Shelley', '1950-01-01', '+44 20 7946 0000')",
        WRITERS,
        1,
    ),
    Case("update patients.phone", "UPDATE patients SET phone = '+49 30 7654321' WHERE id = %(patient)s", WRITERS, 1),
    Case("lock patients row", "SELECT id FROM patients WHERE id = %(patient)s FOR UPDATE", WRITERS, 1),
    Case(
        "insert patients.created_at",
        "INSERT INTO patients (first_name, last_name, date_of_birth, phone, created_at)"
        " VALUES ('Mary', 'Shelley', '1950-01-01', '+44 20 7946 0000', now())",
        NO_ROLE,
    ),
    Case("update patients.created_at", "UPDATE patients SET created_at = now() WHERE id = %(patient)s", NO_ROLE),
    Case("delete patients", "DELETE FROM patients WHERE id = %(spare_patient)s", NO_ROLE),
    # Appointments: booked, moved, annotated and given a status by receptionists and admins; never deleted.
    Case(
        "insert appointments",
        "INSERT INTO appointments (slot_id, provider_id, starts_at, ends_at, patient_id, type_id, notes, request_id)"
        " SELECT id, provider_id, start_time, end_time, %(spare_patient)s,"
        " (SELECT id FROM appointment_types WHERE is_default), '', gen_random_uuid()"
        " FROM time_slots WHERE id = %(spare_slot)s",
        WRITERS,
        1,
    ),
    Case("update appointments.notes", "UPDATE appointments SET notes = 'late' WHERE id = %(appointment)s", WRITERS, 1),
    Case(
        "update appointments.status",
        "UPDATE appointments SET status = 'checked_in' WHERE id = %(appointment)s",
        WRITERS,
        1,
    ),
    Case("lock appointments row", "SELECT id FROM appointments WHERE id = %(appointment)s FOR UPDATE", WRITERS, 1),
    Case(
        "update appointments.created_at",
        "UPDATE appointments SET created_at = now() WHERE id = %(appointment)s",
        NO_ROLE,
    ),
    Case(
        "update appointments.request_id",
        "UPDATE appointments SET request_id = gen_random_uuid() WHERE id = %(appointment)s",
        NO_ROLE,
    ),
    Case(
        "update appointments.patient_id",
        "UPDATE appointments SET patient_id = %(spare_patient)s WHERE id = %(appointment)s",
        NO_ROLE,
    ),
    Case("delete appointments", "DELETE FROM appointments WHERE id = %(appointment)s", NO_ROLE),
    Case("truncate appointments", "TRUNCATE appointments CASCADE", NO_ROLE),
    # Slots: created and locked (and resized) by bookings; never moved or deleted.
    Case(
        "insert time_slots",
        "INSERT INTO time_slots (provider_id, start_time, end_time) VALUES (%(provider)s, %(later)s, %(later_end)s)",
        WRITERS,
        1,
    ),
    Case("update time_slots.end_time", "UPDATE time_slots SET end_time = end_time WHERE id = %(slot)s", WRITERS, 1),
    Case("lock time_slots row", "SELECT id FROM time_slots WHERE id = %(slot)s FOR UPDATE", WRITERS, 1),
    Case(
        "update time_slots.start_time",
        "UPDATE time_slots SET start_time = start_time WHERE id = %(spare_slot)s",
        NO_ROLE,
    ),
    Case(
        "update time_slots.provider_id",
        "UPDATE time_slots SET provider_id = provider_id WHERE id = %(spare_slot)s",
        NO_ROLE,
    ),
    Case("delete time_slots", "DELETE FROM time_slots WHERE id = %(spare_slot)s", NO_ROLE),
    # The audit trail is written by triggers only: no role may write, change or empty it.
    Case(
        "insert audit_log",
        "INSERT INTO audit_log (at, db_user, workstation, table_name, action, row_id)"
        " VALUES (now(), 'someone', 'somewhere', 'appointments', 'DELETE', %(appointment)s)",
        NO_ROLE,
    ),
    Case("update audit_log", "UPDATE audit_log SET db_user = 'someone else'", NO_ROLE),
    Case("delete audit_log", "DELETE FROM audit_log", NO_ROLE),
    Case("truncate audit_log", "TRUNCATE audit_log", NO_ROLE),
    Case("update alembic_version", "UPDATE alembic_version SET version_num = version_num", NO_ROLE),
    # Functions: an appointment's history for every clinic role; staff management for admins only.
    Case("appointment_history()", "SELECT * FROM appointment_history(%(appointment)s)", EVERY_ROLE, 1),
    Case("staff_list()", "SELECT * FROM staff_list()", ADMINS),
    Case("staff_add()", "SELECT staff_add(%(newcomer)s, 'clinic_manager', %(verifier)s)", ADMINS, 1),
    Case("staff_set_enabled()", "SELECT staff_set_enabled(%(manager)s, true)", ADMINS, 1),
    Case("staff_set_password()", "SELECT staff_set_password(%(manager)s, %(verifier)s)", ADMINS, 1),
    # The staff functions' helpers run inside them (as the owner); no one calls them directly.
    Case("staff_check_name()", "SELECT staff_check_name('newcomer')", NO_ROLE),
    Case("staff_require_member()", "SELECT staff_require_member(%(manager)s)", NO_ROLE),
]


def seed(clinic, engine) -> dict:
    """The rows the cases work on, created through the services as the superuser."""
    provider = providers.add_provider(clinic, "Dr. Grants", WEEKDAY_HOURS)
    spare_provider = providers.add_provider(clinic, "Dr. Spare", WEEKDAY_HOURS)
    time_off = providers.add_time_off(clinic, provider, TUESDAY_9 + timedelta(days=7), TUESDAY_9 + timedelta(days=8))
    patient, spare_patient = new_patient(clinic, "Ada"), new_patient(clinic, "Eve")
    appointment = booking.book(clinic, BookingRequest(provider_id=provider, patient_id=patient, start=TUESDAY_9))
    cancelled = booking.book(
        clinic, BookingRequest(provider_id=provider, patient_id=patient, start=TUESDAY_9 + timedelta(hours=1))
    )
    booking.cancel(clinic, cancelled)
    with engine.connect() as conn:
        slot_of = text("SELECT slot_id FROM appointments WHERE id = :id")
        slot = conn.execute(slot_of, {"id": appointment}).scalar_one()
        spare_slot = conn.execute(slot_of, {"id": cancelled}).scalar_one()
    later = TUESDAY_9 + timedelta(days=14)
    return {
        "provider": provider,
        "spare_provider": spare_provider,
        "time_off": time_off,
        "patient": patient,
        "spare_patient": spare_patient,
        "appointment": appointment,
        "slot": slot,
        "spare_slot": spare_slot,
        "later": later,
        "later_end": later + timedelta(minutes=30),
        "newcomer": f"newcomer_{uuid.uuid4().hex[:8]}",
        "verifier": scram_verifier("a new password"),
    }


def create_outsider(engine, name: str) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(f"CREATE ROLE \"{name}\" LOGIN PASSWORD '{scram_verifier(PASSWORD)}'")


@pytest.fixture(scope="module")
def scene(admin_url, template_db):
    """(row ids, {role: connection}): one database and one signed-in connection per role for the whole matrix."""
    names: dict[str, str] = {}
    connections: dict[str, psycopg.Connection] = {}
    with throwaway_database(admin_url, prefix="clinic_roles", template=template_db) as url:
        engine = make_engine(url)
        clinic = make_clinic(engine)
        try:
            params = seed(clinic, engine)
            for role in ROLES:
                names[role] = f"{role[:5]}_{uuid.uuid4().hex[:8]}"
                if role == OUTSIDER:
                    create_outsider(engine, names[role])
                else:
                    add_staff(clinic, names[role], role, PASSWORD)
                connections[role] = psycopg.connect(conninfo(with_login(url, names[role], PASSWORD)))
            yield {**params, "manager": names[MANAGER]}, connections
        finally:
            for connection in connections.values():
                connection.close()
            drop_roles(admin_url, list(names.values()))
            engine.dispose()


@pytest.mark.parametrize(
    ("role", "case"),
    [pytest.param(role, case, id=f"{case.name} as {role}") for case in CASES for role in ROLES],
)
def test_privileges(scene, role, case):
    params, connections = scene
    connection = connections[role]
    try:
        if role in case.allowed:
            cursor = connection.execute(case.sql, params)
            if case.rows is not None:
                assert cursor.rowcount == case.rows
        else:
            with pytest.raises(errors.InsufficientPrivilege):
                connection.execute(case.sql, params)
    finally:
        connection.rollback()  # every case starts from the same rows, and a refusal cannot abort the next one
