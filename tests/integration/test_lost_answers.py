"""Every write the desk and the command line make, with its COMMIT's answer lost: the connection drops right after
the server committed (tests/cutting_proxy.py). The service must answer as if nothing had happened: the right
answer, no error, and exactly the rows and audit rows of one write (it settles the unknown outcome by its request
id instead of writing again)."""

import threading
from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import text

from app.db.engine import make_engine, with_login
from app.domain.models import BookingDetails, BookingRequest, PatientIn
from app.domain.slots import WorkingBlock
from app.services import appointment_types, booking, patients, providers, staff
from tests.conftest import STAFF_PASSWORD, WEEKDAY_HOURS, ZONE, drop_roles, make_clinic, new_patient
from tests.cutting_proxy import CuttingProxy
from tests.waiting import wait_until

TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)
ADA = {"first_name": "Ada", "last_name": "Lovelace", "date_of_birth": "1915-12-10", "phone": "+44 20 7946 0000"}


def audit_rows(engine) -> Counter:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT table_name, action, count(*) FROM audit_log GROUP BY 1, 2")).all()
    return Counter({(table, action): n for table, action, n in rows})


def count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


@pytest.fixture
def proxy(db_url):
    with CuttingProxy(db_url) as proxy:
        yield proxy


@pytest.fixture
def cut(proxy, engine):
    """cut(call, *args) runs `call(clinic_through_the_proxy, *args)` with its COMMIT's answer lost; returns its
    answer and the audit rows it added."""
    via = make_engine(proxy.url)

    def run(call, *args, **kwargs):
        before = audit_rows(engine)
        proxy.arm()
        answer = call(make_clinic(via), *args, **kwargs)
        assert proxy.cuts == 1 and not proxy.armed, "the COMMIT's answer was not lost: the test proved nothing"
        proxy.cuts = 0
        return answer, audit_rows(engine) - before

    yield run
    via.dispose()


def test_creating_a_patient_the_receptionist_confirmed_is_not_a_twin_writes_one_patient(cut, engine):
    new_patient_id, added = cut(patients.create_patient, PatientIn(**ADA), allow_duplicate=True)
    assert count(engine, "SELECT count(*) FROM patients") == 1
    assert count(engine, "SELECT id FROM patients") == new_patient_id
    assert added == {("patients", "INSERT"): 1}


def test_creating_a_patient_does_not_call_it_a_likely_duplicate_of_itself(cut, engine):
    new_patient_id, added = cut(patients.create_patient, PatientIn(**ADA))
    assert count(engine, "SELECT id FROM patients") == new_patient_id
    assert added == {("patients", "INSERT"): 1}


def test_editing_a_patient(cut, clinic, engine):
    patient_id = new_patient(clinic)
    answer, added = cut(patients.update_patient, patient_id, PatientIn(**ADA))
    assert answer is None and added == {("patients", "UPDATE"): 1}


def test_adding_a_provider_answers_its_id(cut, engine):
    provider_id, added = cut(providers.add_provider, "Dr. Cut", WEEKDAY_HOURS, "General practice")
    assert count(engine, "SELECT id FROM providers") == provider_id
    assert added == {("providers", "INSERT"): 1, ("working_hours", "INSERT"): 10}


def test_changing_a_provider(cut, provider_id):
    assert cut(providers.update_provider, provider_id, "Dr. Renamed", "Dermatology") == (
        None,
        {("providers", "UPDATE"): 1},
    )
    assert cut(providers.set_provider_active, provider_id, False) == (None, {("providers", "UPDATE"): 1})


def test_new_weekly_hours_replace_the_old_ones_once(cut, provider_id, engine):
    mornings = {day: [WorkingBlock(time(8), time(12), 30)] for day in range(1, 6)}
    answer, added = cut(providers.set_weekly_hours, provider_id, mornings)
    assert answer is None
    assert added == {("working_hours", "DELETE"): 10, ("working_hours", "INSERT"): 5}
    assert count(engine, "SELECT count(*) FROM working_hours") == 5


def test_time_off_is_added_once_and_removed_without_an_error(cut, provider_id, engine):
    start = TUESDAY_9 + timedelta(days=7)
    time_off_id, added = cut(providers.add_time_off, provider_id, start, start + timedelta(hours=3), "Course")
    assert count(engine, "SELECT count(*) FROM time_off") == 1
    assert count(engine, "SELECT id FROM time_off") == time_off_id
    assert added == {("time_off", "INSERT"): 1}

    assert cut(providers.remove_time_off, time_off_id) == (None, {("time_off", "DELETE"): 1})
    assert count(engine, "SELECT count(*) FROM time_off") == 0


