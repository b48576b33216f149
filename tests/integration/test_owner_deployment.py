"""The deployment of docs/deploying.md, on a fresh server of the test's own: IT creates `clinic_owner` (LOGIN
CREATEROLE, a password, not a superuser) and the database it owns; the owner runs the migrations, which create
the clinic groups, and adds the first admin; from then on admins manage staff and cannot reach the owner.

On PostgreSQL 16 and later a non-superuser that creates a role becomes an ADMIN member of it (without INHERIT or
SET): the owner is such a member of the three groups and of every staff login it creates through staff_add.
The embedded server trusts only its superuser on the local socket; every other login, the owner included,
gives its SCRAM password (app/db/embedded.py's pg_hba.conf), as on a clinic's own server.
"""

from contextlib import ExitStack
from datetime import datetime

import psycopg
import pytest
from sqlalchemy import create_engine, text

from app.db import migrate
from app.db.connect import DatabaseTarget, describe_url
from app.db.engine import conninfo, make_engine, with_database, with_login
from app.domain.errors import InvalidInput
from app.domain.models import BookingRequest
from app.runtime import AccountDisabled, Login, NoClinicRole, WrongLogin, sign_in
from app.services import audit, booking, providers, schedule, staff
from app.services.access import GROUPS, permissions
from tests.conftest import WEEKDAY_HOURS, ZONE, make_clinic, new_patient
from tests.restartable_server import restartable_server_fixture  # noqa: F401

OWNER, OWNER_PASSWORD = "clinic_owner", "the owner keeps this one"
ADMIN, ADMIN_PASSWORD = "jdoe", "first admin's password"
RECEPTIONIST, RECEPTIONIST_PASSWORD = "frontdesk", "front desk password"
TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)
NOT_STAFF = f'no staff member is called "{OWNER}"'


def run_as_superuser(url: str, *statements: str) -> list:
    """Run statements in autocommit as the server's superuser; return the last one's rows, if it has any."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    rows: list = []
    try:
        with engine.connect() as conn:
            for statement in statements:
                result = conn.execute(text(statement))
                rows = result.all() if result.returns_rows else []
    finally:
        engine.dispose()
    return rows


def owners_memberships(url: str) -> dict[str, tuple[bool, bool, bool]]:
    """{group: (admin, inherit, set)} of the owner's memberships in the clinic groups."""
    rows = run_as_superuser(
        url,
        "SELECT g.rolname, m.admin_option, m.inherit_option, m.set_option FROM pg_auth_members m"
        " JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles o ON o.oid = m.member"
        f" WHERE o.rolname = '{OWNER}'",
    )
    return {group: (admin, inherit, set_) for group, admin, inherit, set_ in rows if group in GROUPS}


def test_a_non_superuser_owner_sets_up_the_clinic_and_stays_out_of_the_admins_reach(restartable_server):
    superuser_url = restartable_server.admin_url
    assert (
        run_as_superuser(superuser_url, "SELECT rolname FROM pg_roles WHERE starts_with(rolname, 'clinic_')") == []
    ), "the private server should be fresh: no clinic groups yet"

    # IT's two statements from docs/deploying.md.
    run_as_superuser(
        superuser_url,
        f"CREATE ROLE {OWNER} LOGIN CREATEROLE PASSWORD '{OWNER_PASSWORD}'",
        f"CREATE DATABASE clinic OWNER {OWNER}",
    )
    clinic_url = with_database(superuser_url, "clinic")
    target = DatabaseTarget(clinic_url, describe_url(clinic_url))  # a shared server, as a desk sees it
    with pytest.raises(WrongLogin):  # the server asks the owner for its password
        sign_in(target, Login(OWNER, "not the owner's password"))

    with ExitStack() as stack:

        def clinic_as(user: str, password: str):
            engine = make_engine(with_login(clinic_url, user, password))
            stack.callback(engine.dispose)
            return make_clinic(engine)

        # The owner migrates: the groups are created by it, on PostgreSQL 16+ with it as their ADMIN member.
        owner = clinic_as(OWNER, OWNER_PASSWORD)
        migrate.upgrade(owner.uow.engine)
        assert owners_memberships(superuser_url) == dict.fromkeys(GROUPS, (True, False, False)), (
            "the owner should be an ADMIN member (no INHERIT, no SET) of each group it created"
        )

        # The owner adds the first admin; the admin adds a receptionist and a provider.
        staff.add_staff(owner, ADMIN, "admin", ADMIN_PASSWORD)
        admin = clinic_as(ADMIN, ADMIN_PASSWORD)
        staff.add_staff(admin, RECEPTIONIST, "receptionist", RECEPTIONIST_PASSWORD)
        provider = providers.add_provider(admin, "Dr. First", WEEKDAY_HOURS)

        # The receptionist signs in and books.
        sign_in(target, Login(RECEPTIONIST, RECEPTIONIST_PASSWORD))
        receptionist = clinic_as(RECEPTIONIST, RECEPTIONIST_PASSWORD)
        appointment = booking.book(
            receptionist, BookingRequest(provider_id=provider, patient_id=new_patient(receptionist), start=TUESDAY_9)
        )
        assert schedule.appointment(admin, appointment).status == "booked"
        assert [entry.user for entry in audit.history(admin, appointment)] == [RECEPTIONIST]

        # The admin cannot touch the owner, and does not see it as staff.
        for attempt in (
            lambda: staff.set_password(admin, OWNER, "taken over by an admin"),
            lambda: staff.set_enabled(admin, OWNER, False),
        ):
            with pytest.raises(InvalidInput) as refusal:
                attempt()
            assert [(e.field, e.message) for e in refusal.value.errors] == [("name", NOT_STAFF)]
        assert {member.name for member in staff.list_staff(admin)} == {ADMIN, RECEPTIONIST}

        # The owner keeps its password and its login (a NoClinicRole, not a WrongLogin or AccountDisabled), and
        # is no clinic role: its ADMIN memberships pass on no privileges.
        assert permissions(owner).role == "none"
        with pytest.raises(NoClinicRole):
            sign_in(target, Login(OWNER, OWNER_PASSWORD))

        # Disabling the receptionist while their desk is open. The owner, whose powers staff_set_enabled runs
        # with, is no superuser, has no pg_signal_backend and only ADMIN (not INHERIT) on the receptionist's
        # role: it may not end their sessions, so none is ended and the open desk works on until it reconnects.
        with psycopg.connect(conninfo(with_login(clinic_url, RECEPTIONIST, RECEPTIONIST_PASSWORD))) as desk:
            assert staff.set_enabled(admin, RECEPTIONIST, False) == 0
            assert desk.execute("SELECT session_user").fetchone() == (RECEPTIONIST,), "the open session was ended"
        with pytest.raises(AccountDisabled):
            sign_in(target, Login(RECEPTIONIST, RECEPTIONIST_PASSWORD))
        assert not any(member.enabled for member in staff.list_staff(admin) if member.name == RECEPTIONIST)
