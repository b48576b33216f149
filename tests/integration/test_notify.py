"""What the database announces (NOTIFY, from the triggers of migrations 0002 and 0004) for each write of the services.

A plain psycopg connection LISTENs, as a desk's listener does. To know that every notification of an action
has arrived, and that no more will, the test then sends a marker on a channel of its own: notifications are
delivered in commit order, so everything the action committed comes before the marker.
"""

import json
import uuid
from datetime import datetime, timedelta

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text

from app.db.engine import conninfo
from app.domain.errors import InvalidInput, SlotTaken
from app.domain.models import BookingRequest, PatientIn
from app.live.changes import CHANNEL, Change, parse
from app.services import booking
from app.services.appointment_types import add_type, update_type
from app.services.patients import create_patient, update_patient
from app.services.providers import add_provider, add_time_off
from tests.conftest import WEEKDAY_HOURS, ZONE, new_patient

MARKER_CHANNEL = "test_notify_marker"
PAYLOAD_KEYS = {"table", "op", "id", "provider_id", "spans"}
TUESDAY_9 = datetime(2030, 1, 8, 9, 0, tzinfo=ZONE)
HALF_HOUR = timedelta(minutes=30)


class Announcements:
    """A LISTENing connection; `drain()` returns what was announced since the last drain."""

    def __init__(self, conninfo: str):
        self.connection = psycopg.connect(conninfo, autocommit=True)
        self.connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(CHANNEL)))
        self.connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(MARKER_CHANNEL)))
        self.raw: list[str] = []  # every payload ever received on the schedule channel

    def drain(self, timeout: float = 10.0) -> list[dict]:
        marker = uuid.uuid4().hex
        self.connection.execute("SELECT pg_notify(%s, %s)", (MARKER_CHANNEL, marker))
        payloads = []
        for notify in self.connection.notifies(timeout=timeout):
            if notify.channel == MARKER_CHANNEL and notify.payload == marker:
                return [json.loads(payload) for payload in payloads]
            assert notify.channel == CHANNEL, notify
            payloads.append(notify.payload)
            self.raw.append(notify.payload)
        pytest.fail(f"the marker notification did not arrive within {timeout} s; got {payloads}")

    def close(self) -> None:
        self.connection.close()


@pytest.fixture
def announcements(db_url):
    listening = Announcements(conninfo(db_url))
    yield listening
    listening.close()


def announced(table: str, op: str, row_id: int, provider_id: int, *spans: tuple[datetime, datetime] | None) -> dict:
    """A payload as the trigger sends it, with the spans as datetimes (see `readable`)."""
    return {
        "table": table,
        "op": op,
        "id": row_id,
        "provider_id": provider_id,
        "spans": None if spans == (None,) else [list(span) for span in spans],
    }


def readable(payloads: list[dict]) -> list[dict]:
    """The payloads with each time read as an aware datetime (equal if the same instant)."""
    result = []
    for payload in payloads:
        assert set(payload) == PAYLOAD_KEYS, payload
        spans = payload["spans"]
        if spans is not None:
            spans = [[datetime.fromisoformat(moment) for moment in span] for span in spans]
            assert all(moment.utcoffset() is not None for span in spans for moment in span), payload
        result.append({**payload, "spans": spans})
    return result


def slot_of(engine, appointment_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT slot_id FROM appointments WHERE id = :id"), {"id": appointment_id}
        ).scalar_one()


@pytest.fixture
def booked(clinic, engine, provider_id, patient_id, announcements):
    """An appointment on Tuesday at 9:00; what its booking announced is drained."""
    appointment_id = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    )
    announcements.drain()
    return appointment_id


# --- each service announces what it changed ---


def test_booking_announces_the_new_slot_and_the_appointment(clinic, engine, provider_id, patient_id, announcements):
    announcements.drain()  # what setting up the provider announced
    appointment_id = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9)
    )
    nine = (TUESDAY_9, TUESDAY_9 + HALF_HOUR)
    assert readable(announcements.drain()) == [
        announced("time_slots", "INSERT", slot_of(engine, appointment_id), provider_id, nine),
        announced("appointments", "INSERT", appointment_id, provider_id, nine),
    ]


