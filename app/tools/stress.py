"""Stress benchmark: separate processes race to book the same slots, through the service and through raw SQL.

Everything happens in a throwaway database that is dropped afterwards: real data is never touched.
Successes and double bookings are counted from the database, not from what the workers report.
"""

import json
import random
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from zoneinfo import ZoneInfo

import psycopg
from sqlalchemy import Engine, text

from app.config import load_settings
from app.db.connect import resolve_database
from app.db.engine import conninfo, make_engine, session_settings, set_session, workstation_name
from app.db.throwaway import throwaway_database
from app.domain.errors import SlotTaken
from app.domain.models import BookingRequest, PatientIn
from app.domain.slots import WorkingBlock, slot_grid
from app.services import booking, schedule
from app.services.appointment_types import list_types, set_provider_length
from app.services.context import Clinic, utc_now
from app.services.patients import create_patient
from app.services.providers import add_provider
from app.services.uow import UnitOfWork
from app.tools.pgbench_floor import SEQUENCE, pgbench_binary, run_pgbench
from app.tools.racing import run_together

# A clinic-like day (40 slots), every day of the week so that any --slots fits. A 5-minute grid around the
# clock works too, but then every booking builds a 287-slot grid, which no desk ever does.
SLOT_MINUTES = 15
DAY_BLOCK = (clock_time(8, 0), clock_time(18, 0))


@dataclass(frozen=True)
class Job:
    """What one racing process needs; plain values only, so it can be sent to a spawned process."""

    url: str
    provider_id: int
    patient_id: int
    slots: list[tuple[datetime, datetime]]  # (start, end) of every slot to try
    seed: int
    zone: str = "UTC"
    now: datetime | None = None  # a fixed clock (tests); None: the real clock
    horizon_days: int = 365


@dataclass
class Outcome:
    """What one racing process reports back: its own view, used for latency and timing only."""

    latencies: list[float] = field(default_factory=list)
    successes: int = 0
    taken: int = 0
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    cpu_s: float = 0.0  # this process's CPU time during the race: Python overhead shows here


# --- the two ways of booking ----------------------------------------------------------------------------------


def _attempt_all(book_one: Callable[[datetime, datetime], object], job: Job, ready: Callable) -> Outcome:
    """Try every slot once in this process's own order; SlotTaken is an expected outcome, not an error."""
    order = list(job.slots)
    random.Random(job.seed).shuffle(order)
    outcome = Outcome()
    ready()
    outcome.started, cpu_started = time.perf_counter(), time.process_time()
    for start, end in order:
        began = time.perf_counter()
        try:
            book_one(start, end)
            outcome.successes += 1
        except SlotTaken:
            outcome.taken += 1
        except Exception as exc:
            outcome.errors.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
        outcome.latencies.append(time.perf_counter() - began)
    outcome.finished, outcome.cpu_s = time.perf_counter(), time.process_time() - cpu_started
    return outcome


def open_clinic(url: str, zone: str = "UTC", now: datetime | None = None, horizon_days: int = 365, pool_size: int = 1):
    """An engine (one connection, unless told) and a Clinic on it, as a desk would have; returns (engine, clinic)."""
    engine = make_engine(url, pool_size=pool_size)
    clock = utc_now if now is None else (lambda: now)
    return engine, Clinic(uow=UnitOfWork(engine), zone=ZoneInfo(zone), horizon_days=horizon_days, clock=clock)


def service_worker(job: Job, ready: Callable) -> Outcome:
    """Book through `booking.book`, exactly as the desktop does."""
    engine, clinic = open_clinic(job.url, job.zone, job.now, job.horizon_days)
    try:
        # Before the start, connect and look at the day, as a desk does before it books: the race times
        # bookings, not logins or a new server process filling its catalog caches.
        schedule.free_slots(clinic, job.provider_id, clinic.local(job.slots[0][0]).date())

        def book_one(start: datetime, _end: datetime) -> int:
            return booking.book(
                clinic, BookingRequest(provider_id=job.provider_id, patient_id=job.patient_id, start=start)
            )

        return _attempt_all(book_one, job, ready)
    finally:
        engine.dispose()


