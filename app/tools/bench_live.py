"""Live-update benchmark: how long a booking takes to reach the other desks' screens.

Separate OS processes, as on separate workstations: N desks, each a QCoreApplication with the desk's own
LiveUpdates bridge (its LISTEN connection and listener thread), and one or more writers booking through
the real service (`booking.book`) at a steady pace. A writer notes the moment each booking's commit
returned; a desk notes the moment each appointment's `changed` signal reached its Qt main thread. The
difference is the latency a receptionist sees. Then each desk does what a window does on a change: after the
same gathering it re-reads its week view and the picker's free times, on its own task runner and pool, so the
server holds the sessions real desks hold; the benchmark counts them. (`listen_only` leaves the re-reads out: on one
machine, fifty desks' re-reads compete with the server for its cores, where a clinic's run on fifty PCs.)

With `pgbouncer`, desks and writers connect through a PgBouncer in session mode started for the run.

Everything happens in a throwaway database that is dropped afterwards: real data is never touched.
Notifications are counted by the desks: one expected per committed booking per desk.
"""

import json
import sys
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from app.db.engine import DESK_POOL_SIZE
from app.domain.models import BookingRequest
from app.services import booking, schedule
from app.tools import pgbouncer
from app.tools.racing import START_TIMEOUT_S, run_together
from app.tools.server_sessions import SessionCounter
from app.tools.stress import (
    future_slots,
    open_clinic,
    percentile_ms,
    set_up_provider,
    throwaway_on_configured_server,
)

# Timestamps: every process takes `time.monotonic()`, which on Linux is CLOCK_MONOTONIC, one clock for the
# whole system (not per process), so a writer's commit time and a desk's arrival time can be subtracted.
# (Windows' QueryPerformanceCounter and macOS' mach_absolute_time are system-wide as well.)
DRAIN_S = 5.0  # after the last commit, how long a desk still waits for notifications before calling them missed
POLL_MS = 20  # how often a desk's main thread looks whether it is done


# --- a desk: a Qt event loop with the live bridge, noting when each appointment's signal arrives -------------


@dataclass(frozen=True)
class DeskJob:
    url: str
    expected: int  # bookings the writers will make: a desk that has seen them all stops without draining
    write_timeout_s: float  # the longest the writers may take, from the start to their last commit
    provider_id: int  # the provider whose week the desk shows
    shown_day: date  # in the week it shows, and the picker's day
    rereads: bool  # re-read as a window does on a change (else only listen)


@dataclass
class DeskRecord:
    arrivals: dict[int, float] = field(default_factory=dict)  # appointment id -> monotonic, on the Qt main thread
    on_listener: dict[int, float] = field(default_factory=dict)  # appointment id -> monotonic, on the listener thread
    connects: int = 0  # times the listener reported LISTEN in place (1: it never dropped)
    drops: list[str] = field(default_factory=list)  # why the connection went, each time it did
    reads: int = 0  # the window's re-reads done
    read_errors: list[str] = field(default_factory=list)


def _desk_runtime(url: str):
    """A Runtime on the throwaway database, as a desk has, with a desk's pool."""
    from app.config import load_settings
    from app.db.connect import DatabaseTarget
    from app.runtime import Runtime

    engine, clinic = open_clinic(url, pool_size=DESK_POOL_SIZE)
    return Runtime(load_settings(), DatabaseTarget(url, "bench-live throwaway database"), engine, clinic)


@dataclass
class _DeskState:
    """What a desk's Qt main thread, its listener thread and its sync thread share."""

    record: DeskRecord = field(default_factory=DeskRecord)
    connected: threading.Event = field(default_factory=threading.Event)
    writers_done: threading.Event = field(default_factory=threading.Event)
    writers_done_at: float | None = None  # when the main thread first saw `writers_done`: the drain starts then
    failures: list[str] = field(default_factory=list)

    def note_on_listener_thread(self, change) -> None:
        """Connected directly: runs on the listener thread, before the hop through Qt's event queue."""
        if change.table == "appointments" and change.row_id is not None:
            self.record.on_listener.setdefault(change.row_id, time.monotonic())


