"""A staff login with its own tools (psql, or any client) against what the server itself must bound.

Connections here are plain psycopg connections with none of the desk's session settings, as psql makes them.
"""

import uuid

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db import migrate
from app.db.connect import DatabaseTarget
from app.db.engine import conninfo, make_engine, with_login
from app.db.throwaway import throwaway_database
from app.domain.errors import Busy, InvalidInput, SlotBusy
from app.domain.models import BookingRequest, validate
from app.runtime import Login, SignInFailed, sign_in
from app.services import booking, staff
from tests.conftest import STAFF_PASSWORD, drop_roles, make_clinic, new_patient
from tests.integration.db_state import refused, row_counts
from tests.integration.test_lost_answers import TUESDAY_9
from tests.restartable_server import restartable_server_fixture  # noqa: F401
from tests.scram import scram_verifier

CONNECTION_LIMIT = 16


def psql(url: str, user: str, password: str = STAFF_PASSWORD, **options) -> psycopg.Connection:
    return psycopg.connect(conninfo(with_login(url, user, password)), **options)


# --- time limits ------------------------------------------------------------------------------------------------


def test_a_staff_login_s_own_sessions_are_bounded_by_the_server(db_url, staff_login):
    name, _ = staff_login("receptionist")
    with psql(db_url, name) as conn:
        assert conn.execute("SHOW idle_in_transaction_session_timeout").fetchone() == ("30s",)
        assert conn.execute("SHOW statement_timeout").fetchone() == ("1min",)
        rolconnlimit = conn.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = session_user").fetchone()
    assert rolconnlimit == (CONNECTION_LIMIT,)


def test_the_database_bounds_every_session_even_a_login_in_no_clinic_group(admin_url):
    outsider = f"outsider_{uuid.uuid4().hex[:8]}"
    superuser = make_engine(admin_url, pool_size=1)
    try:
        with superuser.connect() as conn:
            conn.exec_driver_sql(f"CREATE ROLE {outsider} LOGIN PASSWORD '{scram_verifier(STAFF_PASSWORD)}'")
            conn.commit()
        with throwaway_database(admin_url, prefix="clinic_bounds") as url, psql(url, outsider) as conn:
            assert conn.execute("SHOW idle_in_transaction_session_timeout").fetchone() == ("30s",)
            assert conn.execute("SHOW statement_timeout").fetchone() == ("1min",)
    finally:
        superuser.dispose()
        drop_roles(admin_url, [outsider])


def test_staff_added_before_the_bounds_get_them_with_the_upgrade(admin_url):
    with throwaway_database(admin_url, prefix="clinic_old") as url:
        engine = make_engine(url, pool_size=1)
        name = f"older_{uuid.uuid4().hex[:8]}"
        try:
            migrate.downgrade(engine, "0004")
            with engine.begin() as conn:
                conn.execute(
                    text("SELECT staff_add(:n, 'clinic_manager', :v)"),
                    {"n": name, "v": scram_verifier(STAFF_PASSWORD)},
                )
            migrate.upgrade(engine)
            with psql(url, name) as conn:
                assert conn.execute("SHOW idle_in_transaction_session_timeout").fetchone() == ("30s",)
                assert conn.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = session_user").fetchone() == (
                    CONNECTION_LIMIT,
                )
        finally:
            engine.dispose()
            drop_roles(admin_url, [name])


def test_a_patient_held_by_a_psql_session_is_named_in_the_desk_s_refusal(db_url, engine, staff_login, provider_id):
    name, url = staff_login("receptionist")
    desk = make_engine(url, lock_timeout_ms=200)
    try:
        clinic = make_clinic(desk)
        patient_id = new_patient(clinic)
        with psql(db_url, name) as holder:
            holder.execute("SELECT id FROM patients FOR UPDATE")  # and the receptionist goes for lunch
            before = row_counts(engine)
            error = refused(
                engine,
                Busy,
                booking.book,
                clinic,
                validate(BookingRequest, provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9),
            )
            assert not isinstance(error, SlotBusy), "the slot was free: the patient's record was held"
            assert error.what == "this patient's record"
            assert str(error) == (
                "another desk or session is holding this patient's record; nothing was saved, try again"
            )
            assert row_counts(engine) == before
    finally:
        desk.dispose()


