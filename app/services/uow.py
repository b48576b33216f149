"""Unit of work: one transaction per call, retried a bounded number of times on transient faults."""

import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from app.db.errors import Fault, classify, driver_error, locked_table, not_allowed
from app.domain.errors import Busy, ChangeConflict, DatabaseUnavailable, NotAllowed, SlotBusy, first_line

log = logging.getLogger(__name__)
T = TypeVar("T")


# A write records its request id and its answer in its own transaction (migration 0005's write_requests). A retry
# claims the id first: while an earlier attempt's COMMIT is still under way the claim waits for it, and it finds the
# id taken exactly when that attempt went through.
_RECORD_REQUEST = text("INSERT INTO write_requests (request_id, result) VALUES (:request_id, CAST(:result AS jsonb))")
_CLAIM_REQUEST = text(
    "INSERT INTO write_requests (request_id) VALUES (:request_id) ON CONFLICT DO NOTHING RETURNING request_id"
)
_RECORD_RESULT = text("UPDATE write_requests SET result = CAST(:result AS jsonb) WHERE request_id = :request_id")
_FIND_REQUEST = text("SELECT result FROM write_requests WHERE request_id = :request_id")


# What a lock timeout waited for, by the table of the row it could not lock (PostgreSQL names it in the error's
# context: "while locking tuple (0,1) in relation "patients"", also when a foreign key check waited).
_LOCKED_ROWS = {
    "patients": "this patient's record",
    "appointments": "this appointment",
    "providers": "this provider's schedule",
    "working_hours": "this provider's schedule",
    "time_off": "this provider's schedule",
    "appointment_types": "this appointment type",
}


def busy(exc: DBAPIError) -> Busy:
    """The refusal for a lock timeout, naming what the change waited for."""
    table = locked_table(exc)
    if table == "time_slots":
        return SlotBusy()
    return Busy(_LOCKED_ROWS.get(table, "a record this change needs"))


class UnitOfWork:
    """Runs `work(connection)` in one transaction: committed if it returns, rolled back if it raises.

    A connection lost during COMMIT leaves the outcome unknown and the transaction is tried again: `run` is for
    work that is safe to repeat (a booking's request id, a move to where the appointment already is), `write` for
    any other write: it records a request id and, on a retry, returns the first attempt's answer if it went through.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        attempts: int = 4,
        lock_attempts: int = 2,
        base_delay: float = 0.02,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.engine = engine
        self.attempts = attempts
        self.lock_attempts = lock_attempts
        self.base_delay = base_delay
        self._sleep = sleep

    def on(self, engine: Engine) -> "UnitOfWork":
        """The same retries, over another engine."""
        return UnitOfWork(
            engine,
            attempts=self.attempts,
            lock_attempts=self.lock_attempts,
            base_delay=self.base_delay,
            sleep=self._sleep,
        )

    def run(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one transaction, retried as a whole."""
        return self._with_retries(work, self._in_transaction)

    def write(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one transaction that records a request id with its answer (which must be JSON: an id, a
        count, None). A retry first looks the id up, so a write whose commit went through is never made twice."""
        request = {"request_id": uuid.uuid4()}
        claimed = [False]  # the last retry claimed the id: no attempt before it was saved

        def once(conn: Connection) -> T:
            result = work(conn)
            conn.execute(_RECORD_REQUEST, {**request, "result": json.dumps(result)})
            return result

        def claim_then_once(conn: Connection) -> T:
            claimed[0] = False
            if conn.execute(_CLAIM_REQUEST, request).first() is None:  # an earlier attempt went through
                return conn.execute(_FIND_REQUEST, request).scalar_one()
            claimed[0] = True
            result = work(conn)
            conn.execute(_RECORD_RESULT, {**request, "result": json.dumps(result)})
            return result

        def settled() -> bool:
            was, claimed[0] = claimed[0], False
            return was

        return self._with_retries(once, self._in_transaction, retry=claim_then_once, settled=settled)

    def run_autocommit(self, work: Callable[[Connection], T]) -> T:
        """Run `work` on one connection in autocommit mode, retried as a whole (so only for work that is safe to
        repeat): each statement is a transaction of its own, and a pipeline of them sent by `run_transaction` is
        one, in one round trip. A booking reads the rules and sends its transaction so, on one connection."""
        return self._with_retries(work, self._autocommit)

    def read(self, work: Callable[[Connection], T]) -> T:
        """Run read-only `work` without a transaction around it: each statement sees what was committed
        when it began (as it would under READ COMMITTED anyway), and no BEGIN or COMMIT round trips."""
        return self._with_retries(work, self._autocommit)

    def _in_transaction(self, work: Callable[[Connection], T]) -> T:
        with self.engine.connect() as conn:
            transaction = conn.begin()
            result = work(conn)  # an exception leaves the transaction to the connection's close: rolled back
            try:
                transaction.commit()
            except DBAPIError as exc:
                # The connection went with the COMMIT on its way: the server may have committed.
                exc.during_commit = classify(exc) is Fault.CONNECTION
                raise
            return result

    def _autocommit(self, work: Callable[[Connection], T]) -> T:
        with self.engine.connect() as conn:
            return work(conn.execution_options(isolation_level="AUTOCOMMIT"))

    def _with_retries(
        self,
        work: Callable[[Connection], T],
        runner: Callable[[Callable[[Connection], T]], T],
        *,
        retry: Callable[[Connection], T] | None = None,
        settled: Callable[[], bool] | None = None,
    ) -> T:
        """`retry` runs instead of `work` from the second attempt on; `settled()` says (once) whether the last
        attempt proved that no earlier one was saved."""
        lock_timeouts = 0
        outcome_unknown = False  # a COMMIT went out with a lost connection, and nothing since settled it
        for attempt in range(1, self.attempts + 1):
            try:
                return runner(work if attempt == 1 or retry is None else retry)
            except DBAPIError as exc:
                if not_allowed(exc):
                    raise NotAllowed(first_line(driver_error(exc))) from exc
                fault = classify(exc)
                if fault is Fault.OTHER:
                    raise
                lock_timeouts += fault is Fault.LOCK_TIMEOUT
                if getattr(exc, "during_commit", False):
                    outcome_unknown = True
                    if settled is not None:
                        settled()  # this attempt's own claim says nothing of its own COMMIT
                elif settled is not None and settled():
                    outcome_unknown = False
                reason = first_line(driver_error(exc))  # the driver's words: no parameters
                log.warning(
                    "transient database fault (%s), attempt %d of %d: %s", fault.name, attempt, self.attempts, reason
                )
                if fault is Fault.LOCK_TIMEOUT and lock_timeouts >= self.lock_attempts:
                    raise busy(exc) from exc
                if attempt == self.attempts:
                    if fault is Fault.CONFLICT:
                        raise ChangeConflict(reason) from exc
                    raise DatabaseUnavailable(reason, outcome_unknown=outcome_unknown) from exc
                self._sleep(self._backoff(attempt))
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        # Full jitter: desks that failed together do not retry together.
        return random.uniform(0, self.base_delay * 2**attempt)
