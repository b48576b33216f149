"""PostgreSQL 13 to 15, where a role that may create roles may also grant itself any role (16 restricted that): the
schema's owner gets no CREATEROLE there and IT adds staff, as docs/deploying.md says. On a real PostgreSQL 15 server
of the test's own, on 127.0.0.1, so the audit trail sees a client address."""

import io
from datetime import datetime

import psycopg
import pytest
from sqlalchemy import create_engine, text

from app.db import migrate
from app.db.connect import DatabaseTarget
from app.db.engine import conninfo, make_engine
from app.doctor import run_doctor
from app.domain.models import BookingRequest
from app.runtime import Login, sign_in
from app.services import booking, staff
from app.services.audit import search
from app.services.providers import add_provider
from app.services.staff import StaffManagedByIT, StaffMember
from tests.conftest import WEEKDAY_HOURS, ZONE, make_clinic, new_patient
from tests.postgresql15 import SUPERUSER_PASSWORD, Postgres15
from tests.scram import scram_verifier

OWNER, OWNER_PASSWORD = "clinic_owner", "the owner keeps this one"
ADMIN, RECEPTIONIST, PASSWORD = "jdoe", "frontdesk", "a staff password"
TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)

# docs/deploying.md, "PostgreSQL 13 to 15": IT creates the groups and an owner that cannot create roles.
IT_SETS_UP = [
    "CREATE ROLE clinic_admin NOLOGIN",
    "CREATE ROLE clinic_receptionist NOLOGIN",
    "CREATE ROLE clinic_manager NOLOGIN",
    f"CREATE ROLE {OWNER} LOGIN PASSWORD '{OWNER_PASSWORD}'",
    f"CREATE DATABASE clinic OWNER {OWNER}",
]


def it_adds_staff(name: str, group: str) -> list[str]:
    """What docs/deploying.md tells IT to run for a new member of staff on PostgreSQL 13 to 15."""
    return [
        f"CREATE ROLE {name} LOGIN PASSWORD '{scram_verifier(PASSWORD)}' IN ROLE {group} CONNECTION LIMIT 16",
        f"ALTER ROLE {name} SET idle_in_transaction_session_timeout = '30s'",
        f"ALTER ROLE {name} SET statement_timeout = '60s'",
    ]


def as_superuser(server: Postgres15, *statements: str) -> None:
    engine = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.exec_driver_sql(statement)
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def server():
    server = Postgres15()
    as_superuser(server, *IT_SETS_UP)
    owner = make_engine(server.url(OWNER, OWNER_PASSWORD, "clinic"), pool_size=1)
    try:
        migrate.upgrade(owner)  # `clinic-scheduler db upgrade` as the owner: it works without CREATEROLE
    finally:
        owner.dispose()
    as_superuser(server, *it_adds_staff(ADMIN, "clinic_admin"), *it_adds_staff(RECEPTIONIST, "clinic_receptionist"))
    yield server
    server.cleanup()


def doctor_report(server: Postgres15, monkeypatch, tmp_path) -> str:
    monkeypatch.setenv("DATABASE_URL", server.url(OWNER, OWNER_PASSWORD, "clinic"))
    monkeypatch.setenv("CLINIC_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setenv("CLINIC_TIMEZONE", ZONE.key)
    out = io.StringIO()
    run_doctor(out)
    return out.getvalue()


def test_it_manages_staff_and_the_desks_work(server, monkeypatch, tmp_path):
    target = DatabaseTarget(server.url(OWNER, OWNER_PASSWORD, "clinic"), "127.0.0.1/clinic")
    sign_in(target, Login(ADMIN, PASSWORD))
    admin = make_engine(server.url(ADMIN, PASSWORD, "clinic"))
    try:
        clinic = make_clinic(admin)
        assert StaffMember(RECEPTIONIST, "receptionist", True) in staff.list_staff(clinic)
        with pytest.raises(StaffManagedByIT, match=r"on PostgreSQL 15\.\d+ IT manages staff accounts"):
            staff.add_staff(clinic, "newcomer", "manager", PASSWORD)
        with pytest.raises(StaffManagedByIT):
            staff.set_enabled(clinic, RECEPTIONIST, False)
        provider_id = add_provider(clinic, "Dr. Fifteen", WEEKDAY_HOURS)
    finally:
        admin.dispose()

    # A receptionist's desk, calling itself another computer: the trail keeps both the name and the address.
    url = server.url(RECEPTIONIST, PASSWORD, "clinic")
    desk = create_engine(url, connect_args={"application_name": "clinic-scheduler@someone-else"})
    try:
        clinic = make_clinic(desk)
        appointment_id = booking.book(
            clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic), start=TUESDAY_9)
        )
    finally:
        desk.dispose()
    manager = make_engine(server.url("postgres", SUPERUSER_PASSWORD, "clinic"))
    try:
        (booked,) = [e for e in search(make_clinic(manager)) if e.appointment_id == appointment_id]
    finally:
        manager.dispose()
    assert (booked.user, booked.workstation, booked.address) == (
        RECEPTIONIST,
        "clinic-scheduler@someone-else",
        "127.0.0.1",
    )

    report = doctor_report(server, monkeypatch, tmp_path)
    assert "ok    staff accounts" in report and "IT adds and disables staff logins" in report


def test_an_owner_that_may_create_roles_is_a_superuser_in_disguise_and_doctor_says_so(server, monkeypatch, tmp_path):
    as_superuser(server, f"ALTER ROLE {OWNER} CREATEROLE")
    try:
        # The escalation itself: on 15, CREATEROLE may grant any role, this one included.
        with psycopg.connect(conninfo(server.url(OWNER, OWNER_PASSWORD, "clinic")), autocommit=True) as owner:
            owner.execute(f"GRANT pg_execute_server_program TO {OWNER}")
            owner.execute(f"REVOKE pg_execute_server_program FROM {OWNER}")
        report = doctor_report(server, monkeypatch, tmp_path)
    finally:
        as_superuser(server, f"ALTER ROLE {OWNER} NOCREATEROLE")
    assert "FAIL  staff accounts" in report
    assert f"the schema's owner {OWNER} may create roles" in report
    assert f'ALTER ROLE "{OWNER}" NOCREATEROLE' in report


def test_the_database_bounds_sessions_on_15_too(server):
    with psycopg.connect(conninfo(server.url(RECEPTIONIST, PASSWORD, "clinic"))) as conn:
        assert conn.execute("SHOW idle_in_transaction_session_timeout").fetchone() == ("30s",)
        assert conn.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = session_user").fetchone() == (16,)
    engine = make_engine(server.url(OWNER, OWNER_PASSWORD, "clinic"), pool_size=1)
    try:
        with engine.connect() as conn:
            settings = conn.execute(
                text(
                    "SELECT setconfig FROM pg_db_role_setting WHERE setrole = 0"
                    " AND setdatabase = (SELECT oid FROM pg_database WHERE datname = 'clinic')"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    assert set(settings) == {"idle_in_transaction_session_timeout=30s", "statement_timeout=60s"}