RAW_INSERT_SLOT = (
    "INSERT INTO time_slots (provider_id, start_time, end_time) VALUES (%(p)s, %(s)s, %(e)s)"
    " ON CONFLICT (provider_id, start_time) DO NOTHING"
)
RAW_LOCK_SLOT = (
    "SELECT s.id, a.id FROM time_slots s LEFT JOIN appointments a ON a.slot_id = s.id AND a.status <> 'cancelled'"
    " WHERE s.provider_id = %(p)s AND s.start_time = %(s)s FOR UPDATE OF s"
)
RAW_INSERT_APPOINTMENT = (
    "INSERT INTO appointments (slot_id, provider_id, starts_at, ends_at, patient_id, type_id, request_id)"
    " VALUES (%(slot)s, %(p)s, %(s)s, %(e)s, %(patient)s, (SELECT id FROM appointment_types WHERE is_default), %(r)s)"
)


def raw_sql_worker(job: Job, ready: Callable) -> Outcome:
    """The baseline: the same booking transaction in plain psycopg, with the desk's session settings."""
    conn = psycopg.connect(conninfo(job.url), application_name=workstation_name(), connect_timeout=5)
    set_session(conn, session_settings())
    conn.execute(RAW_LOCK_SLOT, {"p": job.provider_id, "s": job.slots[0][0]})  # warm up like the service worker
    conn.rollback()

    def book_one(start: datetime, end: datetime) -> None:
        params = {"p": job.provider_id, "s": start, "e": end, "patient": job.patient_id, "r": uuid.uuid4()}
        try:  # psycopg sends BEGIN before the first statement
            conn.execute(RAW_INSERT_SLOT, params)
            slot_id, holder = conn.execute(RAW_LOCK_SLOT, params).fetchone()
            if holder is not None:
                raise SlotTaken()
            conn.execute(RAW_INSERT_APPOINTMENT, {**params, "slot": slot_id})
        except psycopg.errors.IntegrityError as exc:  # the unique index caught a booking the lock did not
            conn.rollback()
            raise SlotTaken() from exc
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    try:
        return _attempt_all(book_one, job, ready)
    finally:
        conn.close()


# --- checking the result in the database ------------------------------------------------------------------------

LIVE_APPOINTMENTS = "SELECT count(*) FROM appointments WHERE provider_id = :p AND status <> 'cancelled'"
SLOTS_HELD_TWICE = (
    "SELECT count(*) FROM (SELECT slot_id FROM appointments WHERE provider_id = :p AND status <> 'cancelled'"
    " GROUP BY slot_id HAVING count(*) > 1) AS twice"
)
OVERLAPPING_PAIRS = (
    "SELECT count(*) FROM appointments a JOIN appointments b ON b.provider_id = a.provider_id AND b.id > a.id"
    " AND tstzrange(a.starts_at, a.busy_until) && tstzrange(b.starts_at, b.busy_until)"
    " WHERE a.provider_id = :p AND a.status <> 'cancelled' AND b.status <> 'cancelled'"
)


def live_appointments(engine: Engine, provider_id: int) -> int:
    with engine.connect() as conn:
        return conn.execute(text(LIVE_APPOINTMENTS), {"p": provider_id}).scalar_one()


def double_bookings(engine: Engine, provider_id: int) -> int:
    """Slots holding more than one live appointment, plus pairs of the provider's live appointments that overlap."""
    with engine.connect() as conn:
        twice = conn.execute(text(SLOTS_HELD_TWICE), {"p": provider_id}).scalar_one()
        return twice + conn.execute(text(OVERLAPPING_PAIRS), {"p": provider_id}).scalar_one()


# --- the benchmark --------------------------------------------------------------------------------------------------


def future_slots(count: int, first_day: date) -> list[tuple[datetime, datetime]]:
    """The first `count` slots of a provider working every day (UTC) from `first_day` on."""
    block = WorkingBlock(*DAY_BLOCK, SLOT_MINUTES)
    slots, day = [], first_day
    while len(slots) < count:
        slots += [(s.start, s.end) for s in slot_grid(day, [block], UTC)]
        day += timedelta(days=1)
    return slots[:count]


