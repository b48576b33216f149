from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from app.domain.errors import InvalidInput, SlotTaken
from app.services import booking, schedule
from tests.conftest import ZONE, new_patient

TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)


def count_live(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM appointments WHERE status <> 'cancelled'")).scalar_one()


def test_book_creates_one_appointment_in_the_slot(clinic, engine, provider_id, patient_id):
    appointment_id = booking.book(clinic, provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    views = schedule.schedule(clinic, TUESDAY_9.date(), TUESDAY_9.date())
    assert [v.id for v in views] == [appointment_id]
    assert views[0].starts_at == TUESDAY_9
    assert views[0].ends_at == TUESDAY_9 + timedelta(minutes=30)
    assert views[0].type_code == "consultation"
    assert TUESDAY_9 not in schedule.free_slots(clinic, provider_id, TUESDAY_9.date())


def test_second_booking_of_a_slot_is_refused(clinic, engine, provider_id, patient_id):
    booking.book(clinic, provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    other = new_patient(clinic, "Bob")
    with pytest.raises(SlotTaken):
        booking.book(clinic, provider_id=provider_id, patient_id=other, start=TUESDAY_9)
    assert count_live(engine) == 1


def test_same_request_id_books_once(clinic, engine, provider_id, patient_id):
    values = dict(
        provider_id=provider_id,
        patient_id=patient_id,
        start=TUESDAY_9,
        request_id="6f1c1d1e-0000-4000-8000-000000000001",
    )
    first = booking.book(clinic, **values)
    assert booking.book(clinic, **values) == first
    assert count_live(engine) == 1


def test_outside_hours_is_invalid(clinic, engine, provider_id, patient_id):
    with pytest.raises(InvalidInput, match="start: is outside the provider's working hours"):
        booking.book(clinic, provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9.replace(hour=18))
    assert count_live(engine) == 0
