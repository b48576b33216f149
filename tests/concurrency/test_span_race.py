"""32 processes book types of different lengths at random grid starts on the same providers, rooms and patients:
overlapping spans queue on the grid positions they share and on the rooms' day rows, so no two live appointments
of a provider, a room or a patient overlap, every loser is told the time is taken, and the service's own paths
never deadlock. Counted in SQL."""

import random
from datetime import date

import pytest
from sqlalchemy import text

from app.domain.slots import Length, spans_in_blocks
from app.services import appointment_types, rooms
from app.services.providers import add_provider
from tests.concurrency.test_races import race
from tests.concurrency.workers import Step
from tests.conftest import WEEKDAY_HOURS, ZONE, new_patient

pytestmark = pytest.mark.slow

PROCESSES, STEPS = 32, 8
TUESDAY = date(2030, 1, 8)

PROVIDER_OVERLAPS = (
    "SELECT count(*) FROM appointments a JOIN appointments b ON b.provider_id = a.provider_id AND b.id > a.id"
    " AND tstzrange(a.starts_at, a.busy_until) && tstzrange(b.starts_at, b.busy_until)"
    " WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'"
)
ROOM_OVERLAPS = (
    "SELECT count(*) FROM appointments a JOIN appointments b ON b.room_id = a.room_id AND b.id > a.id"
    " AND tstzrange(a.starts_at, a.busy_until) && tstzrange(b.starts_at, b.busy_until)"
    " WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'"
)
PATIENT_OVERLAPS = (
    "SELECT count(*) FROM appointments a JOIN appointments b ON b.patient_id = a.patient_id AND b.id > a.id"
    " AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)"
    " WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'"
)


def test_racing_spans_of_different_lengths_never_overlap_and_never_deadlock(db_url, engine, clinic):
    lengths = {
        appointment_types.add_type(clinic, "quick", "Quick", "#00aa33", minutes=15): Length(15),
        appointment_types.add_type(
            clinic, "long", "Long", "#aa3300", minutes=60, buffer_minutes=15, room_kind="procedure room"
        ): Length(60, 15),
        appointment_types.add_type(clinic, "double", "Double", "#3300aa", minutes=45): Length(45),
    }
    providers = [add_provider(clinic, f"Dr. Span {n}", WEEKDAY_HOURS) for n in range(3)]
    room_ids = [rooms.add_room(clinic, f"Procedure {n}", "procedure room") for n in range(2)]
    patients = [new_patient(clinic, f"Spanner{n}") for n in range(8)]
    starts = {
        type_id: [s.start for s in spans_in_blocks(TUESDAY, WEEKDAY_HOURS[2], ZONE, length)]
        for type_id, length in lengths.items()
    }
    rng = random.Random(15)

    def step() -> Step:
        type_id = rng.choice(list(lengths))
        values = {
            "provider_id": rng.choice(providers),
            "patient_id": rng.choice(patients),
            "start": rng.choice(starts[type_id]),
            "type_id": type_id,
        }
        return Step("book", values, rng.uniform(0, 0.003))

    results = race(db_url, *[[step() for _ in range(STEPS)] for _ in range(PROCESSES)])

    flat = [result for process in results for result in process]
    assert {r.outcome for r in flat} <= {"ok", "taken"}, sorted({r.outcome for r in flat})
    assert [fault for r in flat for fault in r.retried_faults] == []  # not one deadlock, nor any other retry
    with engine.connect() as conn:
        assert conn.execute(text(PROVIDER_OVERLAPS)).scalar_one() == 0
        assert conn.execute(text(PATIENT_OVERLAPS)).scalar_one() == 0
        assert conn.execute(text(ROOM_OVERLAPS)).scalar_one() == 0
        rooms_used = conn.execute(text("SELECT count(DISTINCT room_id) FROM appointments")).scalar_one()
        live = conn.execute(text("SELECT count(*) FROM appointments WHERE status <> 'cancelled'")).scalar_one()
    wins = sum(r.outcome == "ok" for r in flat)
    assert live == wins and 0 < wins < PROCESSES * STEPS
    assert rooms_used == len(room_ids)  # the long type was booked in both rooms