def set_up_provider(clinic, name: str, workers: int) -> tuple[int, list[int]]:
    """A provider working every day (the grid of `future_slots`), and one patient per worker (a patient
    cannot be in two places at once: the exclusion constraint would refuse one worker's second win at the
    same time)."""
    hours = {weekday: [WorkingBlock(*DAY_BLOCK, SLOT_MINUTES)] for weekday in range(1, 8)}
    provider_id = add_provider(clinic, f"Stress {name} {uuid.uuid4().hex[:6]}", hours)
    default_type = next(kind.id for kind in list_types(clinic) if kind.is_default)
    set_provider_length(clinic, provider_id, default_type, SLOT_MINUTES)  # one booking per grid position
    patients = [
        create_patient(
            clinic,
            PatientIn(
                first_name="Stress", last_name=f"{name} worker {i}", date_of_birth="1980-01-01", phone="+49 30 1234567"
            ),
            allow_duplicate=True,
        )
        for i in range(workers)
    ]
    return provider_id, patients


def percentile_ms(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000, 2)


def _summary(latencies: list[float], elapsed: float, successes: int, doubles: int, errors: list[str]) -> dict:
    return {
        "attempts": len(latencies),
        "successes": successes,
        "double_bookings": doubles,
        "p50_ms": percentile_ms(latencies, 0.50),
        "p99_ms": percentile_ms(latencies, 0.99),
        "bookings_per_s": round(len(latencies) / elapsed, 1) if elapsed > 0 else 0.0,
        "errors": len(errors),
        "first_errors": sorted(set(errors))[:5],
        "elapsed_s": round(elapsed, 3),
    }


@dataclass(frozen=True)
class Workload:
    """Who tries which slots: `contended`, every worker every one of `slots` shared slots (in its own order);
    uncontended, every worker `slots` slots of its own."""

    contended: bool
    workers: int
    slots: int

    @property
    def name(self) -> str:
        return "contended" if self.contended else "uncontended"

    @property
    def expected_successes(self) -> int:
        return self.slots if self.contended else self.slots * self.workers

    def slots_of_workers(self, first_day: date) -> list[list[tuple[datetime, datetime]]]:
        chosen = future_slots(self.expected_successes, first_day)
        return [chosen if self.contended else chosen[i :: self.workers] for i in range(self.workers)]


def _first_day() -> date:
    return datetime.now(UTC).date() + timedelta(days=1)


def run_phase(clinic, engine: Engine, url: str, worker, name: str, workload: Workload) -> dict:
    """Race `workload.workers` processes of `worker` on a provider of their own; count the result in the database."""
    provider_id, patients = set_up_provider(clinic, name, workload.workers)
    today, slots_of = datetime.now(UTC).date(), workload.slots_of_workers(_first_day())
    horizon = (max(slots[-1][0] for slots in slots_of).date() - today).days + 2
    jobs = [
        Job(url, provider_id, patient, slots, seed=i, horizon_days=horizon)
        for i, (patient, slots) in enumerate(zip(patients, slots_of, strict=True))
    ]
    outcomes: list[Outcome] = run_together([(worker, job) for job in jobs])
    latencies = [latency for o in outcomes for latency in o.latencies]
    elapsed = max(o.finished for o in outcomes) - min(o.started for o in outcomes)
    errors = [error for o in outcomes for error in o.errors]
    summary = _summary(
        latencies, elapsed, live_appointments(engine, provider_id), double_bookings(engine, provider_id), errors
    )
    cpu_ms = sum(o.cpu_s for o in outcomes) * 1000 / max(1, len(latencies))
    return {
        **summary,
        "reported_wins": sum(o.successes for o in outcomes),
        "client_cpu_ms_per_attempt": round(cpu_ms, 3),
    }


def pgbench_phase(clinic, engine: Engine, url: str, workload: Workload) -> dict | None:
    """pgbench running the raw-SQL transaction with `workload`'s shape on a provider of its own; None if there is
    no pgbench on this machine."""
    if pgbench_binary() is None:
        return None
    provider_id, patients = set_up_provider(clinic, "pgbench", workload.workers)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SEQUENCE IF EXISTS {SEQUENCE}; CREATE SEQUENCE {SEQUENCE} MINVALUE 0 START 0"))
    first_slot = datetime.combine(_first_day(), DAY_BLOCK[0], tzinfo=UTC)
    run = run_pgbench(
        url, clients=workload.workers, per_client=workload.slots, provider_id=provider_id, first_patient=patients[0],
        first_slot=first_slot, slots=workload.slots, contended=workload.contended,
    )  # fmt: skip
    successes, doubles = live_appointments(engine, provider_id), double_bookings(engine, provider_id)
    summary = _summary(run.latencies_s, 0.0, successes, doubles, [f"failed transaction ({run.failed})"] * run.failed)
    return {**summary, "bookings_per_s": round(run.per_s, 1)}


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 3) if denominator else None