def test_booking_a_slot_that_exists_announces_only_the_appointment(clinic, provider_id, booked, announcements):
    booking.cancel(clinic, booked)
    other = new_patient(clinic, "Bob")
    announcements.drain()
    rebooked = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=other, start=TUESDAY_9))
    assert readable(announcements.drain()) == [
        announced("appointments", "INSERT", rebooked, provider_id, (TUESDAY_9, TUESDAY_9 + HALF_HOUR)),
    ]


def test_cancel_announces_the_appointment_s_old_and_new_row(clinic, provider_id, booked, announcements):
    booking.cancel(clinic, booked)
    nine = (TUESDAY_9, TUESDAY_9 + HALF_HOUR)
    assert readable(announcements.drain()) == [announced("appointments", "UPDATE", booked, provider_id, nine, nine)]


def test_change_status_announces_the_appointment(clinic, provider_id, booked, announcements):
    nine = (TUESDAY_9, TUESDAY_9 + HALF_HOUR)
    booking.change_status(clinic, booked, "checked_in")
    assert readable(announcements.drain()) == [announced("appointments", "UPDATE", booked, provider_id, nine, nine)]
    booking.change_status(clinic, booked, "completed")
    assert readable(announcements.drain()) == [announced("appointments", "UPDATE", booked, provider_id, nine, nine)]


def test_reschedule_announces_the_old_and_the_new_time(clinic, engine, provider_id, booked, announcements):
    thursday_14 = datetime(2030, 1, 10, 14, 0, tzinfo=ZONE)
    booking.reschedule(clinic, booked, thursday_14)
    new_slot = slot_of(engine, booked)
    assert readable(announcements.drain()) == [
        announced("time_slots", "INSERT", new_slot, provider_id, (thursday_14, thursday_14 + HALF_HOUR)),
        announced(
            "appointments",
            "UPDATE",
            booked,
            provider_id,
            (TUESDAY_9, TUESDAY_9 + HALF_HOUR),  # where it was: that day's views re-read too
            (thursday_14, thursday_14 + HALF_HOUR),
        ),
    ]


def test_writes_that_change_nothing_announce_nothing(clinic, provider_id, booked, announcements):
    booking.reschedule(clinic, booked, TUESDAY_9)  # to where it already is
    booking.change_status(clinic, booked, "booked")  # the status it has
    booking.cancel(clinic, booked)
    announcements.drain()
    booking.cancel(clinic, booked)  # cancelling a cancelled appointment
    assert announcements.drain() == []


def test_add_time_off_announces_its_span(clinic, provider_id, announcements):
    announcements.drain()
    starts_at = datetime(2030, 1, 9, 12, 0, tzinfo=ZONE)
    ends_at = datetime(2030, 1, 11, 18, 0, tzinfo=ZONE)
    time_off_id = add_time_off(clinic, provider_id, starts_at, ends_at, "conference")
    assert readable(announcements.drain()) == [
        announced("time_off", "INSERT", time_off_id, provider_id, (starts_at, ends_at))
    ]


def test_add_provider_announces_the_provider_and_each_block_of_hours(clinic, engine, announcements):
    new_provider = add_provider(clinic, "Dr. Announced", WEEKDAY_HOURS, "Dermatology")
    with engine.connect() as conn:
        blocks = conn.execute(
            text("SELECT id FROM working_hours WHERE provider_id = :p ORDER BY id"), {"p": new_provider}
        ).scalars()
        block_ids = list(blocks)
    assert len(block_ids) == sum(len(day) for day in WEEKDAY_HOURS.values()) == 10
    assert readable(announcements.drain()) == [
        announced("providers", "INSERT", new_provider, new_provider, None),
        *(announced("working_hours", "INSERT", block, new_provider, None) for block in block_ids),
    ]


def test_every_announcement_reads_as_a_change(clinic, engine, provider_id, booked, announcements):
    """What the triggers send is what the listener's parser reads, and it touches the right days."""
    thursday_14 = datetime(2030, 1, 10, 14, 0, tzinfo=ZONE)
    booking.reschedule(clinic, booked, thursday_14)
    payloads = announcements.drain()
    changes = [parse(json.dumps(payload)) for payload in payloads]
    assert changes == [
        Change("time_slots", "INSERT", slot_of(engine, booked), provider_id, ((thursday_14, thursday_14 + HALF_HOUR),)),
        Change(
            "appointments",
            "UPDATE",
            booked,
            provider_id,
            ((TUESDAY_9, TUESDAY_9 + HALF_HOUR), (thursday_14, thursday_14 + HALF_HOUR)),
        ),
    ]
    moved = changes[1]
    assert moved.touches(provider_id, TUESDAY_9.date(), TUESDAY_9.date(), ZONE)
    assert moved.touches(provider_id, thursday_14.date(), thursday_14.date(), ZONE)
    assert not moved.touches(provider_id, datetime(2030, 1, 9).date(), datetime(2030, 1, 9).date(), ZONE)
    assert not moved.touches(provider_id + 1, TUESDAY_9.date(), thursday_14.date(), ZONE)


