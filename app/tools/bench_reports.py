"""Reports benchmark: each managers' report over one quarter, with about a million appointments in the table, against
the floor of the same SQL: run bare through psycopg, and by pgbench (PostgreSQL's own C client) where it is found.

In a throwaway database, dropped afterwards: real data is never touched. Twenty providers work Monday to Saturday,
08:00 to 18:00 in 20-minute slots; every slot of theirs over the years before today holds an appointment (completed,
a no-show or cancelled, booked up to two months ahead), loaded in bulk with the tables' triggers off (the throwaway
database's owner may) and within their constraints (no two live appointments of a provider or a patient overlap).
Each provider has a week off a year and the clinic closes over Christmas; a few hundred patients wait on the list.
"""

import json
import re
import subprocess
import sys
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import psycopg
from sqlalchemy import text

from app.db.engine import conninfo
from app.domain.slots import WorkingBlock
from app.services import reports
from app.services.providers import add_provider
from app.tools.pgbench_floor import pgbench_binary, pgbench_connection
from app.tools.stress import open_clinic, throwaway_on_configured_server
from app.tools.timing import median_ms

PROVIDERS = 20
SLOT_MINUTES = 20
HOURS = {weekday: [WorkingBlock(time(8), time(18), SLOT_MINUTES)] for weekday in range(1, 7)}
PER_WORKING_DAY = PROVIDERS * 10 * 60 // SLOT_MINUTES
PATIENTS = 5000
QUARTER_DAYS = 91
_TABLES = ("patients", "time_slots", "appointments", "time_off", "closures", "waitlist")

_FILL_PATIENTS = text(
    "INSERT INTO patients (first_name, last_name, date_of_birth, phone)"
    " SELECT 'Bench', 'Patient ' || n, DATE '1950-01-01' + n % 20000, '+49 30 ' || (1000000 + n)"
    " FROM generate_series(1, :count) AS n"
)
_FILL_SLOTS = text(
    "INSERT INTO time_slots (provider_id, start_time, end_time)"
    " SELECT w.provider_id, s, s + make_interval(mins => w.slot_minutes)"
    " FROM working_hours w"
    " CROSS JOIN generate_series(CAST(:first AS date), CAST(:last AS date), interval '1 day') AS d(day)"
    " CROSS JOIN LATERAL generate_series("
    "   (CAST(d.day AS date) + w.start_time) AT TIME ZONE :zone,"
    "   (CAST(d.day AS date) + w.end_time) AT TIME ZONE :zone - make_interval(mins => w.slot_minutes),"
    "   make_interval(mins => w.slot_minutes)) AS s"
    " WHERE extract(isodow FROM d.day) = w.weekday"
)
# One appointment per slot. At one time the providers' patients differ (the patient follows the time and the
# provider); a tenth are cancelled (a third of those within a day of the start), a twentieth are no-shows.
_FILL_APPOINTMENTS = text(
    "INSERT INTO appointments (slot_id, provider_id, starts_at, ends_at, busy_until, patient_id, type_id, status,"
    " request_id, created_at, updated_at, cancelled_at)"
    " SELECT s.id, s.provider_id, s.start_time, s.end_time, s.end_time,"
    " :first_patient + (CAST(extract(epoch FROM s.start_time) AS bigint) / 1200 * :providers"
    "   + s.provider_id - :first_provider) % :patients,"
    " (CAST(:type_ids AS integer[]))[1 + s.id % cardinality(CAST(:type_ids AS integer[]))],"
    " x.status, gen_random_uuid(), x.booked, COALESCE(x.cancelled, x.booked), x.cancelled"
    " FROM time_slots s CROSS JOIN LATERAL (SELECT"
    "   CASE WHEN s.id * 7919 % 100 < 10 THEN 'cancelled' WHEN s.id * 7919 % 100 < 15 THEN 'no_show'"
    "   ELSE 'completed' END AS status,"
    "   s.start_time - make_interval(hours => CAST(s.id * 31 % 1440 AS integer) + 1) AS booked,"
    "   CASE WHEN s.id * 7919 % 100 < 10 THEN s.start_time - make_interval(hours => CAST(s.id * 13 % 72 AS integer))"
    "   END AS cancelled) AS x"
)
_FILL_ABSENCES = [
    "INSERT INTO time_off (provider_id, starts_at, ends_at, reason)"
    " SELECT p.id, CAST(:first AS timestamptz) + make_interval(days => y * 365 + (p.id * 11) % 300),"
    " CAST(:first AS timestamptz) + make_interval(days => y * 365 + (p.id * 11) % 300 + 7), 'holiday'"
    " FROM providers p CROSS JOIN generate_series(0, :years) AS y",
    "INSERT INTO closures (starts_at, ends_at, reason)"
    " SELECT make_timestamptz(y, 12, 24, 0, 0, 0, :zone), make_timestamptz(y, 12, 27, 0, 0, 0, :zone), 'Christmas'"
    " FROM generate_series(CAST(extract(year FROM CAST(:first AS date)) AS integer),"
    "   CAST(extract(year FROM CAST(:last AS date)) AS integer)) AS y",
    "INSERT INTO waitlist (patient_id, type_id, earliest, latest, priority, added_at)"
    " SELECT :first_patient + n, (CAST(:type_ids AS integer[]))[1], CAST(:last AS date), CAST(:last AS date) + 30,"
    " 1 + n % 3, now() - make_interval(hours => n * 7) FROM generate_series(0, 299) AS n",
]


