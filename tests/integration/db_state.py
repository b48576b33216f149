"""What the database holds, to prove that a refused call wrote nothing."""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

import pytest
from sqlalchemy import Engine, text

E = TypeVar("E", bound=BaseException)
TABLES = ("appointment_types", "appointments", "patients", "providers", "time_off", "time_slots", "working_hours")


def table_state(engine: Engine) -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row of every table (so an UPDATE shows as well as an INSERT)."""
    with engine.connect() as conn:
        names = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars().all()
        assert set(TABLES) <= set(names), names
        return {
            name: tuple(
                conn.execute(
                    text(f"SELECT count(*), md5(COALESCE(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {name} t")
                ).one()
            )
            for name in sorted(names)
        }


def row_counts(engine: Engine) -> dict[str, int]:
    return {name: count for name, (count, _) in table_state(engine).items()}


def refused(engine: Engine, error: type[E], call: Callable[..., object], *args, **kwargs) -> E:
    """Run `call(*args, **kwargs)`, expect `error`, and check that not a single row changed; return the error."""
    before = table_state(engine)
    with pytest.raises(error) as caught:
        call(*args, **kwargs)
    assert table_state(engine) == before, "a refused call changed the database"
    return caught.value


def wait_for_lock_waiter(engine, timeout: float = 5.0) -> int:
    deadline = time.monotonic() + timeout
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            pid = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                    " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                )
            ).scalar()
            conn.commit()  # a new transaction sees fresh activity statistics
            if pid:
                return pid
            time.sleep(0.02)
    raise AssertionError("the booking never waited for the slot lock")


@contextmanager
def desk_booking_by_hand(engine: Engine, provider_id: int, start: datetime, end: datetime) -> Iterator[Callable]:
    """Another desk's open transaction that has created the slot row at `start` (so holds it until it commits);
    yields `book(patient_id)`, which inserts that desk's appointment `[start, end)` there. Commits at the end."""
    with engine.connect() as desk, desk.begin():
        slot_id = desk.execute(
            text("INSERT INTO time_slots (provider_id, start_time, end_time) VALUES (:p, :s, :e) RETURNING id"),
            {"p": provider_id, "s": start, "e": end},
        ).scalar_one()

        def book(patient_id: int) -> None:
            desk.execute(
                text(
                    "INSERT INTO appointments (slot_id, provider_id, starts_at, ends_at, patient_id, type_id,"
                    " request_id) VALUES (:slot, :p, :s, :e, :patient, 1, gen_random_uuid())"
                ),
                {"slot": slot_id, "p": provider_id, "s": start, "e": end, "patient": patient_id},
            )

        yield book


def in_background(work: Callable[[], object]) -> tuple[threading.Thread, dict]:
    """Start `work` on a thread; the dict gets its "error", if it raises."""
    result: dict = {}

    def run() -> None:
        try:
            work()
        except Exception as exc:
            result["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def insert_by_hand(
    conn, provider_id: int, patient_id: int, start: datetime, end: datetime, *, type_id: int = 1,
    room_id: int | None = None,
) -> int:  # fmt: skip
    """What a staff member's own `psql` would do: the slot row (if new) and an appointment in it, no service."""
    slot_id = conn.execute(
        text(
            "INSERT INTO time_slots (provider_id, start_time, end_time) VALUES (:p, :s, :e)"
            " ON CONFLICT (provider_id, start_time) DO UPDATE SET end_time = time_slots.end_time RETURNING id"
        ),
        {"p": provider_id, "s": start, "e": end},
    ).scalar_one()
    return conn.execute(
        text(
            "INSERT INTO appointments (slot_id, provider_id, starts_at, ends_at, patient_id, type_id, request_id,"
            " room_id) VALUES (:slot, :p, :s, :e, :patient, :type, gen_random_uuid(), :room) RETURNING id"
        ),
        {
            "slot": slot_id,
            "p": provider_id,
            "s": start,
            "e": end,
            "patient": patient_id,
            "type": type_id,
            "room": room_id,
        },
    ).scalar_one()


def booked_while_a_desk_books(
    engine: Engine, book: Callable[[], object], provider_id: int, start: datetime, end: datetime, winner: int
) -> dict:
    """Run `book` while another desk, in an open transaction, has created the slot row at `start` (so holds it);
    once `book` waits for that lock, the desk books `winner` there and commits. Returns `book`'s "error", if any."""
    with desk_booking_by_hand(engine, provider_id, start, end) as desk_books:
        worker, result = in_background(book)
        wait_for_lock_waiter(engine)
        desk_books(winner)
    worker.join(10)
    return result
