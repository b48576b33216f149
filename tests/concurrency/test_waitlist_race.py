"""Desks in separate processes pressing Book on the same waitlist match, and on matches of different entries for
the same freed time: one books, the others are told it is gone; the entry closes once. Counted in SQL."""

from datetime import date, datetime, time

import pytest
from sqlalchemy import text

from app.domain.models import BookingRequest
from app.domain.slots import WorkingBlock
from app.services import booking, schedule, waitlist
from app.services.providers import add_provider
from tests.concurrency.test_races import race
from tests.concurrency.workers import Step
from tests.conftest import ZONE, new_patient

pytestmark = pytest.mark.slow

TUESDAY = date(2030, 1, 8)
FREED = datetime.combine(TUESDAY, time(9, 30), tzinfo=ZONE)


def test_desks_booking_waitlist_matches_for_one_freed_time_book_it_once(db_url, engine, clinic):
    provider_id = add_provider(clinic, "Dr. Race", {2: [WorkingBlock(time(9), time(10), 30)]})
    default = next(kind.id for kind in schedule.appointment_types(clinic) if kind.is_default)
    taken = booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic), start=FREED))
    entry = {"provider_id": provider_id, "type_id": default, "earliest": TUESDAY, "latest": TUESDAY}
    entries = [waitlist.add_entry(clinic, patient_id=new_patient(clinic, f"Waiting{n}"), **entry) for n in range(4)]
    booking.cancel(clinic, taken)
    # Every entry's match is the freed 09:30 (09:00 is free too: take it, so that only one time is left).
    booking.book(
        clinic, BookingRequest(provider_id=provider_id, patient_id=new_patient(clinic), start=FREED.replace(minute=0))
    )
    steps = [
        [Step("book_match", {"entry_id": entry_id, "provider_id": provider_id, "start": FREED}, 0.0005 * n)]
        for n, entry_id in enumerate(entries + entries)  # two desks for each entry
    ]

    results = [result for process in race(db_url, *steps) for result in process]

    assert sorted(r.outcome for r in results) == ["ok"] + ["taken"] * 7, [r.outcome for r in results]
    assert [fault for r in results for fault in r.retried_faults] == []
    with engine.connect() as conn:
        live = conn.execute(
            text("SELECT count(*) FROM appointments WHERE provider_id = :p AND starts_at = :s AND status = 'booked'"),
            {"p": provider_id, "s": FREED},
        ).scalar_one()
        closed = conn.execute(
            text(
                "SELECT count(*) FROM waitlist w JOIN appointments a ON a.id = w.appointment_id WHERE a.starts_at = :s"
            ),
            {"s": FREED},
        ).scalar_one()
    assert (live, closed) == (1, 1)
