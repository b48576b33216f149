"""The audit trail: every change made through the services by a staff login leaves exactly one row naming that
login and this workstation, with the row as it was and as it became; a change that did not happen leaves none.

The trail is read as the superuser (the fixtures' `engine`); the changes are made by staff logins.
"""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from app.db.engine import workstation_name
from app.domain.errors import NotAllowed, SlotTaken
from app.domain.models import BookingRequest, PatientIn
from app.services import booking
from app.services.patients import create_patient, update_patient
from tests.conftest import ZONE, new_patient
from tests.logins import signed_in_fixture  # noqa: F401 (a fixture)

TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)
LATER = TUESDAY_9 + timedelta(hours=1)
GRACE = {"first_name": "Grace", "last_name": "Hopper", "date_of_birth": "1906-12-09", "phone": "+1 555 123 4567"}


def last_entry(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT COALESCE(max(id), 0) FROM audit_log")).scalar_one()


def entries_since(engine, mark: int) -> list:
    with engine.connect() as conn:
        return conn.execute(text("SELECT * FROM audit_log WHERE id > :mark ORDER BY id"), {"mark": mark}).all()


def one_entry(engine, mark: int, login: str, table: str, action: str, row_id: int, appointment_id, patient_id):
    """The single entry written since `mark`, checked field by field; returned for its before and after."""
    entries = entries_since(engine, mark)
    assert len(entries) == 1, entries
    entry = entries[0]
    assert (entry.db_user, entry.workstation) == (login, workstation_name())
    assert (entry.table_name, entry.action, entry.row_id) == (table, action, row_id)
    assert (entry.appointment_id, entry.patient_id) == (appointment_id, patient_id)
    return entry


def moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


@pytest.fixture
def desk(signed_in):
    """(login name, Clinic) of a receptionist."""
    return signed_in("receptionist")


@pytest.fixture
def booked(desk, provider_id, patient_id) -> int:
    return booking.book(
        desk[1], BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9, notes="first visit")
    )


def test_book(engine, desk, provider_id, patient_id):
    login, clinic = desk
    mark = last_entry(engine)
    appointment = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9, notes="hi")
    )
    entry = one_entry(engine, mark, login, "appointments", "INSERT", appointment, appointment, patient_id)
    assert entry.before is None
    assert entry.after["id"] == appointment
    assert (entry.after["status"], entry.after["notes"], entry.after["provider_id"]) == ("booked", "hi", provider_id)
    assert moment(entry.after["starts_at"]) == TUESDAY_9


def test_reschedule(engine, desk, booked, patient_id):
    login, clinic = desk
    mark = last_entry(engine)
    booking.reschedule(clinic, booked, LATER)
    entry = one_entry(engine, mark, login, "appointments", "UPDATE", booked, booked, patient_id)
    assert moment(entry.before["starts_at"]) == TUESDAY_9
    assert moment(entry.after["starts_at"]) == LATER
    assert entry.before["slot_id"] != entry.after["slot_id"]


def test_change_status(engine, desk, booked, patient_id):
    login, clinic = desk
    mark = last_entry(engine)
    booking.change_status(clinic, booked, "checked_in")
    entry = one_entry(engine, mark, login, "appointments", "UPDATE", booked, booked, patient_id)
    assert (entry.before["status"], entry.after["status"]) == ("booked", "checked_in")


def test_cancel(engine, desk, booked, patient_id):
    login, clinic = desk
    mark = last_entry(engine)
    booking.cancel(clinic, booked)
    entry = one_entry(engine, mark, login, "appointments", "UPDATE", booked, booked, patient_id)
    assert (entry.before["status"], entry.after["status"]) == ("booked", "cancelled")


def test_create_patient(engine, desk):
    login, clinic = desk
    mark = last_entry(engine)
    patient = create_patient(clinic, PatientIn(**GRACE))
    entry = one_entry(engine, mark, login, "patients", "INSERT", patient, None, patient)
    assert entry.before is None
    assert {key: entry.after[key] for key in GRACE} == GRACE
    assert entry.after["email"] is None


