"""Database faults: a lost connection is retried, a held lock ends in SlotBusy, nothing is half-written."""

import dataclasses
import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from app.db.engine import make_engine
from app.domain.errors import ChangeConflict, DatabaseUnavailable, SlotBusy
from app.domain.models import BookingRequest
from app.services import booking
from app.services.uow import UnitOfWork
from tests.conftest import ZONE, make_clinic
from tests.integration.db_state import wait_for_lock_waiter

SLOT = datetime(2030, 1, 8, 10, 0, tzinfo=ZONE)


def _live_appointments(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM appointments")).scalar_one()


def _hold_slot_lock(engine, provider_id):
    """Create the slot and keep it locked FOR UPDATE on a connection of our own; returns (conn, txn)."""
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO time_slots (provider_id, start_time, end_time) VALUES (:p, :s, :e)"),
            {"p": provider_id, "s": SLOT, "e": SLOT + timedelta(minutes=30)},
        )
    conn = engine.connect()
    txn = conn.begin()
    conn.execute(text("SELECT id FROM time_slots WHERE provider_id = :p FOR UPDATE"), {"p": provider_id})
    return conn, txn


def test_connection_killed_while_waiting_for_the_lock_is_retried_and_books_once(engine, provider_id, patient_id):
    clinic = make_clinic(engine)
    holder, txn = _hold_slot_lock(engine, provider_id)
    result: dict = {}

    def book():
        try:
            result["id"] = booking.book(
                clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=SLOT)
            )
        except Exception as exc:  # reported below, in the test's thread
            result["error"] = exc

    worker = threading.Thread(target=book)
    worker.start()
    victim = wait_for_lock_waiter(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim}).scalar_one()
    # The retry waits on the lock again; once we let go it books.
    wait_for_lock_waiter(engine)
    txn.commit()
    holder.close()
    worker.join(10)

    assert "error" not in result, result.get("error")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, starts_at FROM appointments")).all()
    assert [(r.id, r.starts_at) for r in rows] == [(result["id"], SLOT)]


def test_lock_held_by_another_desk_ends_in_slot_busy_and_writes_nothing(db_url, provider_id, patient_id):
    engine = make_engine(db_url, lock_timeout_ms=200)
    try:
        clinic = make_clinic(engine)
        holder, txn = _hold_slot_lock(engine, provider_id)
        # The lock is still held when the booking gives up: it ended by its lock timeout, not by the lock's end.
        with pytest.raises(SlotBusy, match="another desk is booking this slot, try again"):
            booking.book(clinic, BookingRequest(provider_id=provider_id, patient_id=patient_id, start=SLOT))
        txn.rollback()
        holder.close()
        assert _live_appointments(engine) == 0
    finally:
        engine.dispose()


def test_unreachable_server_gives_database_unavailable_after_bounded_retries():
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    delays: list[float] = []
    uow = UnitOfWork(engine, sleep=delays.append)
    with pytest.raises(DatabaseUnavailable, match="try again when it is back"):
        uow.run(lambda conn: conn.execute(text("SELECT 1")))
    assert len(delays) == uow.attempts - 1
    assert all(0 <= d <= uow.base_delay * 2**uow.attempts for d in delays)
    engine.dispose()


# Test-only: the first appointment INSERT (counted by a sequence, which a rollback does not undo) sleeps in an
# AFTER INSERT trigger, so its transaction holds the slot lock and has written its row but not committed.
# The session's statement_timeout (15 s) ends the sleep if the test never does.
PAUSE_FIRST_BOOKING = (
    "CREATE SEQUENCE test_appointment_inserts",
    "CREATE FUNCTION test_pause_first_booking() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN IF nextval('test_appointment_inserts') = 1 THEN PERFORM pg_sleep(60); END IF; RETURN NULL; END $$",
    "CREATE TRIGGER test_pause_first_booking AFTER INSERT ON appointments"
    " FOR EACH ROW EXECUTE FUNCTION test_pause_first_booking()",
)
PAUSED_BACKENDS = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'"
    " AND pid <> pg_backend_pid()"
)


def _pause_first_booking(engine) -> None:
    with engine.begin() as conn:
        for statement in PAUSE_FIRST_BOOKING:
            conn.execute(text(statement))


def _appointment_inserts(engine) -> int:
    """How many appointment INSERTs reached the trigger, committed or not."""
    with engine.connect() as conn:
        return conn.execute(
            text("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM test_appointment_inserts")
        ).scalar_one()


def _wait_for_paused_booking(engine, timeout: float = 10.0) -> int:
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            pid = conn.execute(text(PAUSED_BACKENDS)).scalar()
            conn.commit()  # a new transaction sees fresh activity statistics
            if pid:
                return pid
            time.sleep(0.02)
    raise AssertionError("the booking never reached the pause after its INSERT")


