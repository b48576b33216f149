"""Series racing in separate processes: overlapping weekly series, series against single bookings, and cancelling
a series from an occurrence on against bookings into the times it frees. Each series locks its grid positions day
by day in time order, as every booking does, so nobody deadlocks; the constraints keep every overlap out. Counted in
SQL."""

import random
from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import text

from app.services import series
from app.services.providers import add_provider
from tests.concurrency.test_races import race
from tests.concurrency.test_span_race import PATIENT_OVERLAPS, PROVIDER_OVERLAPS
from tests.concurrency.workers import Step
from tests.conftest import WEEKDAY_HOURS, ZONE, new_patient

pytestmark = pytest.mark.slow

FIRST = date(2030, 1, 8)  # the tests' today (a Tuesday), 07:00 now
TIMES = [time(9), time(9, 30), time(10)]


def series_step(whom: int | str, patient_id: int, first_day: date, at: time, policy: str, delay: float) -> Step:
    """A twice-weekly series with a provider (an id) or any provider of a specialty (its name)."""
    rule = {"first_day": first_day, "wall_time": at, "count": 6, "weekdays": [2, 4]}
    values = {"patient_id": patient_id, "rule": rule, "policy": policy}
    values |= {"specialty": whom} if isinstance(whom, str) else {"provider_id": whom}
    return Step("series", values, delay)


def book_step(provider_id: int, patient_id: int, start: datetime, delay: float) -> Step:
    return Step("book", {"provider_id": provider_id, "patient_id": patient_id, "start": start}, delay)


def assert_clean(engine, results) -> list:
    """No error and no retried fault (a deadlock would be one) reached a desk; no two live appointments of a
    provider or of a patient overlap. The outcomes, flat."""
    flat = [result for process in results for result in process]
    assert {r.outcome for r in flat} <= {"ok", "taken"}, sorted({r.outcome for r in flat})
    assert [fault for r in flat for fault in r.retried_faults] == []
    with engine.connect() as conn:
        assert conn.execute(text(PROVIDER_OVERLAPS)).scalar_one() == 0
        assert conn.execute(text(PATIENT_OVERLAPS)).scalar_one() == 0
    return flat


def series_counts(engine) -> tuple[int, int]:
    """Series made, and their live occurrences."""
    with engine.connect() as conn:
        made = conn.execute(text("SELECT count(*) FROM appointment_series")).scalar_one()
        live = conn.execute(
            text("SELECT count(*) FROM appointments WHERE series_id IS NOT NULL AND status = 'booked'")
        ).scalar_one()
    return made, live


@pytest.mark.parametrize("policy", ["all", "free"])
def test_desks_booking_overlapping_weekly_series_never_deadlock_nor_overlap(db_url, engine, clinic, policy):
    # A series with any provider of the specialty locks several providers' times: in the same order as the others.
    providers = [add_provider(clinic, f"Dr. Series {n}", WEEKDAY_HOURS, "Physiotherapy") for n in range(2)]
    patients = [new_patient(clinic, f"Weekly{n}") for n in range(6)]  # shared: a patient's series may collide too
    rng = random.Random(17)
    steps = [
        [
            series_step(
                rng.choice([*providers, "Physiotherapy"]),
                rng.choice(patients),
                FIRST + timedelta(days=rng.choice([0, 2, 7])),
                rng.choice(TIMES),
                policy,
                rng.uniform(0, 0.003),
            )
            for _ in range(3)
        ]
        for _ in range(12)
    ]
    flat = assert_clean(engine, race(db_url, *steps))

    made, live = series_counts(engine)
    wins = sum(r.outcome == "ok" for r in flat)
    assert made == wins and 0 < wins < len(flat)
    with engine.connect() as conn:
        per_series = conn.execute(
            text("SELECT count(*) FROM appointments WHERE series_id IS NOT NULL GROUP BY series_id")
        ).scalars()
        if policy == "all":  # every series that was made has all six, or it was not made at all
            assert set(per_series) == {6}
        else:
            assert all(1 <= count <= 6 for count in per_series)
    assert live >= made


