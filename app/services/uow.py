"""Unit of work: one transaction per call, retried a bounded number of times on transient faults."""

import logging
import random
import time
from collections.abc import Callable
from enum import Enum, auto
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from app.domain.errors import DatabaseUnavailable, NotAllowed, SlotBusy, first_line

log = logging.getLogger(__name__)
T = TypeVar("T")


class Fault(Enum):
    CONFLICT = auto()  # serialization failure or deadlock: the same transaction will likely pass
    LOCK_TIMEOUT = auto()  # another desk holds the row
    CONNECTION = auto()  # connection lost or server unreachable; a commit's outcome may be unknown
    OTHER = auto()


INSUFFICIENT_PRIVILEGE = "42501"  # the signed-in role may not do this: the database is the guard
_CONNECTION_SQLSTATES = {"57P01", "57P02", "57P03"}  # admin shutdown, crash shutdown, cannot connect now


def classify(exc: DBAPIError) -> Fault:
    if exc.connection_invalidated:
        return Fault.CONNECTION
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in ("40001", "40P01"):
        return Fault.CONFLICT
    if sqlstate == "55P03":
        return Fault.LOCK_TIMEOUT
    if sqlstate in _CONNECTION_SQLSTATES or (sqlstate or "").startswith("08"):
        return Fault.CONNECTION
    if sqlstate is None and type(exc.orig).__name__ == "OperationalError":
        return Fault.CONNECTION
    return Fault.OTHER


class UnitOfWork:
    """Runs `work(connection)` in one transaction: committed if it returns, rolled back if it raises.

    Work must be safe to run again: a retry after a connection lost during COMMIT runs it a second time
    (bookings carry a request id for that).
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

    def run(self, work: Callable[[Connection], T]) -> T:
        """Run `work` in one transaction, retried as a whole."""
        return self._with_retries(work, self._in_transaction)

    def read(self, work: Callable[[Connection], T]) -> T:
        """Run read-only `work` without a transaction around it: each statement sees what was committed
        when it began (as it would under READ COMMITTED anyway), and no BEGIN or COMMIT round trips."""
        return self._with_retries(work, self._autocommit)

    def _in_transaction(self, work: Callable[[Connection], T]) -> T:
        with self.engine.begin() as conn:
            return work(conn)

    def _autocommit(self, work: Callable[[Connection], T]) -> T:
        with self.engine.connect() as conn:
            return work(conn.execution_options(isolation_level="AUTOCOMMIT"))

    def _with_retries(self, work: Callable[[Connection], T], runner: Callable[[Callable[[Connection], T]], T]) -> T:
        lock_timeouts = 0
        for attempt in range(1, self.attempts + 1):
            try:
                return runner(work)
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
                    raise NotAllowed(first_line(exc.orig)) from exc
                fault = classify(exc)
                if fault is Fault.OTHER:
                    raise
                lock_timeouts += fault is Fault.LOCK_TIMEOUT
                reason = first_line(exc.orig if exc.orig is not None else exc)  # the driver's words: no parameters
                log.warning(
                    "transient database fault (%s), attempt %d of %d: %s", fault.name, attempt, self.attempts, reason
                )
                if fault is Fault.LOCK_TIMEOUT and lock_timeouts >= self.lock_attempts:
                    raise SlotBusy() from exc
                if attempt == self.attempts:
                    raise DatabaseUnavailable(reason) from exc
                self._sleep(self._backoff(attempt))
        raise AssertionError("unreachable")

    def _backoff(self, attempt: int) -> float:
        # Full jitter: desks that failed together do not retry together.
        return random.uniform(0, self.base_delay * 2**attempt)