def run_workload(url: str, workload: Workload) -> dict:
    """The service, the raw-SQL path and pgbench, one after another in the same database, each on a provider of
    its own; the ratios compare them in this run."""
    engine, clinic = open_clinic(url)
    try:
        service = run_phase(clinic, engine, url, service_worker, "service", workload)
        raw = run_phase(clinic, engine, url, raw_sql_worker, "raw", workload)
        pgbench = pgbench_phase(clinic, engine, url, workload)
    finally:
        engine.dispose()
    paths = {"service": service, "raw_sql": raw, **({"pgbench": pgbench} if pgbench else {})}
    return {
        "workload": workload.name,
        "workers": workload.workers,
        "slots": workload.slots,
        "service_per_s": service["bookings_per_s"],
        "service_p50_ms": service["p50_ms"],
        "service_p99_ms": service["p99_ms"],
        "double_bookings": sum(path["double_bookings"] for path in paths.values()),
        "service_vs_raw_sql": _ratio(service["bookings_per_s"], raw["bookings_per_s"]),
        "service_vs_pgbench": _ratio(service["bookings_per_s"], pgbench["bookings_per_s"]) if pgbench else None,
        "p99_vs_pgbench": _ratio(service["p99_ms"], pgbench["p99_ms"]) if pgbench else None,
        **paths,
    }


@contextmanager
def throwaway_on_configured_server(prefix: str) -> Iterator[str]:
    """A migrated throwaway database for the `with` block, dropped afterwards: real data is never touched.

    The configured server (or the embedded one, kept up by the target until we are done) hosts it.
    """
    target = resolve_database(load_settings())
    with throwaway_database(target.url, prefix=prefix) as url:
        yield url


COLUMNS = ["attempts", "successes", "double_bookings", "errors", "p50_ms", "p99_ms", "bookings_per_s"]
PATHS = ("service", "raw_sql", "pgbench")


def _print_table(report: dict) -> None:
    print(f"{report['workload']}: {report['workers']} workers, {report['slots']} slots")
    print(f"{'':10}" + "".join(f"{c:>17}" for c in COLUMNS))
    for name in (name for name in PATHS if name in report):
        print(f"{name:10}" + "".join(f"{report[name][c]:>17}" for c in COLUMNS))
    print(f"service / raw SQL throughput: {report['service_vs_raw_sql']}")
    if "pgbench" in report:
        print(
            f"service / pgbench throughput: {report['service_vs_pgbench']}; p99: {report['p99_vs_pgbench']}x pgbench's"
        )
    else:
        print("pgbench: not on this machine")
    for name in (name for name in PATHS if name in report):
        for error in report[name]["first_errors"]:
            print(f"{name} error: {error}", file=sys.stderr)


def _sound(report: dict, expected_successes: int) -> bool:
    """Nothing booked twice, no errors, and every path booked every slot there was to book (pgbench tries random
    slots when contended, so it may miss some)."""
    paths = [report[name] for name in PATHS if name in report]
    everything = all(report[name]["successes"] == expected_successes for name in ("service", "raw_sql"))
    return everything and report["double_bookings"] == 0 and not any(path["errors"] for path in paths)


def main(workers: int, slots: int, as_json: bool, only: str | None = None) -> int:
    """Run the uncontended and the contended workload (or `only` one of them) and report them."""
    if workers < 1 or slots < 1:
        print("error: --workers and --slots must be at least 1", file=sys.stderr)
        return 2
    workloads = [Workload(name == "contended", workers, slots) for name in ("uncontended", "contended")]
    chosen = [workload for workload in workloads if only in (None, workload.name)]
    with throwaway_on_configured_server("clinic_stress") as url:
        reports = {workload.name: run_workload(url, workload) for workload in chosen}
    if as_json:
        print(json.dumps(reports[only] if only else reports, indent=2))
    else:
        for report in reports.values():
            _print_table(report)
    sound = all(_sound(reports[w.name], w.expected_successes) for w in chosen)
    return 0 if sound else 1
