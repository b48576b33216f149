"""Separate processes with their own connections race for the same slots; results are counted in the database."""

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text

from app.domain.models import BookingRequest
from app.domain.slots import slot_grid
from app.services import booking
from app.tools.racing import run_together
from app.tools.stress import Job as StressJob
from app.tools.stress import double_bookings, live_appointments, service_worker
from tests.concurrency.workers import Job, Step, run_steps
from tests.conftest import NOW, WEEKDAY_HOURS, ZONE, new_patient

pytestmark = pytest.mark.slow

FIRST_DAY = date(2030, 1, 8)  # the Tuesday after the tests' fixed "now"
RACE_TIMEOUT_S = 120


def grid_slots(count: int) -> list[tuple[datetime, datetime]]:
    """The first `count` slots of the test provider's grid from FIRST_DAY on, as (start, end)."""
    slots, day = [], FIRST_DAY
    while len(slots) < count:
        slots += [(s.start, s.end) for s in slot_grid(day, WEEKDAY_HOURS.get(day.isoweekday(), []), ZONE)]
        day += timedelta(days=1)
    return slots[:count]


def live_per_slot(engine, provider_id: int) -> dict[datetime, int]:
    """Slot start -> number of live appointments in that slot, for every slot row of the provider."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.start_time, count(a.id) FROM time_slots s"
                " LEFT JOIN appointments a ON a.slot_id = s.id AND a.status <> 'cancelled'"
                " WHERE s.provider_id = :p GROUP BY s.start_time"
            ),
            {"p": provider_id},
        ).all()
    return {start: count for start, count in rows}


def appointments(engine, ids: list[int]) -> dict[int, tuple[str, datetime]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, status, starts_at FROM appointments WHERE id = ANY(:ids)"), {"ids": ids}
        ).all()
    return {row.id: (row.status, row.starts_at) for row in rows}


def race(db_url: str, *step_lists: list[Step]) -> list[list]:
    """Run each list of steps in its own process, step i of every process starting together."""
    return run_together([(run_steps, Job(db_url, steps)) for steps in step_lists], timeout=RACE_TIMEOUT_S)


def book_step(provider_id: int, patient_id: int, start: datetime, delay_s: float = 0.0) -> Step:
    return Step("book", {"provider_id": provider_id, "patient_id": patient_id, "start": start}, delay_s)


def assert_no_errors(*results_per_process) -> None:
    errors = [r.outcome for results in results_per_process for r in results if r.outcome.startswith("error")]
    assert errors == []


def test_sixteen_processes_racing_for_fifty_slots_book_each_exactly_once(clinic, engine, db_url, provider_id):
    slots = grid_slots(50)
    jobs = [
        StressJob(db_url, provider_id, new_patient(clinic), slots, seed=i, zone=ZONE.key, now=NOW) for i in range(16)
    ]
    outcomes = run_together([(service_worker, job) for job in jobs], timeout=RACE_TIMEOUT_S)

    assert [error for o in outcomes for error in o.errors] == []
    assert sum(len(o.latencies) for o in outcomes) == 16 * 50
    per_slot = live_per_slot(engine, provider_id)
    assert {start: per_slot.get(start) for start, _ in slots} == {start: 1 for start, _ in slots}
    assert live_appointments(engine, provider_id) == 50
    assert double_bookings(engine, provider_id) == 0
    assert sum(o.successes for o in outcomes) == 50  # the workers' own view agrees with the database


def test_reschedule_and_booking_racing_for_the_same_slot_leave_one_appointment_there(
    clinic, engine, db_url, provider_id
):
    slots = grid_slots(40)
    origins, targets = [start for start, _ in slots[0::2]], [start for start, _ in slots[1::2]]
    mover, booker = new_patient(clinic, "Mover"), new_patient(clinic, "Booker")
    originals = [
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=mover, start=s)) for s in origins
    ]
    jitter = random.Random(7)

    move_steps = [
        Step("reschedule", {"appointment_id": a, "start": x}, jitter.uniform(0, 0.003))
        for a, x in zip(originals, targets, strict=True)
    ]
    book_steps = [book_step(provider_id, booker, x, jitter.uniform(0, 0.003)) for x in targets]
    moves, bookings = race(db_url, move_steps, book_steps)

    assert_no_errors(moves, bookings)
    per_slot = live_per_slot(engine, provider_id)
    assert [per_slot.get(x) for x in targets] == [1] * len(targets)
    rows = appointments(engine, originals)
    assert sorted(rows) == sorted(originals)  # every original still exists, once
    for appointment_id, origin, target, moved in zip(originals, origins, targets, moves, strict=True):
        status, starts_at = rows[appointment_id]
        assert status == "booked"
        assert starts_at == (target if moved.outcome == "ok" else origin)
        assert per_slot[origin] == (0 if moved.outcome == "ok" else 1)
    assert double_bookings(engine, provider_id) == 0


def test_two_appointments_swapped_at_the_same_time_never_deadlock(clinic, engine, db_url, provider_id):
    slots = [start for start, _ in grid_slots(40)]
    pairs = list(zip(slots[0::2], slots[1::2], strict=True))
    ada, bob = new_patient(clinic, "Ada"), new_patient(clinic, "Bob")
    firsts = [booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=ada, start=s)) for s, _ in pairs]
    seconds = [booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=bob, start=t)) for _, t in pairs]

    forward, backward = race(
        db_url,
        [Step("reschedule", {"appointment_id": a, "start": t}) for a, (_, t) in zip(firsts, pairs, strict=True)],
        [Step("reschedule", {"appointment_id": b, "start": s}) for b, (s, _) in zip(seconds, pairs, strict=True)],
    )

    assert_no_errors(forward, backward)
    for one, other in zip(forward, backward, strict=True):
        assert {one.outcome, other.outcome} <= {"ok", "taken"}
        assert (one.outcome, other.outcome) != ("ok", "ok")
        # lock order by slot id: no deadlock (nor any other fault) even needed a retry
        assert one.retried_faults == other.retried_faults == []
    rows = appointments(engine, firsts + seconds)
    assert all(status == "booked" for status, _ in rows.values())
    for a, b, (s, t) in zip(firsts, seconds, pairs, strict=True):
        assert {rows[a][1], rows[b][1]} == {s, t}  # each pair still fills its own two slots
    assert set(live_per_slot(engine, provider_id).values()) == {1}
    assert double_bookings(engine, provider_id) == 0


def test_bookers_racing_a_cancel_never_double_book_and_one_wins_once_the_cancel_is_in(
    clinic, engine, db_url, provider_id
):
    rounds, bookers = 16, 4
    slots = [start for start, _ in grid_slots(rounds)]
    holder = new_patient(clinic, "Holder")
    cancelled = [
        booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=holder, start=s)) for s in slots
    ]
    patients = [new_patient(clinic, f"Booker{k}") for k in range(bookers)]
    jitter = random.Random(11)
    # Even rounds: the bookers come a little later, so the cancel is usually in first; odd rounds: a close race.
    late = [0.02 if i % 2 == 0 else 0.0 for i in range(rounds)]

    results = race(
        db_url,
        [Step("cancel", {"appointment_id": a}, jitter.uniform(0, 0.002)) for a in cancelled],
        *[
            [book_step(provider_id, p, s, late[i] + jitter.uniform(0, 0.003)) for i, s in enumerate(slots)]
            for p in patients
        ],
    )
    cancels, booked = results[0], results[1:]

    assert_no_errors(*results)
    assert all(c.outcome == "ok" for c in cancels)
    assert {status for status, _ in appointments(engine, cancelled).values()} == {"cancelled"}
    per_slot = live_per_slot(engine, provider_id)
    cancel_first_rounds = 0
    for i, (start, cancel) in enumerate(zip(slots, cancels, strict=True)):
        assert per_slot[start] <= 1
        # A booker that started after the cancel had committed sees the slot free: someone must win it.
        if any(b[i].started > cancel.finished for b in booked):
            cancel_first_rounds += 1
            assert per_slot[start] == 1, f"round {i}: the cancel was in, yet nobody booked the freed slot"
    assert cancel_first_rounds > 0
    assert double_bookings(engine, provider_id) == 0
