from datetime import timedelta

from sqlalchemy import text

from app.domain.slots import local_day_bounds
from app.services.demo import load_demo_data
from tests.conftest import make_clinic


def _counts(engine):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT (SELECT count(*) FROM providers), (SELECT count(*) FROM working_hours),"
                " (SELECT count(*) FROM patients), (SELECT count(*) FROM appointments),"
                " (SELECT count(*) FROM time_slots)"
            )
        ).one()


def test_demo_data_is_realistic_and_idempotent(engine):
    clinic = make_clinic(engine)
    first = load_demo_data(clinic)
    counts = _counts(engine)
    assert load_demo_data(clinic) == first
    assert _counts(engine) == counts

    providers, working_hours, patients, appointments, _slots = counts
    assert providers >= 6 and working_hours >= 6 * 4
    assert patients == 500
    assert appointments > 3000

    today = clinic.local(clinic.now()).date()
    earliest = local_day_bounds(today - timedelta(days=45), clinic.zone).start
    latest = local_day_bounds(today + timedelta(days=45), clinic.zone).end
    with engine.connect() as conn:
        span = conn.execute(text("SELECT min(starts_at), max(starts_at) FROM appointments")).one()
        past_booked = conn.execute(
            text("SELECT count(*) FROM appointments WHERE ends_at <= :now AND status = 'booked'"),
            {"now": clinic.now()},
        ).scalar_one()
        statuses = set(conn.execute(text("SELECT DISTINCT status FROM appointments")).scalars())
    assert earliest <= span[0] < earliest + timedelta(days=7)
    assert latest - timedelta(days=7) < span[1] < latest
    assert past_booked == 0, "appointments in the past are completed, no-shows or cancelled"
    assert {"booked", "completed", "no_show", "cancelled"} <= statuses