def test_series_and_single_bookings_for_the_same_times_never_deadlock_nor_overlap(db_url, engine, clinic):
    provider = add_provider(clinic, "Dr. Mixed", WEEKDAY_HOURS)
    patients = [new_patient(clinic, f"Mixed{n}") for n in range(8)]
    rng = random.Random(23)
    times = [datetime.combine(FIRST + timedelta(days=d), at, tzinfo=ZONE) for d in (0, 2, 7, 9, 14) for at in TIMES]

    def step() -> Step:
        if rng.random() < 0.4:
            return series_step(provider, rng.choice(patients), FIRST, rng.choice(TIMES), "free", rng.uniform(0, 0.003))
        return book_step(provider, rng.choice(patients), rng.choice(times), rng.uniform(0, 0.003))

    flat = assert_clean(engine, race(db_url, *[[step() for _ in range(4)] for _ in range(12)]))
    assert any(r.outcome == "ok" for r in flat) and any(r.outcome == "taken" for r in flat)


def weekly_at_nine(clinic, name: str):
    """A provider, a weekly 09:00 series of six booked for a patient, and six other patients; (provider, series
    booked, others)."""
    provider = add_provider(clinic, f"Dr. {name}", WEEKDAY_HOURS)
    owner, others = new_patient(clinic, f"{name} owner"), [new_patient(clinic, f"{name}{n}") for n in range(6)]
    request = series.request_series(
        provider_id=provider, patient_id=owner, rule={"first_day": FIRST, "wall_time": time(9), "count": 6}
    )
    return provider, series.book_series(clinic, request), others


def series_column(engine, column: str, series_id: int) -> list:
    """One column of the series' appointments, in their order in it."""
    with engine.connect() as conn:
        statement = text(f"SELECT {column} FROM appointments WHERE series_id = :id ORDER BY series_index")
        return conn.execute(statement, {"id": series_id}).scalars().all()


def test_cancelling_a_series_from_an_occurrence_on_against_bookings_into_the_freed_times(db_url, engine, clinic):
    provider, made, others = weekly_at_nine(clinic, "Cancel")
    freed = [occurrence.start for occurrence in made.booked[2:]]
    cancel_from = Step("cancel_series", {"series_id": made.series_id, "from_start": freed[0]})
    pairs = zip(others, freed * 2, strict=False)  # two desks for some of the freed times
    bookers = [[book_step(provider, patient, start, 0.001 * n)] for n, (patient, start) in enumerate(pairs)]

    flat = assert_clean(engine, race(db_url, [cancel_from], *bookers))
    assert flat[0].outcome == "ok"
    statuses = series_column(engine, "status", made.series_id)
    with engine.connect() as conn:
        taken_after = conn.execute(
            text("SELECT count(*) FROM appointments WHERE series_id IS NULL AND status = 'booked'")
        ).scalar_one()
    assert statuses == ["booked"] * 2 + ["cancelled"] * 4
    booked_by_others = sum(r.outcome == "ok" for r in flat[1:])
    assert taken_after == booked_by_others <= len(freed)


def test_moving_a_series_on_against_bookings_into_its_new_times(db_url, engine, clinic):
    provider, made, others = weekly_at_nine(clinic, "Move")
    new_times = [occurrence.start + timedelta(hours=2) for occurrence in made.booked]  # 11:00, each week
    move = Step("move_following", {"appointment_id": made.booked[0].appointment_id, "start": new_times[0]})
    bookers = [
        [book_step(provider, patient, start, 0.001 * n)]
        for n, (patient, start) in enumerate(zip(others, new_times, strict=True))
    ]

    flat = assert_clean(engine, race(db_url, [move], *bookers))
    with engine.connect() as conn:
        at_eleven = conn.execute(
            text("SELECT count(*) FROM appointments WHERE status = 'booked' AND starts_at = ANY(:times)"),
            {"times": new_times},
        ).scalar_one()
    series_starts = series_column(engine, "starts_at", made.series_id)
    booked_by_others = sum(r.outcome == "ok" for r in flat[1:])
    if flat[0].outcome == "ok":  # the whole series moved first: every booking into its new times was refused
        assert series_starts == new_times and booked_by_others == 0 and at_eleven == 6
    else:  # a booking took one of the new times first: the series stayed where it was, all of it
        assert series_starts == [o.start for o in made.booked] and at_eleven == booked_by_others > 0
