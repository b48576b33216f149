"""Staff management cannot reach beyond staff, and every change an admin makes is in the audit trail.

On the shared test server the database's owner is the superuser, so the staff_* functions (SECURITY DEFINER)
run with a superuser's powers: staff_list() is all that stands between an admin and any role on the server.
Whatever is not a plain login in a clinic group must be out of an admin's reach: refused as an unknown name,
its password and login flag untouched, and never listed.
"""

import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from app.db.engine import make_engine, with_login
from app.domain.errors import InvalidInput
from app.domain.slots import WorkingBlock
from app.services import appointment_types, providers, staff
from tests.conftest import STAFF_PASSWORD, WEEKDAY_HOURS, ZONE, drop_roles
from tests.integration.db_state import refused
from tests.logins import signed_in_fixture  # noqa: F401
from tests.scram import scram_verifier

NEW_PASSWORD = "a brand new password"
TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)
TUESDAY_11 = datetime(2030, 1, 8, 11, 0, tzinfo=ZONE)
MORNINGS = {d: [WorkingBlock(time(8), time(12), 30)] for d in range(1, 6)}
BLOCKS = sum(len(blocks) for blocks in WEEKDAY_HOURS.values())  # 10
SECURE_SEARCH_PATH = "search_path=pg_catalog, pg_temp"


# --- helpers ---


def signs_in(db_url: str, name: str, password: str) -> bool:
    """Whether `name` can open a session on the database with `password`."""
    engine = make_engine(with_login(db_url, name, password), pool_size=1)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT session_user")).scalar_one() == name
    except OperationalError:
        return False
    finally:
        engine.dispose()


def credentials(engine, name: str) -> tuple:
    """(password verifier, may log in) of a role, as the server keeps them (read as the superuser)."""
    with engine.connect() as conn:
        return tuple(
            conn.execute(text("SELECT rolpassword, rolcanlogin FROM pg_authid WHERE rolname = :n"), {"n": name}).one()
        )


@contextmanager
def new_audit_rows(engine) -> Iterator[list]:
    """The audit rows written while the `with` block ran, filled in when it ends."""
    with engine.connect() as conn:
        last = conn.execute(text("SELECT COALESCE(max(id), 0) FROM audit_log")).scalar_one()
    rows: list = []
    yield rows
    with engine.connect() as conn:
        rows.extend(
            conn.execute(
                text(
                    "SELECT db_user, table_name, action, row_id, before, after, a::text AS whole"
                    " FROM audit_log a WHERE id > :last ORDER BY id"
                ),
                {"last": last},
            ).all()
        )


@pytest.fixture
def admin(signed_in):
    """(login name, Clinic) of a new staff admin."""
    return signed_in("admin")


@pytest.fixture
def roles_made(admin_url) -> Iterator[list[str]]:
    """Names of roles a test creates on the (server-wide) test server; dropped afterwards."""
    made: list[str] = []
    yield made
    drop_roles(admin_url, made)


# --- roles that are not staff ---

# How each outsider is created (`{owner}` is the database's owner); all log in with STAFF_PASSWORD.
OUTSIDERS = {
    "login with CREATEROLE in clinic_admin": "CREATEROLE IN ROLE clinic_admin",
    "superuser in clinic_receptionist": "SUPERUSER IN ROLE clinic_receptionist",
    "replication login in clinic_receptionist": "REPLICATION IN ROLE clinic_receptionist",
    "login bypassing row security in clinic_manager": "BYPASSRLS IN ROLE clinic_manager",
    "login in no clinic group": "",
    # It may SET ROLE to the owner: resetting its password would hand an admin the owner's powers.
    "login in clinic_admin that is a member of the database owner": "IN ROLE clinic_admin, {owner}",
}
EXISTING = {"the server's superuser": None, "the group role clinic_admin": "clinic_admin"}