class _WindowReads:
    """What a window does on a change, on the main thread: gather changes as the window does, then re-read the
    week view and the picker's free times in the background, each on its own worker."""

    def __init__(self, runtime, job: DeskJob, record: DeskRecord):
        from app.ui.navigation import ViewMode
        from app.ui.throttle import Throttle
        from app.ui.view_data import ViewRequest, load_view
        from app.ui.workers import TaskRunner

        clinic = runtime.clinic
        providers = schedule.providers(clinic)  # the reference data a window reads at its start
        view = ViewRequest(ViewMode.WEEK, job.shown_day, job.provider_id)
        self.runner = TaskRunner()
        counting = threading.Lock()

        def counted(read: Callable[[], object]) -> Callable[[], None]:
            """Counted on the worker, once done: the desk may quit before the answer would reach its main thread."""

            def run() -> None:
                try:
                    read()
                except Exception as exc:
                    record.read_errors.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
                    return
                with counting:
                    record.reads += 1

            return run

        def read_view():
            return load_view(clinic, view, clinic.local(clinic.now()).date(), providers)

        def read_free_times():
            return schedule.free_slots(clinic, job.provider_id, job.shown_day)

        def read_again() -> None:
            self.runner.submit(counted(read_view), key="view")
            self.runner.submit(counted(read_free_times), key="picker")

        self.throttle = Throttle(self.runner, read_again)

    def stop(self) -> None:
        self.throttle.cancel()
        self.runner.close()
        self.runner.wait_for_done()


def _receiver(desk: _DeskState, reads: _WindowReads | None):
    """A QObject on the calling (Qt main) thread, like the main window: LiveUpdates' signals are queued to it."""
    from PySide6.QtCore import QObject, Slot

    main_thread = threading.current_thread()

    class Receiver(QObject):
        @Slot(object)
        def on_changed(self, change) -> None:
            arrived = time.monotonic()  # first: the moment the signal reaches the desk's UI thread
            if threading.current_thread() is not main_thread:
                desk.failures.append("a changed signal was delivered off the Qt main thread")
            if change.table == "appointments" and change.row_id is not None:
                desk.record.arrivals.setdefault(change.row_id, arrived)
                if reads is not None:
                    reads.throttle.request()

        @Slot(bool, str)
        def on_connection(self, is_connected: bool, detail: str) -> None:
            if is_connected:
                desk.record.connects += 1
                desk.connected.set()
            elif desk.record.connects:
                desk.record.drops.append(detail)

    return Receiver()


def _synchronise(job: DeskJob, ready, desk: _DeskState) -> None:
    """Off the main thread, so the event loop keeps delivering: wait for LISTEN, then for the writers."""
    try:
        if not desk.connected.wait(START_TIMEOUT_S):
            raise TimeoutError(f"the desk's listener did not connect within {START_TIMEOUT_S} s")
        ready()  # every desk is listening and every writer connected: the writers start
        ready(job.write_timeout_s)  # every writer has committed its last booking
    except BaseException:
        desk.failures.append(traceback.format_exc())
    finally:
        desk.writers_done.set()


def _quit_when_done(app, job: DeskJob, desk: _DeskState) -> None:
    """Polled on the main thread: once the writers are done, quit when every booking arrived or the drain ran out."""
    if not desk.writers_done.is_set():
        return
    if desk.writers_done_at is None:
        desk.writers_done_at = time.monotonic()
    drained = time.monotonic() - desk.writers_done_at > DRAIN_S
    if desk.failures or len(desk.record.arrivals) >= job.expected or drained:
        app.quit()