# --- nothing for a transaction that rolled back ---


def test_a_rolled_back_transaction_announces_nothing(engine, provider_id, patient_id, announcements):
    announcements.drain()
    with engine.connect() as conn:
        transaction = conn.begin()
        conn.execute(
            text("INSERT INTO time_off (provider_id, starts_at, ends_at) VALUES (:p, :s, :e)"),
            {"p": provider_id, "s": TUESDAY_9, "e": TUESDAY_9 + HALF_HOUR},
        )
        conn.execute(text("UPDATE providers SET specialty = 'changed' WHERE id = :p"), {"p": provider_id})
        conn.execute(
            text("INSERT INTO time_slots (provider_id, start_time, end_time) VALUES (:p, :s, :e)"),
            {"p": provider_id, "s": TUESDAY_9, "e": TUESDAY_9 + HALF_HOUR},
        )
        transaction.rollback()
    assert announcements.drain() == []


def test_a_refused_booking_announces_nothing(clinic, engine, provider_id, patient_id, booked, announcements):
    # The slot row is inserted before the missing patient is found: the whole transaction rolls back.
    wednesday_10 = datetime(2030, 1, 9, 10, 0, tzinfo=ZONE)
    eve = new_patient(clinic, "Eve")
    announcements.drain()
    with pytest.raises(InvalidInput, match="patient_id"):
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=999_999, start=wednesday_10))
    with pytest.raises(SlotTaken):
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=eve, start=TUESDAY_9))
    assert announcements.drain() == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM time_slots")).scalar_one() == 1, "only the booked slot"


def test_an_appointment_type_s_change_is_announced_without_provider_or_time(clinic, announcements):
    type_id = add_type(clinic, code="vaccine", name="Vaccination", color="#3366cc")
    assert announcements.drain() == [announced("appointment_types", "INSERT", type_id, None, None)]
    update_type(clinic, type_id, code="vaccine", name="Vaccination", color="#cc3366", is_default=False)
    assert announcements.drain() == [announced("appointment_types", "UPDATE", type_id, None, None)]


# --- no patient data ---


def test_no_announcement_carries_patient_data(clinic, engine, provider_id, announcements):
    patient = {
        "first_name": "Zebulon",
        "last_name": "Quaxworthy",
        "date_of_birth": "1975-02-28",
        "phone": "+49 171 5550199",
        "email": "zebulon.quaxworthy@example.org",
    }
    patient_id = create_patient(clinic, PatientIn(**patient))
    assert announcements.drain() == [announced("patients", "INSERT", patient_id, None, None)], "the id, nothing else"
    update_patient(clinic, patient_id, PatientIn(**{**patient, "phone": "+49 171 5550200"}))
    assert announcements.drain() == [announced("patients", "UPDATE", patient_id, None, None)]

    notes = "Allergic to penicillin; prefers mornings"
    appointment_id = booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=TUESDAY_9, notes=notes)
    )
    booking.reschedule(clinic, appointment_id, datetime(2030, 1, 8, 14, 0, tzinfo=ZONE))  # later that day: today
    booking.change_status(clinic, appointment_id, "checked_in")
    booking.change_status(clinic, appointment_id, "booked")
    booking.cancel(clinic, appointment_id)
    announcements.drain()

    # Every payload this test saw (the provider's too), as sent.
    assert len(announcements.raw) >= 6
    digits = "".join(ch for ch in patient["phone"] if ch.isdigit())
    for payload in announcements.raw:
        assert set(json.loads(payload)) == PAYLOAD_KEYS, payload
        lowered = payload.lower()
        for value in [*patient.values(), notes, "penicillin", digits, "patient_id", "5550200"]:
            assert value.lower() not in lowered, (value, payload)
        for word in ("Zebulon", "Quaxworthy", "5550199", "1975"):
            assert word.lower() not in lowered, (word, payload)
