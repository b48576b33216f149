"""How many times a booking waits for the server, counted on the wire (tests/round_trips.py): the rules read, then
BEGIN, the three statements and COMMIT in one pipeline."""

from datetime import datetime

import pytest
from sqlalchemy import text

from app.db.engine import make_engine
from app.domain.errors import InvalidInput, SlotTaken
from app.domain.models import BookingRequest
from app.services import booking, schedule
from tests.conftest import ZONE, make_clinic, new_patient
from tests.round_trips import RoundTripCounter

TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)


@pytest.fixture
def counted(db_url):
    """A clinic whose one connection goes through the counter, opened and warm (its first read is not counted)."""
    with RoundTripCounter(db_url) as proxy:
        engine = make_engine(proxy.url, pool_size=1)
        clinic = make_clinic(engine)
        schedule.providers(clinic)
        proxy.reset()
        yield proxy, clinic
        engine.dispose()


def live_appointments(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM appointments WHERE status <> 'cancelled'")).scalar_one()


def test_a_booking_waits_for_the_server_twice(counted, engine, provider_id, patient_id):
    proxy, clinic = counted
    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9))
    assert proxy.round_trips == 2
    assert live_appointments(engine) == 1


def test_a_time_booked_before_the_desk_looked_is_refused_after_one(counted, clinic, engine, provider_id, patient_id):
    proxy, counted_clinic = counted
    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9))
    other = new_patient(clinic, "Bob")
    with pytest.raises(SlotTaken):
        booking.book(counted_clinic, BookingRequest(provider_id=provider_id, patient_id=other, start=TUESDAY_9))
    assert proxy.round_trips == 1
    assert live_appointments(engine) == 1


def test_a_transaction_refused_midway_leaves_its_connection_clean(counted, engine, provider_id, patient_id):
    """The type does not exist: the pipeline's insert fails after BEGIN, its COMMIT is skipped, and the one pooled
    connection is rolled back and books the next request."""
    _proxy, clinic = counted
    with pytest.raises(InvalidInput, match="no such appointment type"):
        booking.book(
            clinic,
            BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9, type_id=2**31 - 2),
        )
    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9))
    assert live_appointments(engine) == 1
