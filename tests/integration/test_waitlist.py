"""The waitlist: entries added, changed, listed and removed (audited); the matches a freed time makes; booking a
match closes its entry in the same transaction, and a second desk is told it is gone."""

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import text

from app.domain.errors import InvalidInput
from app.domain.models import BookingRequest
from app.domain.slots import WorkingBlock
from app.services import booking, waitlist
from app.services.providers import add_provider
from app.services.waitlist import EntryGone, Priority
from tests.conftest import NOW, ZONE, new_patient
from tests.integration.db_state import refused

TUESDAY = date(2030, 1, 8)  # the tests' today, 07:00 now
SHORT_HOURS = {2: [WorkingBlock(time(9), time(10), 30)]}  # Tuesdays 09:00 and 09:30 only


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZONE)


@pytest.fixture
def tuesday_doctor(clinic) -> int:
    return add_provider(clinic, "Dr. Tuesday", SHORT_HOURS, "Physiotherapy")


@pytest.fixture
def default_type(clinic) -> int:
    from app.services import schedule

    return next(kind.id for kind in schedule.appointment_types(clinic) if kind.is_default)


def entry_values(patient_id: int, type_id: int, **values) -> dict:
    """An entry for that Tuesday; `values` change or add to it."""
    return {"patient_id": patient_id, "type_id": type_id, "earliest": TUESDAY, "latest": TUESDAY} | values


def fill_tuesday(clinic, provider_id: int) -> list[int]:
    """Both of the provider's Tuesday times, taken by others."""
    return [
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic), start=start))
        for start in (at(TUESDAY, 9), at(TUESDAY, 9, 30))
    ]


def test_an_entry_is_added_listed_changed_and_removed_and_every_change_is_audited(
    engine, clinic, patient_id, default_type, tuesday_doctor
):
    entry_id = waitlist.add_entry(
        clinic, **entry_values(patient_id, default_type, provider_id=tuesday_doctor, note="after school")
    )
    other = waitlist.add_entry(
        clinic, **entry_values(new_patient(clinic, "Urgent"), default_type, priority=Priority.URGENT)
    )
    listed = waitlist.list_entries(clinic)
    assert [entry.id for entry in listed] == [other, entry_id]  # the most urgent first
    assert (listed[1].who, listed[1].note, listed[0].who) == ("Dr. Tuesday", "after school", "any provider")

    waitlist.update_entry(
        clinic, entry_id, **entry_values(patient_id, default_type, specialty="Physiotherapy", weekdays=[2, 4])
    )
    changed = waitlist.entry(clinic, entry_id)
    assert (changed.who, changed.weekdays, changed.note) == ("any Physiotherapy provider", (2, 4), "")

    waitlist.remove_entry(clinic, entry_id)
    waitlist.remove_entry(clinic, entry_id)  # again: harmless
    assert [entry.id for entry in waitlist.list_entries(clinic)] == [other]
    with engine.connect() as conn:
        actions = (
            conn.execute(
                text("SELECT action FROM audit_log WHERE table_name = 'waitlist' AND row_id = :id ORDER BY id"),
                {"id": entry_id},
            )
            .scalars()
            .all()
        )
    assert actions == ["INSERT", "UPDATE", "DELETE"]


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"latest": TUESDAY - timedelta(days=1)}, "latest", "must not be before the earliest day"),
        ({"provider_id": 1, "specialty": "Physiotherapy"}, "specialty", "not both"),
        ({"specialty": "Astrology"}, "specialty", "no active provider has the specialty 'Astrology'"),
        ({"weekdays": [0]}, "weekdays.0", "greater than or equal to 1"),
        ({"priority": 4}, "priority", "1, 2 or 3"),
        ({"patient_id": 999_999}, "patient_id", "no patient with id 999999"),
        ({"type_id": 999_999}, "type_id", "no appointment type with id 999999"),
    ],
)
def test_an_entry_that_cannot_be_used_names_the_field_and_writes_nothing(
    engine, clinic, patient_id, default_type, values, field, words
):
    wrong = entry_values(patient_id, default_type) | values
    error = refused(engine, InvalidInput, waitlist.add_entry, clinic, **wrong)
    assert [e.field for e in error.errors] == [field] and words in error.errors[0].message