def test_one_login_cannot_take_every_connection(db_url, staff_login):
    name, _ = staff_login("receptionist")
    held = [psql(db_url, name) for _ in range(CONNECTION_LIMIT)]
    try:
        with pytest.raises(psycopg.OperationalError, match="too many connections for role"):
            psql(db_url, name)
        target = DatabaseTarget(db_url, "db.example:5432/clinic")
        with pytest.raises(SignInFailed, match=f"{CONNECTION_LIMIT} connections"):
            sign_in(target, Login(name, STAFF_PASSWORD))
    finally:
        for conn in held:
            conn.close()
    sign_in(DatabaseTarget(db_url, "db.example:5432/clinic"), Login(name, STAFF_PASSWORD))


# --- the functions that run as the owner ----------------------------------------------------------------------


def _pg_authid(engine, name: str) -> tuple:
    with engine.connect() as conn:
        return tuple(
            conn.execute(text("SELECT rolpassword, rolcanlogin FROM pg_authid WHERE rolname = :n"), {"n": name}).one()
        )


GOOD = scram_verifier("a good password")
_, SALT_AND_KEYS = GOOD.split("$", 1)
ITERATIONS_PART, KEYS = SALT_AND_KEYS.split("$")
_, SALT = ITERATIONS_PART.split(":")
STORED, SERVER = KEYS.split(":")
# Each matched the old check, and PostgreSQL would have stored the string as a plain password.
NOT_VERIFIERS = {
    "iterations beyond an int": f"SCRAM-SHA-256$99999999999:{SALT}${KEYS}",
    "iterations of zero": f"SCRAM-SHA-256$0:{SALT}${KEYS}",
    "a salt that is not base64": f"SCRAM-SHA-256$4096:a=b=${KEYS}",
    "a stored key too short": f"SCRAM-SHA-256$4096:{SALT}${STORED[:20]}=:{SERVER}",
    "a server key too long": f"SCRAM-SHA-256$4096:{SALT}${STORED}:{SERVER[:-1]}AAAA=",
    "a stored key that is not base64": f"SCRAM-SHA-256$4096:{SALT}${'=' * 44}:{SERVER}",
}


@pytest.mark.parametrize("verifier", NOT_VERIFIERS.values(), ids=NOT_VERIFIERS.keys())
def test_a_string_postgresql_would_take_as_the_password_itself_is_refused(db_url, engine, staff_login, verifier):
    admin, _ = staff_login("admin")
    member, _ = staff_login("receptionist")
    before = _pg_authid(engine, member)
    with psql(db_url, admin, autocommit=True) as conn, pytest.raises(psycopg.errors.InvalidParameterValue) as error:
        conn.execute("SELECT staff_set_password(%s, %s)", (member, verifier))
    assert str(error.value).startswith("password: must be sent as a SCRAM-SHA-256 verifier")
    assert _pg_authid(engine, member) == before


def test_a_real_verifier_is_stored_as_it_is(db_url, engine, staff_login):
    admin, _ = staff_login("admin")
    member, _ = staff_login("receptionist")
    with psql(db_url, admin, autocommit=True) as conn:
        conn.execute("SELECT staff_set_password(%s, %s)", (member, GOOD))
    assert _pg_authid(engine, member) == (GOOD, True)


NULL_CALLS = {
    "staff_add(NULL, role, verifier)": ("SELECT staff_add(NULL, 'clinic_manager', %(v)s)", "name: use 1 to 63"),
    "staff_add(name, NULL, verifier)": ("SELECT staff_add('nobody_new', NULL, %(v)s)", "role: must be one of"),
    "staff_add(name, role, NULL)": ("SELECT staff_add('nobody_new', 'clinic_manager', NULL)", "password: must be"),
    "staff_set_enabled(name, NULL)": ("SELECT staff_set_enabled(%(m)s, NULL)", "enabled: must be true or false"),
    "staff_set_enabled(own name, NULL)": ("SELECT staff_set_enabled(%(a)s, NULL)", "enabled: must be true or false"),
    "staff_set_enabled(NULL, false)": ("SELECT staff_set_enabled(NULL, false)", "name: must be given"),
    "staff_set_password(NULL, verifier)": ("SELECT staff_set_password(NULL, %(v)s)", "name: must be given"),
    "staff_set_password(name, NULL)": ("SELECT staff_set_password(%(m)s, NULL)", "password: must be"),
    "staff_change_own_password(NULL)": ("SELECT staff_change_own_password(NULL)", "password: must be"),
}