def test_update_patient(engine, desk):
    login, clinic = desk
    patient = create_patient(clinic, PatientIn(**GRACE))
    mark = last_entry(engine)
    update_patient(clinic, patient, PatientIn(**{**GRACE, "phone": "+1 555 765 4321", "email": "grace@navy.mil"}))
    entry = one_entry(engine, mark, login, "patients", "UPDATE", patient, None, patient)
    assert (entry.before["phone"], entry.before["email"]) == ("+1 555 123 4567", None)
    assert (entry.after["phone"], entry.after["email"]) == ("+1 555 765 4321", "grace@navy.mil")
    assert entry.before["last_name"] == entry.after["last_name"] == "Hopper"


@pytest.mark.parametrize(
    "repeat",
    [
        pytest.param(lambda clinic, i: booking.cancel(clinic, i), id="cancel-a-cancelled-appointment"),
        pytest.param(lambda clinic, i: booking.change_status(clinic, i, "cancelled"), id="same-status"),
    ],
)
def test_repeating_a_cancellation_leaves_no_entry(engine, desk, booked, repeat):
    booking.cancel(desk[1], booked)
    mark = last_entry(engine)
    repeat(desk[1], booked)
    assert entries_since(engine, mark) == []


def test_no_op_changes_leave_no_entry(engine, desk, booked):
    clinic = desk[1]
    patient = create_patient(clinic, PatientIn(**GRACE))
    mark = last_entry(engine)
    booking.reschedule(clinic, booked, TUESDAY_9)  # where it already is
    booking.change_status(clinic, booked, "booked")
    update_patient(clinic, patient, PatientIn(**GRACE))  # saved without edits
    assert entries_since(engine, mark) == []


def test_refused_changes_leave_no_entry(engine, signed_in, desk, booked, provider_id, patient_id):
    manager = signed_in("manager")[1]
    other = new_patient(desk[1], "Bob")
    mark = last_entry(engine)
    refusals = [
        (
            NotAllowed,
            lambda: booking.book(manager, BookingRequest(provider_id=provider_id, patient_id=other, start=LATER)),
        ),
        (NotAllowed, lambda: booking.cancel(manager, booked)),
        (NotAllowed, lambda: update_patient(manager, patient_id, PatientIn(**GRACE))),
        (NotAllowed, lambda: create_patient(manager, PatientIn(**GRACE))),
        (
            SlotTaken,
            lambda: booking.book(desk[1], BookingRequest(provider_id=provider_id, patient_id=other, start=TUESDAY_9)),
        ),
    ]
    for error, change in refusals:
        with pytest.raises(error):
            change()
    assert entries_since(engine, mark) == []


def test_a_rolled_back_change_leaves_no_entry(engine, desk, booked):
    clinic = desk[1]
    mark = last_entry(engine)

    def change_then_fail(conn):
        conn.execute(text("UPDATE appointments SET notes = 'never mind' WHERE id = :id"), {"id": booked})
        raise RuntimeError("the desk gave up")

    with pytest.raises(RuntimeError):
        clinic.uow.run(change_then_fail)
    assert entries_since(engine, mark) == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT notes FROM appointments WHERE id = :id"), {"id": booked}).scalar() == (
            "first visit"
        )


@pytest.mark.parametrize("role", ["manager", "receptionist", "admin"])
def test_appointment_history_for_every_role(signed_in, desk, booked, provider_id, role):
    login, clinic = desk
    other = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic, "Bob"), start=LATER)
    )
    booking.reschedule(clinic, booked, LATER + timedelta(hours=1))
    booking.change_status(clinic, other, "checked_in")
    booking.change_status(clinic, booked, "checked_in")
    reader = clinic if role == "receptionist" else signed_in(role)[1]

    history = reader.uow.read(
        lambda conn: conn.execute(text("SELECT * FROM appointment_history(:id)"), {"id": booked}).all()
    )
    assert [(h.action, h.db_user, h.workstation) for h in history] == [
        ("INSERT", login, workstation_name()),
        ("UPDATE", login, workstation_name()),
        ("UPDATE", login, workstation_name()),
    ]
    assert [h.after["id"] for h in history] == [booked] * 3
    assert history[0].before is None
    assert moment(history[1].after["starts_at"]) == LATER + timedelta(hours=1)
    assert (history[2].before["status"], history[2].after["status"]) == ("booked", "checked_in")
    assert [h.at for h in history] == sorted(h.at for h in history)