def desk_main(job: DeskJob, ready) -> DeskRecord:
    """One desk process: LISTEN through LiveUpdates, say ready once connected, record until the writers are done."""
    # Only desks load Qt; the bridge is the desktop's own, so the latency measured is the one a window sees.
    from PySide6.QtCore import QCoreApplication, Qt, QTimer

    from app.ui.live_updates import LiveUpdates

    app = QCoreApplication.instance() or QCoreApplication([])
    desk = _DeskState()
    runtime = _desk_runtime(job.url)
    reads = _WindowReads(runtime, job, desk.record) if job.rereads else None
    receiver = _receiver(desk, reads)
    live = LiveUpdates(runtime)
    live.changed.connect(receiver.on_changed)
    live.changed.connect(desk.note_on_listener_thread, Qt.ConnectionType.DirectConnection)
    live.connection_changed.connect(receiver.on_connection)
    sync = threading.Thread(target=_synchronise, args=(job, ready, desk), name="bench-live-sync", daemon=True)
    timer = QTimer()
    timer.timeout.connect(lambda: _quit_when_done(app, job, desk))
    timer.start(POLL_MS)
    live.start()
    sync.start()
    try:
        app.exec()
    finally:
        timer.stop()
        live.stop()
        if reads is not None:
            reads.stop()
        runtime.close()
    sync.join(1)
    if desk.failures:
        raise RuntimeError(desk.failures[0])
    return desk.record


# --- a writer: books its share of the appointments at a steady pace through the service ------------------------


@dataclass(frozen=True)
class WriterJob:
    url: str
    provider_id: int
    patient_id: int
    starts: list[datetime]  # this writer's slots, in booking order
    first_due_s: float  # when its first booking is due, after the start
    interval_s: float  # between its bookings
    horizon_days: int
    write_timeout_s: float


@dataclass
class WriterRecord:
    committed: dict[int, float] = field(default_factory=dict)  # appointment id -> monotonic right after commit
    errors: list[str] = field(default_factory=list)
    started: float = 0.0
    late_s: float = 0.0  # the most a booking started after it was due (the writer could not keep the pace)
    booking_s: list[float] = field(default_factory=list)  # how long each `book` call took, until its commit returned


def writer_main(job: WriterJob, ready) -> WriterRecord:
    engine, clinic = open_clinic(job.url, horizon_days=job.horizon_days)
    record = WriterRecord()
    try:
        if job.starts:  # connect and look at the day first, as a desk does before it books
            schedule.free_slots(clinic, job.provider_id, clinic.local(job.starts[0]).date())
        ready()
        record.started = time.monotonic()
        for k, start in enumerate(job.starts):
            due = record.started + job.first_due_s + k * job.interval_s
            now = time.monotonic()
            if due > now:
                time.sleep(due - now)
            called = time.monotonic()
            record.late_s = max(record.late_s, called - due)
            try:
                appointment_id = booking.book(
                    clinic, BookingRequest(provider_id=job.provider_id, patient_id=job.patient_id, start=start)
                )
                record.committed[appointment_id] = time.monotonic()  # right after the commit returned
                record.booking_s.append(record.committed[appointment_id] - called)
            except Exception as exc:
                record.errors.append(f"{type(exc).__name__}: {exc}".splitlines()[0])
        ready(job.write_timeout_s)  # tell the desks that every booking is in
        return record
    finally:
        engine.dispose()


# --- the benchmark ------------------------------------------------------------------------------------------------


def _latency_summary(values: list[float], prefix: str = "") -> dict:
    return {
        f"{prefix}min_ms": percentile_ms(values, 0.0),
        f"{prefix}p50_ms": percentile_ms(values, 0.50),
        f"{prefix}p90_ms": percentile_ms(values, 0.90),
        f"{prefix}p99_ms": percentile_ms(values, 0.99),
        f"{prefix}max_ms": percentile_ms(values, 1.0),
    }


def _writer_jobs(url: str, writers: int, bookings: int, rate: float, write_timeout: float) -> list[WriterJob]:
    """A provider with a patient per writer, and each writer's share of its next `bookings` slots."""
    engine, clinic = open_clinic(url)
    try:
        provider_id, patients = set_up_provider(clinic, "bench-live", writers)
    finally:
        engine.dispose()
    today = datetime.now(UTC).date()
    slots = [start for start, _end in future_slots(bookings, today + timedelta(days=1))]
    horizon = (slots[-1].date() - today).days + 2
    return [
        # Writer w books slots w, w + writers, ...: together a booking every 1/rate seconds, none racing another.
        WriterJob(url, provider_id, patients[w], slots[w::writers], w / rate, writers / rate, horizon, write_timeout)
        for w in range(writers)
    ]


