"""Database faults: a lost connection is retried, a held lock ends in SlotBusy, nothing is half-written."""

import threading
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from app.db.engine import make_engine
from app.domain.errors import DatabaseUnavailable, SlotBusy
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
            result["id"] = booking.book(clinic, provider_id=provider_id, patient_id=patient_id, start=SLOT)
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
        started = time.monotonic()
        with pytest.raises(SlotBusy, match="another desk is booking this slot, try again"):
            booking.book(clinic, provider_id=provider_id, patient_id=patient_id, start=SLOT)
        waited = time.monotonic() - started
        txn.rollback()
        holder.close()
        assert waited < 5, "a desk must not hang on another desk's lock"
        assert _live_appointments(engine) == 0
    finally:
        engine.dispose()


def test_unreachable_server_gives_database_unavailable_after_bounded_retries():
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    delays: list[float] = []
    uow = UnitOfWork(engine, sleep=delays.append)
    with pytest.raises(DatabaseUnavailable, match="nothing was changed"):
        uow.run(lambda conn: conn.execute(text("SELECT 1")))
    assert len(delays) == uow.attempts - 1
    assert all(0 <= d <= uow.base_delay * 2**uow.attempts for d in delays)
    engine.dispose()