@pytest.mark.parametrize("call", NULL_CALLS.values(), ids=NULL_CALLS.keys())
def test_every_function_that_runs_as_the_owner_refuses_nulls(db_url, engine, staff_login, call):
    statement, message = call
    admin, _ = staff_login("admin")
    member, _ = staff_login("receptionist")
    before = (_pg_authid(engine, admin), _pg_authid(engine, member), row_counts(engine))
    with psql(db_url, admin, autocommit=True) as conn, pytest.raises(psycopg.Error) as error:
        conn.execute(statement, {"v": GOOD, "m": member, "a": admin})
    assert str(error.value).startswith(message)
    assert (_pg_authid(engine, admin), _pg_authid(engine, member), row_counts(engine)) == before


# --- a password of one's own ------------------------------------------------------------------------------------


def test_a_member_of_staff_changes_their_own_password_and_the_trail_says_so(db_url, engine, staff_login):
    name, url = staff_login("manager")
    own = make_engine(url)
    try:
        staff.change_own_password(make_clinic(own), STAFF_PASSWORD, "my own new password")
    finally:
        own.dispose()
    with psql(db_url, name, "my own new password") as conn:
        assert conn.execute("SELECT session_user").fetchone() == (name,)
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT db_user, after FROM audit_log WHERE table_name = 'staff' ORDER BY id DESC LIMIT 1")
        ).one()
    assert row.db_user == name and row.after["name"] == name and row.after["password_set"] is True


@pytest.mark.parametrize(
    "current, new, field, message",
    [
        ("not my password", "my own new password", "current_password", "is not the password you signed in with"),
        (STAFF_PASSWORD, "short", "password", "must be at least 8 characters"),
        (STAFF_PASSWORD, STAFF_PASSWORD, "password", "must differ from the current password"),
        (STAFF_PASSWORD, "{name} 2027!", "password", "must not contain your user name"),
        (STAFF_PASSWORD, "bad \udcff bytes here", "password", "is not valid text"),
        (STAFF_PASSWORD, "nul \x00 inside it", "password", "must not contain a NUL character"),
    ],
)
def test_a_new_password_of_one_s_own_that_breaks_the_rules_is_refused(
    engine, staff_login, current, new, field, message
):
    name, url = staff_login("receptionist")
    own = make_engine(url)
    try:
        error = refused(
            engine, InvalidInput, staff.change_own_password, make_clinic(own), current, new.format(name=name)
        )
    finally:
        own.dispose()
    assert error.errors[0].field == field and error.errors[0].message.startswith(message)


# --- the embedded server's password rules ------------------------------------------------------------------------


def test_the_embedded_server_keeps_a_login_from_setting_its_own_password_behind_the_audit_trail(restartable_server):
    url = restartable_server.create_database()
    owner = make_engine(url)
    try:
        staff.add_staff(make_clinic(owner), "mallory", "receptionist", STAFF_PASSWORD)
        with psql(url, "mallory", autocommit=True) as conn:
            for verifier in ("x", "a long plain password", scram_verifier("x")):  # plain, or hashed by psql's \password
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="Change my password"):
                    conn.execute(f"ALTER ROLE mallory PASSWORD '{verifier}'")
        with owner.connect() as conn:  # a plain password set by IT follows the rules too
            for password, problem in (("short", "at least 8 characters"), ("mallory1234", "the user name")):
                with pytest.raises(DBAPIError, match=problem):
                    conn.exec_driver_sql(f"ALTER ROLE mallory PASSWORD '{password}'")
                conn.rollback()
        desk = make_engine(with_login(url, "mallory", STAFF_PASSWORD))
        try:
            staff.change_own_password(make_clinic(desk), STAFF_PASSWORD, "the audited way")
        finally:
            desk.dispose()
        with psql(url, "mallory", "the audited way") as conn:
            assert conn.execute("SELECT session_user").fetchone() == ("mallory",)
    finally:
        owner.dispose()
        drop_roles(restartable_server.admin_url, ["mallory"])


def test_each_login_sees_only_its_own_write_requests(staff_login):
    readers = []
    try:
        for role in ("receptionist", "receptionist"):
            _name, url = staff_login(role)
            desk = make_engine(url)
            readers.append(desk)
            new_patient(make_clinic(desk))  # one write each, with its request id
        for desk in readers:
            with desk.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM write_requests")).scalar_one() == 1
    finally:
        for desk in readers:
            desk.dispose()