def test_a_cancellation_makes_a_match_and_only_for_entries_it_fits(clinic, default_type, tuesday_doctor):
    taken = fill_tuesday(clinic, tuesday_doctor)
    ada, bob, cy = (new_patient(clinic, name) for name in ("Ada", "Bob", "Cy"))
    for_the_doctor = waitlist.add_entry(clinic, **entry_values(ada, default_type, provider_id=tuesday_doctor))
    waitlist.add_entry(clinic, **entry_values(bob, default_type, provider_id=tuesday_doctor, part_of_day="afternoon"))
    for_the_specialty = waitlist.add_entry(clinic, **entry_values(cy, default_type, specialty="Physiotherapy"))
    assert waitlist.matches(clinic, provider_id=tuesday_doctor, first_day=TUESDAY) == []

    booking.cancel(clinic, taken[1])

    found = waitlist.matches(clinic, provider_id=tuesday_doctor, first_day=TUESDAY)
    assert [(m.entry.id, m.provider_id, m.start) for m in found] == [
        (for_the_doctor, tuesday_doctor, at(TUESDAY, 9, 30)),
        (for_the_specialty, tuesday_doctor, at(TUESDAY, 9, 30)),
    ]  # Bob wants afternoons: not him
    assert [m.entry.id for m in waitlist.matches(clinic, provider_id=tuesday_doctor, first_day=TUESDAY, limit=1)] == [
        for_the_doctor
    ]  # the longest waiting of the same priority first, and no search for the rest


def test_a_match_leaves_out_the_patient_s_own_appointments(clinic, default_type, tuesday_doctor, provider_id):
    taken = fill_tuesday(clinic, tuesday_doctor)
    ada = new_patient(clinic, "Ada")
    booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=ada, start=at(TUESDAY, 9, 30)))
    waitlist.add_entry(clinic, **entry_values(ada, default_type, provider_id=tuesday_doctor))
    booking.cancel(clinic, taken[1])
    assert waitlist.matches(clinic, provider_id=tuesday_doctor, first_day=TUESDAY) == []


def test_booking_a_match_closes_its_entry_and_a_second_desk_is_told_it_is_gone(
    engine, clinic, default_type, tuesday_doctor
):
    taken = fill_tuesday(clinic, tuesday_doctor)
    ada = new_patient(clinic, "Ada")
    entry_id = waitlist.add_entry(clinic, **entry_values(ada, default_type, provider_id=tuesday_doctor))
    booking.cancel(clinic, taken[0])
    (match,) = waitlist.matches(clinic, provider_id=tuesday_doctor, first_day=TUESDAY)

    appointment_id = waitlist.book_match(clinic, entry_id, match.provider_id, match.start)

    closed = waitlist.entry(clinic, entry_id)
    assert closed.closed_at is not None and closed.appointment_id == appointment_id
    assert waitlist.list_entries(clinic) == []
    gone = refused(engine, EntryGone, waitlist.book_match, clinic, entry_id, match.provider_id, match.start)
    assert "booked or removed at another desk" in str(gone)


def test_a_match_whose_time_another_desk_took_is_gone_and_the_entry_stays_open(
    engine, clinic, default_type, tuesday_doctor
):
    taken = fill_tuesday(clinic, tuesday_doctor)
    entry_id = waitlist.add_entry(clinic, **entry_values(new_patient(clinic), default_type, provider_id=tuesday_doctor))
    booking.cancel(clinic, taken[0])
    (match,) = waitlist.matches(clinic, provider_id=tuesday_doctor, first_day=TUESDAY)
    booking.book(clinic, BookingRequest(provider_id=tuesday_doctor, patient_id=new_patient(clinic), start=match.start))

    gone = refused(engine, EntryGone, waitlist.book_match, clinic, entry_id, match.provider_id, match.start)
    assert "taken at another desk" in str(gone)
    assert waitlist.entry(clinic, entry_id).closed_at is None


def test_the_summary_says_how_many_wait_and_for_how_long(engine, clinic, patient_id, default_type):
    for days_ago in (1, 3, 10):
        entry_id = waitlist.add_entry(clinic, **entry_values(new_patient(clinic), default_type))
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE waitlist SET added_at = :at WHERE id = :id"),
                {"at": NOW - timedelta(days=days_ago, hours=1), "id": entry_id},
            )
    summary = waitlist.summary(waitlist.list_entries(clinic), NOW)
    assert (summary.waiting, summary.longest_days, summary.median_days) == (3, 10, 3)
