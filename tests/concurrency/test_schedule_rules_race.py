"""An admin's change to a provider and a desk's booking, in separate processes, can no longer commit past each
other: the booking share-locks the provider's row and reads the rules again under it; the change locks it
exclusively and looks for the appointments it would orphan under it. Counted in the database."""

import random

import pytest
from sqlalchemy import text

from app.services.providers import add_provider
from tests.concurrency.test_races import grid_slots, race
from tests.concurrency.workers import Step
from tests.conftest import WEEKDAY_HOURS, new_patient

pytestmark = pytest.mark.slow

ROUNDS = 40


def test_a_provider_deactivated_while_a_desk_books_them_never_keeps_a_live_booking(db_url, engine, clinic):
    start, _end = grid_slots(1)[0]
    rounds = [
        (add_provider(clinic, f"Dr. Race {n}", WEEKDAY_HOURS), new_patient(clinic, f"Racer{n}")) for n in range(ROUNDS)
    ]
    rng = random.Random(7)
    bookings = [
        Step("book", {"provider_id": p, "patient_id": pt, "start": start}, rng.uniform(0, 0.004), may_be_refused=True)
        for p, pt in rounds
    ]
    deactivations = [
        Step("deactivate", {"provider_id": p}, rng.uniform(0, 0.004), may_be_refused=True) for p, _pt in rounds
    ]
    booked, deactivated = race(db_url, bookings, deactivations)

    outcomes = [result.outcome for result in booked + deactivated]
    assert not [o for o in outcomes if o.startswith("error")], outcomes
    with engine.connect() as conn:
        orphans = conn.execute(
            text(
                "SELECT count(*) FROM appointments a JOIN providers p ON p.id = a.provider_id"
                " WHERE a.status <> 'cancelled' AND NOT p.active"
            )
        ).scalar_one()
        inactive = conn.execute(text("SELECT count(*) FROM providers WHERE NOT active")).scalar_one()
    assert orphans == 0
    # Each round had one winner: the booking (the deactivation refused) or the deactivation (the booking refused).
    assert sum(r.outcome == "ok" for r in booked) + inactive == ROUNDS