@pytest.fixture(params=[*OUTSIDERS, *EXISTING])
def not_staff(request, admin_url, engine, roles_made) -> tuple[str, bool]:
    """(name, whether it logs in with STAFF_PASSWORD) of a role that an admin must not manage."""
    if request.param in EXISTING:
        return EXISTING[request.param] or make_url(admin_url).username, False
    name = f"outsider_{uuid.uuid4().hex[:8]}"
    with engine.connect() as conn:
        owner = conn.execute(
            text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
        ).scalar_one()
    options = OUTSIDERS[request.param].format(owner=owner)
    superuser = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with superuser.connect() as conn:
            roles_made.append(name)
            conn.exec_driver_sql(f"CREATE ROLE {name} LOGIN PASSWORD '{scram_verifier(STAFF_PASSWORD)}' {options}")
    finally:
        superuser.dispose()
    return name, True


ATTEMPTS = {
    "set_password": lambda clinic, name: staff.set_password(clinic, name, NEW_PASSWORD),
    "disable": lambda clinic, name: staff.set_enabled(clinic, name, False),
    "enable": lambda clinic, name: staff.set_enabled(clinic, name, True),
}


def test_an_admin_cannot_manage_a_role_that_is_not_staff(admin, engine, db_url, not_staff):
    _admin_name, admin_clinic = admin
    name, logs_in = not_staff
    before = credentials(engine, name)
    for attempt, call in ATTEMPTS.items():
        error = refused(engine, InvalidInput, call, admin_clinic, name)
        assert [(e.field, e.message) for e in error.errors] == [("name", f'no staff member is called "{name}"')], (
            f"{attempt} of {name}"
        )
        assert credentials(engine, name) == before, f"{attempt} changed {name}'s password or login flag"
    if logs_in:
        assert signs_in(db_url, name, STAFF_PASSWORD), f"{name} can no longer sign in with their own password"
        assert not signs_in(db_url, name, NEW_PASSWORD)
    assert name not in {member.name for member in staff.list_staff(admin_clinic)}


def test_the_staff_list_shows_the_staff_with_their_roles(admin, staff_login):
    admin_name, admin_clinic = admin
    receptionist, _url = staff_login("receptionist")
    listed = {(member.name, member.role) for member in staff.list_staff(admin_clinic)}
    assert {(admin_name, "admin"), (receptionist, "receptionist")} <= listed


# --- what an admin may do to staff ---


@pytest.mark.parametrize("role", ["admin", "receptionist"])
def test_an_admin_resets_another_staff_members_password(admin, staff_login, db_url, role):
    _admin_name, admin_clinic = admin
    other, _url = staff_login(role)
    staff.set_password(admin_clinic, other, NEW_PASSWORD)
    assert signs_in(db_url, other, NEW_PASSWORD)
    assert not signs_in(db_url, other, STAFF_PASSWORD), "the old password still works"


