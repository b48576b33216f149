"""Stress benchmark: separate processes race to book the same slots, through the service and through raw SQL.

Everything happens in a throwaway database that is dropped afterwards: real data is never touched.
Successes and double bookings are counted from the database, not from what the workers report.
"""

import json
import multiprocessing
import queue
import random
import sys
import time
import traceback
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
from app.db.engine import conninfo, make_engine, session_options, workstation_name
from app.db.throwaway import throwaway_database
from app.domain.errors import SlotTaken
from app.domain.models import BookingRequest, PatientIn
from app.domain.slots import WorkingBlock, slot_grid
from app.services import booking, schedule
from app.services.context import Clinic, utc_now
from app.services.patients import create_patient
from app.services.providers import add_provider
from app.services.uow import UnitOfWork

START_TIMEOUT_S = 120  # spawned processes import the app first; on a slow machine that takes a while
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


# --- running functions in separate processes, started together ----------------------------------------------


class WorkerCrashed(Exception):
    """A racing process failed outside the attempts it counts; the message holds its traceback."""


def _process_main(func, job, barrier, results, index: int) -> None:
    try:
        value = func(job, lambda timeout=START_TIMEOUT_S: barrier.wait(timeout))
        results.put((index, True, value))
    except BaseException:
        barrier.abort()  # the others would wait for this one forever
        results.put((index, False, traceback.format_exc()))


def run_together(tasks: list[tuple[Callable, object]], timeout: float = 600) -> list:
    """Run each `func(job, ready)` in its own spawned process; return their results in order.

    `ready()` waits until every process has called it: call it after connecting, so the race starts
    together. It can be called again for another round (the barrier is cyclic); `ready(timeout)` waits
    longer than START_TIMEOUT_S for a round that follows a long phase.
    """
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(tasks)), ctx.Queue()
    processes = [
        ctx.Process(target=_process_main, args=(func, job, barrier, results, i), daemon=True)
        for i, (func, job) in enumerate(tasks)
    ]
    for process in processes:
        process.start()
    try:
        collected = dict(_collect(results, processes, timeout))
    finally:
        for process in processes:
            process.join(5)
            if process.is_alive():
                process.kill()
    failures = [value for ok, value in collected.values() if not ok]
    if failures:  # the cause, rather than the others' broken barrier
        raise WorkerCrashed(min(failures, key=lambda tb: "BrokenBarrierError" in tb))
    return [collected[i][1] for i in range(len(tasks))]


def _collect(results, processes, timeout: float):
    deadline = time.monotonic() + timeout
    for _ in processes:
        while True:
            try:
                index, ok, value = results.get(timeout=1)
                yield index, (ok, value)
                break
            except queue.Empty as exc:  # check that nobody died without a word
                if time.monotonic() > deadline or not any(p.is_alive() for p in processes):
                    raise WorkerCrashed("racing processes stopped without reporting") from exc


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


def open_clinic(url: str, zone: str = "UTC", now: datetime | None = None, horizon_days: int = 365):
    """An engine with one connection and a Clinic on it, as a desk would have; returns (engine, clinic)."""
    engine = make_engine(url, pool_size=1)
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
    """The baseline: the same booking transaction in plain psycopg, with the desk's connect options."""
    conn = psycopg.connect(
        conninfo(job.url), options=session_options(), application_name=workstation_name(), connect_timeout=5
    )
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
    " AND tstzrange(a.starts_at, a.ends_at) && tstzrange(b.starts_at, b.ends_at)"
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


def run_phase(clinic, engine: Engine, url: str, worker, name: str, workers: int, slots: int) -> dict:
    """Race `workers` processes for `slots` slots of a provider of their own; count the result in the database."""
    provider_id, patients = set_up_provider(clinic, name, workers)
    today = datetime.now(UTC).date()
    chosen = future_slots(slots, today + timedelta(days=1))
    horizon = (chosen[-1][0].date() - today).days + 2
    jobs = [Job(url, provider_id, patient, chosen, seed=i, horizon_days=horizon) for i, patient in enumerate(patients)]
    outcomes: list[Outcome] = run_together([(worker, job) for job in jobs])
    latencies = [latency for o in outcomes for latency in o.latencies]
    elapsed = max(o.finished for o in outcomes) - min(o.started for o in outcomes)
    errors = [error for o in outcomes for error in o.errors]
    return {
        "attempts": len(latencies),
        "successes": live_appointments(engine, provider_id),
        "double_bookings": double_bookings(engine, provider_id),
        "p50_ms": percentile_ms(latencies, 0.50),
        "p99_ms": percentile_ms(latencies, 0.99),
        "bookings_per_s": round(len(latencies) / elapsed, 1) if elapsed > 0 else 0.0,
        "errors": len(errors),
        "first_errors": sorted(set(errors))[:5],
        "workers": workers,
        "slots": slots,
        "elapsed_s": round(elapsed, 3),
        "reported_wins": sum(o.successes for o in outcomes),
        "client_cpu_ms_per_attempt": round(sum(o.cpu_s for o in outcomes) * 1000 / max(1, len(latencies)), 3),
    }


@contextmanager
def throwaway_on_configured_server(prefix: str) -> Iterator[str]:
    """A migrated throwaway database for the `with` block, dropped afterwards: real data is never touched.

    The configured server (or the embedded one, kept up by the target until we are done) hosts it.
    """
    target = resolve_database(load_settings())
    with throwaway_database(target.url, prefix=prefix) as url:
        yield url


def benchmark(url: str, workers: int, slots: int) -> dict:
    """Both phases in the (throwaway) database at `url`, each with a provider of its own."""
    engine, clinic = open_clinic(url)
    try:
        service = run_phase(clinic, engine, url, service_worker, "service", workers, slots)
        raw = run_phase(clinic, engine, url, raw_sql_worker, "raw", workers, slots)
    finally:
        engine.dispose()
    ratio = service["bookings_per_s"] / raw["bookings_per_s"] if raw["bookings_per_s"] else 0.0
    return {"service": service, "raw_sql": raw, "throughput_ratio": round(ratio, 3)}


def _print_table(report: dict) -> None:
    columns = ["attempts", "successes", "double_bookings", "errors", "p50_ms", "p99_ms", "bookings_per_s"]
    print(f"{'':10}" + "".join(f"{c:>17}" for c in columns))
    for name in ("service", "raw_sql"):
        print(f"{name:10}" + "".join(f"{report[name][c]:>17}" for c in columns))
    print(f"service / raw SQL throughput: {report['throughput_ratio']:.2f}")
    for name in ("service", "raw_sql"):
        for error in report[name]["first_errors"]:
            print(f"{name} error: {error}", file=sys.stderr)


def main(workers: int, slots: int, as_json: bool) -> int:
    if workers < 1 or slots < 1:
        print("error: --workers and --slots must be at least 1", file=sys.stderr)
        return 2
    with throwaway_on_configured_server("clinic_stress") as url:
        report = benchmark(url, workers, slots)
    if as_json:
        print(json.dumps(report, indent=2))
    else:
        _print_table(report)
    ok = all(
        report[name]["double_bookings"] == 0 and report[name]["successes"] == slots for name in ("service", "raw_sql")
    )
    return 0 if ok else 1
