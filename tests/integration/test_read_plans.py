"""The calendar's reads keep their plans as the tables grow: a busy week among 50,000 patients looks its patients up
by key instead of hashing the whole patients table. Checked on the plan the desk's own session gets."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import text

from app.domain.models import BookingRequest
from app.domain.slots import WorkingBlock
from app.services import booking, schedule
from app.services.providers import add_provider
from tests.conftest import ZONE

MONDAY = date(2030, 1, 14)  # the week after the tests' today
PATIENTS = 50_000
HOURS = {weekday: [WorkingBlock(time(8), time(18), 30)] for weekday in range(1, 6)}


def plan(engine, params: dict) -> str:
    with engine.connect() as conn:
        rows = conn.execute(text(f"EXPLAIN {schedule._SCHEDULE.statements[0].text}"), params).all()
    return "\n".join(row[0] for row in rows)


def test_a_busy_week_among_many_patients_looks_them_up_by_key(clinic, engine):
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO patients (first_name, last_name, date_of_birth, phone)"
                " SELECT 'Bulk', 'Patient ' || g, date '1970-01-01' + g % 15000, '+49 30 1234567'"
                " FROM generate_series(1, :n) AS g"
            ),
            {"n": PATIENTS},
        )
        first, last = conn.execute(text("SELECT min(id), max(id) FROM patients")).one()
    providers = [add_provider(clinic, f"Dr. Busy {n}", HOURS) for n in range(4)]
    spread = iter(range(first, last + 1, (last - first) // 400))  # the week's patients from all over the table
    for day in (MONDAY + timedelta(days=n) for n in range(5)):
        for provider_id in providers:
            for half_hour in range(20):
                start = datetime.combine(day, time(8), tzinfo=ZONE) + timedelta(minutes=30 * half_hour)
                request = BookingRequest(provider_id=provider_id, patient_id=next(spread), start=start)
                booking.book(clinic, request)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))  # as autovacuum would have by then

    week = schedule._range_params(clinic, MONDAY, MONDAY + timedelta(days=6), None) | {"include_cancelled": False}
    assert len(schedule.schedule(clinic, MONDAY, MONDAY + timedelta(days=6))) == 400
    shown = plan(engine, week)
    assert "Seq Scan on patients" not in shown, shown
    assert "Index Scan using patients_pkey on patients" in shown, shown
    one_provider = plan(engine, week | {"provider_id": providers[0]})
    assert "appointments_provider_starts_at_idx" in one_provider, one_provider