def _delays(arrived: dict[int, float], committed: dict[int, float]) -> list[float]:
    """Seconds from each booking's commit to its arrival, for the bookings that arrived."""
    return [arrived[i] - t for i, t in committed.items() if i in arrived]


def _desk_row(index: int, desk: DeskRecord, delays: list[float], committed: int) -> dict:
    return {
        "desk": index,
        "received": len(delays),
        "missed": committed - len(delays),
        "p50_ms": percentile_ms(delays, 0.50),
        "p99_ms": percentile_ms(delays, 0.99),
        "max_ms": percentile_ms(delays, 1.0),
        "drops": len(desk.drops),
        "reads": desk.reads,
    }


def _report(desk_records: list[DeskRecord], writer_records: list[WriterRecord], bookings: int, rate: float) -> dict:
    """What the desks and writers recorded, summed up (the sessions and the pooler are added by `benchmark`)."""
    committed = {i: t for w in writer_records for i, t in w.committed.items()}
    errors = [error for w in writer_records for error in w.errors]
    errors += [f"desk re-read: {error}" for desk in desk_records for error in desk.read_errors]
    per_desk_delays = [_delays(desk.arrivals, committed) for desk in desk_records]
    latencies = [delay for delays in per_desk_delays for delay in delays]
    to_listener = [delay for desk in desk_records for delay in _delays(desk.on_listener, committed)]
    commit_times = sorted(committed.values())
    write_span = commit_times[-1] - commit_times[0] if commit_times else 0.0
    expected = len(desk_records) * len(committed)
    return {
        "desks": len(desk_records),
        "writers": len(writer_records),
        "bookings": bookings,
        "committed": len(committed),
        "write_errors": len(errors),
        "first_errors": sorted(set(errors))[:5],
        "rate_per_s": rate,
        "achieved_rate_per_s": round((len(committed) - 1) / write_span, 1) if write_span > 0 else 0.0,
        "writer_late_max_ms": round(max(w.late_s for w in writer_records) * 1000, 2),
        **_latency_summary([s for w in writer_records for s in w.booking_s], "booking_"),
        "expected": expected,
        "received": len(latencies),
        "missed": expected - len(latencies),
        **_latency_summary(latencies),
        # The same, up to the listener thread: the rest of the total is the hop through Qt's event queue.
        **_latency_summary(to_listener, "listener_thread_"),
        "listener_drops": sum(len(desk.drops) for desk in desk_records),
        "rereads": sum(desk.reads for desk in desk_records),
        "per_desk": [
            _desk_row(index, desk, delays, len(committed))
            for index, (desk, delays) in enumerate(zip(desk_records, per_desk_delays, strict=True), start=1)
        ],
    }


@dataclass(frozen=True)
class Load:
    desks: int
    writers: int
    bookings: int
    rate: float  # bookings per second, all writers together
    rereads: bool  # desks re-read as windows do

    def problem(self) -> str | None:
        if self.desks < 1 or self.writers < 1 or self.bookings < 1 or not self.rate > 0:
            return "--desks, --writers and --bookings must be at least 1 and --rate above 0"
        return None