def test_appointment_types_are_added_changed_and_removed_once(cut, engine):
    type_id, added = cut(appointment_types.add_type, "cut", "Cut check", "#123456")
    assert count(engine, "SELECT count(*) FROM appointment_types WHERE code = 'cut'") == 1
    assert added == {("appointment_types", "INSERT"): 1}
    assert cut(appointment_types.update_type, type_id, "cut", "Cut", "#654321", False) == (
        None,
        {("appointment_types", "UPDATE"): 1},
    )
    assert cut(appointment_types.remove_type, type_id) == (None, {("appointment_types", "DELETE"): 1})


def test_booking_moving_and_cancelling(cut, provider_id, patient_id, engine):
    appointment_id, added = cut(
        booking.book, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    )
    assert count(engine, "SELECT id FROM appointments") == appointment_id
    assert added == {("appointments", "INSERT"): 1}
    later = TUESDAY_9 + timedelta(hours=1)
    assert cut(booking.reschedule, appointment_id, later) == (None, {("appointments", "UPDATE"): 1})
    assert cut(booking.change_status, appointment_id, "checked_in") == (None, {("appointments", "UPDATE"): 1})
    assert cut(booking.change_status, appointment_id, "booked") == (None, {("appointments", "UPDATE"): 1})
    assert cut(booking.cancel, appointment_id) == (None, {("appointments", "UPDATE"): 1})


def test_staff_accounts_are_added_disabled_enabled_and_given_passwords_once(cut, admin_url, engine):
    name = "cut_staff_member"
    try:
        assert cut(staff.add_staff, name, "receptionist", STAFF_PASSWORD) == (None, {("staff", "INSERT"): 1})
        assert cut(staff.set_enabled, name, False) == (0, {("staff", "UPDATE"): 1})
        assert cut(staff.set_enabled, name, True) == (0, {("staff", "UPDATE"): 1})
        assert cut(staff.set_password, name, "another good password") == (None, {("staff", "UPDATE"): 1})
    finally:
        drop_roles(admin_url, [name])


def test_a_staff_member_changes_their_own_password_once(proxy, staff_login, engine):
    name, _ = staff_login("manager")
    via = make_engine(with_login(proxy.url, name, STAFF_PASSWORD))
    try:
        before = audit_rows(engine)
        proxy.arm()
        staff.change_own_password(make_clinic(via), STAFF_PASSWORD, "a brand new password")
        assert proxy.cuts == 1
        assert audit_rows(engine) - before == {("staff", "UPDATE"): 1}
        assert _signs_in(with_login(proxy.url, name, "a brand new password"))
    finally:
        via.dispose()


def _signs_in(url: str) -> bool:
    signed_in = make_engine(url, pool_size=1)
    try:
        with signed_in.connect() as conn:
            return conn.execute(text("SELECT true")).scalar_one()
    finally:
        signed_in.dispose()


def test_a_retry_that_comes_while_the_first_commit_is_still_under_way_waits_for_it(proxy, engine, admin_url):
    # The first attempt's COMMIT waits (at a deferred trigger) for a lock the test holds, so the desk hears of the
    # lost connection and retries while the server is still committing.
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION commit_slowly() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                " PERFORM set_config('lock_timeout', '0', true); PERFORM pg_advisory_xact_lock(4242); RETURN NULL;"
                " END $$;"
                " CREATE CONSTRAINT TRIGGER commit_slowly AFTER INSERT ON patients DEFERRABLE INITIALLY DEFERRED"
                " FOR EACH ROW EXECUTE FUNCTION commit_slowly()"
            )
        )
    holder = engine.connect()
    holder.execute(text("SELECT pg_advisory_lock(4242)"))
    via = make_engine(proxy.url)
    answer: dict = {}

    def create() -> None:
        try:
            answer["id"] = patients.create_patient(make_clinic(via), PatientIn(**ADA), allow_duplicate=True)
        except Exception as exc:  # reported below, in the test's thread
            answer["error"] = exc

    try:
        proxy.arm(at_once=True)
        worker = threading.Thread(target=create)
        worker.start()
        wait_until(
            lambda: (
                count(engine, "SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted") == 1
            ),
            "the retry's claim waiting for the first attempt",
        )
        holder.execute(text("SELECT pg_advisory_unlock(4242)"))
        worker.join(30)
    finally:
        holder.close()
        via.dispose()
    assert proxy.cuts == 1
    assert "error" not in answer, answer.get("error")
    assert count(engine, "SELECT count(*) FROM patients") == 1
    assert count(engine, "SELECT id FROM patients") == answer["id"]


def test_booking_a_new_patient_registers_them_and_books_once(cut, engine, provider_id):
    details = BookingDetails(provider_id=provider_id, start=TUESDAY_9)
    answer, added = cut(booking.book_new_patient, PatientIn(**ADA), details)
    assert count(engine, "SELECT id FROM patients") == answer.patient_id
    assert count(engine, "SELECT id FROM appointments") == answer.appointment_id
    assert count(engine, "SELECT patient_id FROM appointments") == answer.patient_id
    assert added == {("patients", "INSERT"): 1, ("appointments", "INSERT"): 1}
