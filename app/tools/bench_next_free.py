"""Next available benchmark: how long the search for the first ten free times takes over the demo data, and again
once the appointments table holds a million rows.

Everything happens in a throwaway database that is dropped afterwards. The million are the demo providers' past
years, every grid position of their hours booked (as a busy clinic's history would be), loaded in bulk with the
tables' triggers off (the throwaway database's owner may); the searches themselves run as the desk runs them.
"""

import json
import sys
from datetime import UTC, datetime

from sqlalchemy import text

from app.services import finding
from app.services.demo import load_demo_data
from app.tools.stress import open_clinic, throwaway_on_configured_server
from app.tools.timing import median_ms

# A day's grid of every demo provider, as far back as it takes: time slots first, then an appointment in each.
_FILL_SLOTS = text(
    "INSERT INTO time_slots (provider_id, start_time, end_time)"
    " SELECT w.provider_id, s, s + make_interval(mins => w.slot_minutes)"
    " FROM working_hours w"
    " CROSS JOIN generate_series(1, :days) AS back(n)"
    " CROSS JOIN LATERAL (SELECT CAST(now() AS date) - back.n - 60 AS day) AS d"
    " CROSS JOIN LATERAL generate_series("
    "   (d.day + w.start_time) AT TIME ZONE :zone,"
    "   (d.day + w.end_time) AT TIME ZONE :zone - make_interval(mins => w.slot_minutes),"
    "   make_interval(mins => w.slot_minutes)) AS s"
    " WHERE extract(isodow FROM d.day) = w.weekday"
    " ON CONFLICT DO NOTHING"
)
_FILL_APPOINTMENTS = text(
    "INSERT INTO appointments (slot_id, provider_id, starts_at, ends_at, busy_until, patient_id, type_id, status,"
    " request_id)"
    " SELECT s.id, s.provider_id, s.start_time, s.end_time, s.end_time,"
    " (SELECT min(id) FROM patients) + (s.id * 7 + s.provider_id) % (SELECT count(*) FROM patients),"
    " (SELECT id FROM appointment_types WHERE is_default), 'completed', gen_random_uuid()"
    " FROM time_slots s WHERE s.start_time < now() - interval '59 days'"
    " AND NOT EXISTS (SELECT 1 FROM appointments a WHERE a.slot_id = s.id)"
    " ON CONFLICT DO NOTHING"
)
_TABLES = ("appointments", "time_slots")
SEARCHES = {
    "any provider": {},
    "a procedure, any provider": {"type_code": "procedure"},
    "one provider, afternoons": {"provider": True, "part_of_day": "afternoon"},
}


def _searches(clinic, repeat: int) -> dict[str, float]:
    types = dict(clinic.uow.read(lambda conn: conn.execute(text("SELECT code, id FROM appointment_types")).all()))
    provider = clinic.uow.read(lambda conn: conn.execute(text("SELECT min(id) FROM providers")).scalar_one())
    timings = {}
    for name, search in SEARCHES.items():
        values = {"type_id": types.get(search.get("type_code", "")), "part_of_day": search.get("part_of_day")}
        values["provider_id"] = provider if search.get("provider") else None
        timings[name] = round(median_ms(lambda v=values: finding.next_free(clinic, count=10, **v), repeat), 1)
    return timings


def _fill_to(engine, zone: str, target: int) -> int:
    """Add past appointments until about `target` are in the table; the count reached."""
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))  # a bulk load, not a desk's statement
        for table in _TABLES:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        have = conn.execute(text("SELECT count(*) FROM appointments")).scalar_one()
        per_day = conn.execute(
            text("SELECT sum(extract(epoch FROM end_time - start_time) / 60 / slot_minutes) / 7 FROM working_hours")
        ).scalar_one()
        conn.execute(_FILL_SLOTS, {"days": int((target - have) / float(per_day)) + 1, "zone": zone})
        conn.execute(_FILL_APPOINTMENTS)
        for table in _TABLES:
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    with engine.begin() as conn:
        conn.execute(text("ANALYZE appointments; ANALYZE time_slots"))
        return conn.execute(text("SELECT count(*) FROM appointments")).scalar_one()


def main(repeat: int, target: int, as_json: bool) -> int:
    if repeat < 1 or target < 1:
        print("error: --repeat and --appointments must be at least 1", file=sys.stderr)
        return 2
    with throwaway_on_configured_server("clinic_bench_next_free") as url:
        engine, clinic = open_clinic(url, zone="Europe/Berlin", now=datetime.now(UTC))
        try:
            demo = load_demo_data(clinic)
            report = {"demo": {"appointments": demo.appointments, "ms": _searches(clinic, repeat)}}
            reached = _fill_to(engine, clinic.zone.key, target)
            report["filled"] = {"appointments": reached, "ms": _searches(clinic, repeat)}
        finally:
            engine.dispose()
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        print(f"next-free, the first 10 free times (median of {repeat}, ms)")
        print(f"{'':28}{'demo':>12}{'filled':>12}")
        print(f"{'appointments':28}{report['demo']['appointments']:>12}{report['filled']['appointments']:>12}")
        for name in SEARCHES:
            print(f"{name:28}{report['demo']['ms'][name]:>12}{report['filled']['ms'][name]:>12}")
    return 0