def _table_locks(engine, pid: int) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT relation::regclass::text AS name, mode FROM pg_locks WHERE pid = :pid AND granted"
                " AND locktype = 'relation' AND relation IN ('appointments'::regclass, 'time_slots'::regclass)"
            ),
            {"pid": pid},
        ).all()
    return {(r.name, r.mode) for r in rows}


def _kill(engine, pid: int) -> None:
    """Terminate the backend and wait (up to 5 s) until it is gone and its locks with it."""
    with engine.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid}).scalar_one()


def _kill_paused_backends(engine) -> None:
    with engine.connect() as conn:
        for pid in conn.execute(text(PAUSED_BACKENDS)).scalars().all():
            conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})


def _book_in_thread(clinic, **values) -> tuple[threading.Thread, dict]:
    outcome: dict = {}

    def book():
        try:
            outcome["id"] = booking.book(clinic, BookingRequest(**values))
        except Exception as exc:  # reported in the test's thread
            outcome["error"] = exc

    worker = threading.Thread(target=book, name="booking", daemon=True)
    worker.start()
    return worker, outcome


def _rows(engine):
    with engine.connect() as conn:
        appointments = conn.execute(text("SELECT id, request_id, starts_at FROM appointments")).all()
        slots = conn.execute(text("SELECT count(*) FROM time_slots")).scalar_one()
    return [tuple(row) for row in appointments], slots


def _kill_the_paused_booking(engine) -> None:
    """Find the booking asleep after its INSERT, check it is between lock and commit, and terminate it."""
    victim = _wait_for_paused_booking(engine)
    assert {("appointments", "RowExclusiveLock"), ("time_slots", "RowShareLock")} <= _table_locks(engine, victim)
    assert _rows(engine) == ([], 0), "the paused booking has not committed"
    _kill(engine, victim)


def _kill_and_wait(engine, worker: threading.Thread) -> None:
    """Kill the paused booking's connection and wait for the booking to end; never leave a backend paused."""
    try:
        _kill_the_paused_booking(engine)
        worker.join(20)
        assert not worker.is_alive(), "the booking hung after its connection was killed"
    finally:
        _kill_paused_backends(engine)
        worker.join(20)


def test_a_connection_killed_between_lock_and_commit_without_retries_changes_nothing_and_a_retry_books_once(
    engine, provider_id, patient_id
):
    clinic = dataclasses.replace(make_clinic(engine), uow=UnitOfWork(engine, attempts=1))
    request_id = uuid.uuid4()
    values = {"provider_id": provider_id, "patient_id": patient_id, "start": SLOT, "request_id": request_id}
    _pause_first_booking(engine)
    worker, outcome = _book_in_thread(clinic, **values)
    _kill_and_wait(engine, worker)

    error = outcome.get("error")
    assert isinstance(error, DatabaseUnavailable), outcome
    assert "try again when it is back" in str(error)
    assert _rows(engine) == ([], 0)
    assert _appointment_inserts(engine) == 1

    with engine.begin() as conn:
        conn.execute(text("DROP TRIGGER test_pause_first_booking ON appointments"))
    booked = booking.book(clinic, BookingRequest(**values))
    assert booking.book(clinic, BookingRequest(**values)) == booked  # and once more: still the same booking
    assert _rows(engine) == ([(booked, request_id, SLOT)], 1)


def test_a_connection_killed_between_lock_and_commit_is_retried_by_the_unit_of_work_and_books_once(
    engine, provider_id, patient_id, caplog
):
    clinic = make_clinic(engine)
    request_id = uuid.uuid4()
    _pause_first_booking(engine)
    worker, outcome = _book_in_thread(
        clinic, provider_id=provider_id, patient_id=patient_id, start=SLOT, request_id=request_id
    )
    _kill_and_wait(engine, worker)

    assert "error" not in outcome, outcome.get("error")
    assert _rows(engine) == ([(outcome["id"], request_id, SLOT)], 1)
    assert _appointment_inserts(engine) == 2  # the killed attempt and the retry
    retries = [r.getMessage() for r in caplog.records if r.name == "app.services.uow"]
    assert len(retries) == 1 and retries[0].startswith("transient database fault (CONNECTION), attempt 1 of 4")


def test_a_deadlock_that_keeps_recurring_is_told_as_a_collision_not_as_an_outage(engine):
    uow = UnitOfWork(engine, attempts=3, base_delay=0.001)
    attempts = []

    def always_deadlocked(conn):
        attempts.append(1)  # the server's own deadlock error, raised as PostgreSQL raises it
        conn.execute(text("DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$"))

    with pytest.raises(ChangeConflict) as error:
        uow.run(always_deadlocked)
    assert len(attempts) == 3, "a deadlock is retried"
    assert "kept colliding with other desks' changes" in str(error.value)
    assert not isinstance(error.value, DatabaseUnavailable)