def benchmark(url: str, load: Load, *, server_url: str | None = None) -> dict:
    """Run the desks and writers against the (throwaway) database at `url`; return the report. `server_url` is the
    same database on the server itself when `url` goes through a pooler: its sessions are counted there."""
    began = time.perf_counter()
    write_timeout = START_TIMEOUT_S + 2 * load.bookings / load.rate
    writer_jobs = _writer_jobs(url, load.writers, load.bookings, load.rate, write_timeout)
    shown = writer_jobs[0]
    desk_job = DeskJob(url, load.bookings, write_timeout, shown.provider_id, shown.starts[0].date(), load.rereads)
    tasks = [(desk_main, desk_job)] * load.desks + [(writer_main, job) for job in writer_jobs]
    with SessionCounter(server_url or url) as sessions:
        results = run_together(tasks, timeout=2 * START_TIMEOUT_S + write_timeout + DRAIN_S)
    report = _report(results[: load.desks], results[load.desks :], load.bookings, load.rate)
    report["server_sessions_peak"] = sessions.peak_total
    report["server_sessions_listening"] = sessions.peak_listening
    report["rereads_on"] = load.rereads
    report["elapsed_s"] = round(time.perf_counter() - began, 1)
    return report


def format_report(report: dict) -> str:
    lines = [
        f"bench-live: {report['desks']} desks {'re-reading' if report['rereads_on'] else 'listening'},"
        f" {report['writers']} writers booking"
        f" {report['bookings']} appointments at {report['rate_per_s']:g}/s"
        f" (achieved {report['achieved_rate_per_s']:g}/s), {report['elapsed_s']:g} s in all",
        f"bookings committed: {report['committed']}, write errors: {report['write_errors']}",
        f"through: {report['through']}",
        f"notifications: expected {report['expected']}, received {report['received']}, missed {report['missed']}"
        f" (listener drops: {report['listener_drops']})",
        "latency from commit to the desk's Qt signal (ms):"
        + "".join(f"  {name} {report[f'{name}_ms']:g}" for name in ("p50", "p90", "p99", "max", "min")),
        "  of which up to the listener thread (ms):"
        + "".join(f"  {name} {report[f'listener_thread_{name}_ms']:g}" for name in ("p50", "p90", "p99", "max")),
        "a booking, from the call to its commit (ms):"
        + "".join(f"  {name} {report[f'booking_{name}_ms']:g}" for name in ("p50", "p90", "p99", "max")),
        f"desks' re-reads of their week view and free times: {report['rereads']}",
        f"server sessions at the most: {report['server_sessions_peak']}"
        f" ({report['server_sessions_listening']} listening, {report['writers']} writers,"
        f" the rest the desks' pools)",
        "",
        f"{'desk':>6}{'received':>10}{'missed':>8}{'p50_ms':>10}{'p99_ms':>10}{'max_ms':>10}{'drops':>7}{'reads':>7}",
    ]
    for desk in report["per_desk"]:
        lines.append(
            f"{desk['desk']:>6}{desk['received']:>10}{desk['missed']:>8}{desk['p50_ms']:>10}"
            f"{desk['p99_ms']:>10}{desk['max_ms']:>10}{desk['drops']:>7}{desk['reads']:>7}"
        )
    return "\n".join(lines)


def _run(url: str, load: Load, through_pgbouncer: bool) -> dict:
    if not through_pgbouncer:
        return {**benchmark(url, load), "through": "PostgreSQL directly"}
    # Each desk may hold its listener and a pool of up to six; each writer one connection; and the set-up's.
    with pgbouncer.session_pooler(url, max_clients=7 * load.desks + load.writers + 10) as pooler:
        report = benchmark(pooler.url, load, server_url=url)
        passed = pooler.transactions()
    return {**report, "through": f"{pgbouncer.version()} in session mode", "pooler_transactions": passed}


def main(load: Load, as_json: bool, through_pgbouncer: bool = False) -> int:
    if problem := load.problem():
        print(f"error: {problem}", file=sys.stderr)
        return 2
    if through_pgbouncer and not pgbouncer.installed():
        print(f"error: --pgbouncer: {pgbouncer.NOT_INSTALLED}", file=sys.stderr)
        return 2
    with throwaway_on_configured_server("clinic_bench_live") as url:
        report = _run(url, load, through_pgbouncer)
    print(json.dumps(report, indent=2) if as_json else format_report(report))
    for error in report["first_errors"]:
        print(f"write error: {error}", file=sys.stderr)
    complete = report["committed"] == load.bookings and report["write_errors"] == 0
    return 0 if complete and report["missed"] == 0 else 1