def _fill(engine, clinic, target: int) -> int:
    """Providers, patients, and the working days before today until about `target` appointments; the count."""
    provider_ids = [add_provider(clinic, f"Bench provider {n:02}", HOURS) for n in range(PROVIDERS)]
    last = clinic.local(clinic.now()).date() - timedelta(days=1)
    first = last - timedelta(days=int(target / (PER_WORKING_DAY * 6 / 7)))
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL statement_timeout = 0"))  # a bulk load, not a desk's statement
        for table in _TABLES:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        conn.execute(_FILL_PATIENTS, {"count": PATIENTS})
        values = {
            "first": first, "last": last, "zone": clinic.zone.key, "providers": PROVIDERS,
            "first_provider": min(provider_ids), "patients": PATIENTS, "years": (last - first).days // 365,
            "first_patient": conn.execute(text("SELECT min(id) FROM patients")).scalar_one(),
            "type_ids": conn.execute(text("SELECT id FROM appointment_types WHERE room_kind IS NULL")).scalars().all(),
        }  # fmt: skip
        conn.execute(_FILL_SLOTS, values)
        conn.execute(_FILL_APPOINTMENTS, values)
        for statement in _FILL_ABSENCES:
            conn.execute(text(statement), values)
        for table in _TABLES:
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
        return conn.execute(text("SELECT count(*) FROM appointments")).scalar_one()


def last_quarter(today: date) -> reports.ReportFilter:
    """The quarter before `today`: its 13 weeks (91 days) up to yesterday."""
    return reports.ReportFilter(today - timedelta(days=QUARTER_DAYS), today - timedelta(days=1))


def _reports(clinic, quarter: reports.ReportFilter) -> dict:
    """Each report: how to run it through the service, and its SQL and parameters for the floor."""
    params = reports.query_params(clinic, quarter)
    return {
        "utilisation by day": (lambda: reports.utilisation(clinic, quarter), reports.STATEMENTS["utilisation_day"]),
        "utilisation by week": (
            lambda: reports.utilisation(clinic, quarter, by="week"),
            reports.STATEMENTS["utilisation_week"],
        ),
        "no-shows": (lambda: reports.attendance(clinic, quarter), reports.STATEMENTS["attendance"]),
        "lead time": (lambda: reports.lead_times(clinic, quarter), reports.STATEMENTS["lead_times"]),
        "types": (lambda: reports.by_type(clinic, quarter), reports.STATEMENTS["by_type"]),
        "waitlist": (lambda: reports.waitlist_report(clinic), reports.STATEMENTS["waitlist"]),
    }, params


def _measure(url: str, engine, clinic, quarter, repeat: int) -> list[dict]:
    runs, params = _reports(clinic, quarter)
    rows = []
    with psycopg.connect(conninfo(url), autocommit=True) as raw:
        for name, (run, statement) in runs.items():
            sql = str(statement.compile(dialect=engine.dialect))
            values = {**params, "now": clinic.now()}
            literal = psycopg.ClientCursor(raw).mogrify(sql, values)
            run()  # once before timing: plans and caches warm, as on a desk that has opened the window
            found = len(run())
            service = median_ms(run, repeat)
            bare = median_ms(lambda s=sql, v=values: raw.execute(s, v).fetchall(), repeat)
            row = {"report": name, "rows": found, "service_ms": service, "psycopg_ms": bare}
            row["pgbench_ms"] = _pgbench_ms(url, literal, repeat)
            floor = min(ms for ms in (row["pgbench_ms"], bare) if ms is not None)  # the faster of the two
            row["ratio"] = service / floor if floor else None
            rows.append(row)
    return rows


def _pgbench_ms(url: str, sql: str, repeat: int) -> float | None:
    """pgbench's average latency of the statement (None when pgbench is not on this machine)."""
    binary = pgbench_binary()
    if binary is None:
        return None
    connection, env = pgbench_connection(url)
    with tempfile.TemporaryDirectory(prefix="clinic-pgbench-") as folder:
        script = Path(folder) / "report.sql"
        script.write_text(sql + ";\n", encoding="utf-8")
        command = [binary, "--no-vacuum", "--client=1", f"--transactions={repeat}", f"--file={script}", connection]
        done = subprocess.run(command, check=False, capture_output=True, text=True, cwd=folder, env=env)
    found = re.search(r"latency average = ([0-9.]+) ms", done.stdout)
    return float(found.group(1)) if done.returncode == 0 and found else None


def main(repeat: int, target: int, as_json: bool = False) -> int:
    if repeat < 1 or target < 1:
        print("error: --repeat and --appointments must be at least 1", file=sys.stderr)
        return 2
    with throwaway_on_configured_server("clinic_bench_reports") as url:
        engine, clinic = open_clinic(url, zone="Europe/Berlin", now=datetime.now(UTC))
        try:
            appointments = _fill(engine, clinic, target)
            quarter = last_quarter(clinic.local(clinic.now()).date())
            rows = _measure(url, engine, clinic, quarter, repeat)
        finally:
            engine.dispose()
    report = {"appointments": appointments, "from": quarter.first_day.isoformat(), "to": quarter.last_day.isoformat()}
    if as_json:
        print(json.dumps({**report, "reports": rows}, indent=2))
        return 0
    print(
        f"reports over {report['from']} to {report['to']}, {appointments} appointments in the table"
        f" (median of {repeat}, ms)"
    )
    print(f"{'report':22}{'rows':>7}{'service':>10}{'psycopg':>10}{'pgbench':>10}{'ratio':>7}")
    for row in rows:
        pgbench = f"{row['pgbench_ms']:>10.1f}" if row["pgbench_ms"] is not None else f"{'-':>10}"
        ratio = f"{row['ratio']:>7.2f}" if row["ratio"] is not None else f"{'-':>7}"
        print(f"{row['report']:22}{row['rows']:>7}{row['service_ms']:>10.1f}{row['psycopg_ms']:>10.1f}{pgbench}{ratio}")
    return 0
