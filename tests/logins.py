"""Staff logins for tests, and a trail of changes made by two of them.

`signed_in("receptionist")` gives (login name, Clinic) for a new login in that clinic group. `trail` has
Anna book an appointment, Ben move it and Anna check it in, each after registering a patient of their own.
Import the fixtures by their function names where they are used (that keeps ruff's F811 quiet).
"""

from dataclasses import dataclass
from datetime import date, datetime, time

import psycopg
import pytest
from sqlalchemy import text

from app.db.engine import conninfo, make_engine, with_login
from app.domain.models import BookingRequest
from app.services import booking
from tests.conftest import ZONE, make_clinic, new_patient

TRAIL_DAY = date(2030, 1, 8)
BOOKED_AT = datetime.combine(TRAIL_DAY, time(9), tzinfo=ZONE)
MOVED_TO = datetime.combine(TRAIL_DAY, time(11, 30), tzinfo=ZONE)


def can_sign_in(db_url: str, name: str, password: str) -> bool:
    """Whether the server lets `name` in with `password` (a plain connection, as the desk's listener makes)."""
    try:
        with psycopg.connect(conninfo(with_login(db_url, name, password)), connect_timeout=5):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(name="signed_in")
def signed_in_fixture(staff_login):
    engines = []

    def make(role: str):
        name, url = staff_login(role)
        engine = make_engine(url)
        engines.append(engine)
        return name, make_clinic(engine)

    yield make
    for engine in engines:  # before staff_login drops the roles
        engine.dispose()


@dataclass(frozen=True)
class Trail:
    anna: str
    ben: str
    appointment: int
    annas_patient: int
    bens_patient: int


@pytest.fixture(name="trail")
def trail_fixture(signed_in, provider_id) -> Trail:
    anna, anna_clinic = signed_in("receptionist")
    ben, ben_clinic = signed_in("receptionist")
    annas_patient = new_patient(anna_clinic, "Anneliese")
    bens_patient = new_patient(ben_clinic, "Benedikt")
    appointment = booking.book(
        anna_clinic, BookingRequest(provider_id=provider_id, patient_id=annas_patient, start=BOOKED_AT)
    )
    booking.reschedule(ben_clinic, appointment, MOVED_TO)
    booking.change_status(anna_clinic, appointment, "checked_in")
    return Trail(anna, ben, appointment, annas_patient, bens_patient)


def backdate(engine, user: str, moment: datetime) -> None:
    """Move `user`'s trail to `moment` (the triggers stamp the real time; date filters need other days)."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET at = :at WHERE db_user = :user"), {"at": moment, "user": user})