def role_oid(engine, name: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT oid FROM pg_roles WHERE rolname = :n"), {"n": name}).scalar_one()


def test_each_staff_change_leaves_one_audit_row_without_the_password(admin, engine, roles_made):
    admin_name, admin_clinic = admin
    newcomer = f"newcomer_{uuid.uuid4().hex[:8]}"
    roles_made.append(newcomer)

    def state(enabled: bool) -> dict:
        return {"name": newcomer, "role": "clinic_receptionist", "enabled": enabled}

    steps = [
        ("add", lambda: staff.add_staff(admin_clinic, newcomer, "receptionist", STAFF_PASSWORD), "INSERT", None,
         state(True)),
        ("disable", lambda: staff.set_enabled(admin_clinic, newcomer, False), "UPDATE", state(True), state(False)),
        ("enable", lambda: staff.set_enabled(admin_clinic, newcomer, True), "UPDATE", state(False), state(True)),
        ("password", lambda: staff.set_password(admin_clinic, newcomer, NEW_PASSWORD), "UPDATE", state(True),
         {**state(True), "password_set": True}),
    ]  # fmt: skip
    for step, call, action, before, after in steps:
        with new_audit_rows(engine) as rows:
            call()
        assert len(rows) == 1, f"{step}: {len(rows)} audit rows"
        row = rows[0]
        assert (row.db_user, row.table_name, row.action) == (admin_name, "staff", action), step
        assert row.row_id == role_oid(engine, newcomer), step
        assert (row.before, row.after) == (before, after), step
        verifier, _can_log_in = credentials(engine, newcomer)
        for secret in (verifier, STAFF_PASSWORD, NEW_PASSWORD, "SCRAM-SHA-256"):
            assert secret not in row.whole, f"{step}: the audit row holds a password or its verifier"


# --- an admin's changes to the schedule's set-up ---


@dataclass(frozen=True)
class Setup:
    provider: int  # works WEEKDAY_HOURS: BLOCKS blocks
    time_off: int
    type_id: int  # not the default


SCHEDULE_CHANGES = {
    f"add_provider with {BLOCKS} blocks": (
        lambda c, s: providers.add_provider(c, "Dr. Audited", WEEKDAY_HOURS),
        {("providers", "INSERT"): 1, ("working_hours", "INSERT"): BLOCKS},
    ),
    "update_provider": (
        lambda c, s: providers.update_provider(c, s.provider, "Dr. Renamed", "Cardiology"),
        {("providers", "UPDATE"): 1},
    ),
    "set_provider_active": (
        lambda c, s: providers.set_provider_active(c, s.provider, False),
        {("providers", "UPDATE"): 1},
    ),
    "set_weekly_hours": (
        lambda c, s: providers.set_weekly_hours(c, s.provider, MORNINGS),
        {("working_hours", "DELETE"): BLOCKS, ("working_hours", "INSERT"): len(MORNINGS)},
    ),
    "add_time_off": (
        lambda c, s: providers.add_time_off(c, s.provider, TUESDAY_9, TUESDAY_11, "Course"),
        {("time_off", "INSERT"): 1},
    ),
    "remove_time_off": (lambda c, s: providers.remove_time_off(c, s.time_off), {("time_off", "DELETE"): 1}),
    "add_type": (
        lambda c, s: appointment_types.add_type(c, "scan", "Scan", "#336699"),
        {("appointment_types", "INSERT"): 1},
    ),
    "add_type as the new default": (  # the old default loses its flag: a second row
        lambda c, s: appointment_types.add_type(c, "scan", "Scan", "#336699", True),
        {("appointment_types", "INSERT"): 1, ("appointment_types", "UPDATE"): 1},
    ),
    "update_type": (
        lambda c, s: appointment_types.update_type(c, s.type_id, "xray", "X-ray", "#112233", False),
        {("appointment_types", "UPDATE"): 1},
    ),
}


@pytest.mark.parametrize(("change", "expected"), SCHEDULE_CHANGES.values(), ids=SCHEDULE_CHANGES)
def test_an_admins_schedule_changes_are_audited_under_their_name(admin, clinic, engine, provider_id, change, expected):
    admin_name, admin_clinic = admin
    setup = Setup(
        provider=provider_id,
        time_off=providers.add_time_off(clinic, provider_id, TUESDAY_9, TUESDAY_11),
        type_id=appointment_types.add_type(clinic, "blood", "Blood test", "#aa0000"),
    )
    with new_audit_rows(engine) as rows:
        change(admin_clinic, setup)
    assert Counter((row.table_name, row.action) for row in rows) == Counter(expected)
    assert {row.db_user for row in rows} == {admin_name}


# --- the owner's functions cannot be led astray ---


def test_every_security_definer_function_searches_the_catalog_only(engine):
    with engine.connect() as conn:
        functions = conn.execute(
            text(
                "SELECT proname, COALESCE(proconfig, '{}') FROM pg_proc"
                " WHERE prosecdef AND pronamespace = 'public'::regnamespace ORDER BY proname"
            )
        ).all()
    names = {name for name, _config in functions}
    assert {"audit_change", "appointment_history", "staff_add", "staff_list"} <= names, names
    unsafe = [name for name, config in functions if SECURE_SEARCH_PATH not in config]
    assert unsafe == [], f"SECURITY DEFINER functions without {SECURE_SEARCH_PATH!r}"
