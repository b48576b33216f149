"""Several statements of one transaction sent in one network round trip (psycopg's pipeline mode): within a
transaction under way, or as a whole transaction with its BEGIN and COMMIT."""

from contextlib import suppress
from functools import cache

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection, TextClause
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.exc import DBAPIError

_DIALECT = PGDialect_psycopg()


@cache
def _driver_sql(statement: TextClause) -> str:
    """The statement in psycopg's own placeholder style (`%(name)s`)."""
    return str(statement.compile(dialect=_DIALECT))


def execute_pipelined(conn: Connection, statements: list[tuple[TextClause, dict]]):
    """Run `statements` in order, in the connection's current transaction, as one round trip; return the
    last one's first row. The server still runs them one after another, each with its own snapshot.
    Driver errors come back wrapped as SQLAlchemy's, so callers and the unit of work see one kind."""
    driver = conn.connection.driver_connection
    if driver.autocommit:  # the statements would not share a transaction, nor would locks outlive one
        raise RuntimeError("execute_pipelined needs a connection in a transaction")
    return _pipelined(driver, statements)


def run_transaction(conn: Connection, statements: list[tuple[TextClause, dict]]):
    """Run `statements` as one transaction (BEGIN, the statements, COMMIT) in one round trip; return the last
    statement's first row. `conn` must be in autocommit mode: the BEGIN is ours, so that it travels with the
    rest (psycopg waits for a BEGIN of its own before it sends anything more). A statement that fails aborts
    the rest, the COMMIT too: the transaction is rolled back, and its error comes back wrapped as SQLAlchemy's."""
    driver = conn.connection.driver_connection
    if not driver.autocommit:
        raise RuntimeError("run_transaction needs a connection in autocommit mode")
    try:
        return _pipelined(driver, statements, begin=b"BEGIN", end=b"COMMIT")
    except DBAPIError:
        if not driver.closed and driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            with suppress(psycopg.Error):
                driver.execute("ROLLBACK")
        raise


def fetch_one(conn: Connection, statement: TextClause, params: dict):
    """The first row of `statement` (or None), run straight on the driver's connection: a hot read that needs
    none of SQLAlchemy's result machinery (the rules read before a booking)."""
    driver = conn.connection.driver_connection
    try:
        return driver.cursor(row_factory=namedtuple_row).execute(_driver_sql(statement), params).fetchone()
    except psycopg.Error as exc:
        raise DBAPIError.instance(_driver_sql(statement), None, exc, psycopg.Error) from exc


def _pipelined(driver: psycopg.Connection, statements, *, begin: bytes | None = None, end: bytes | None = None):
    """The statements (between `begin` and `end`, if given) in one pipeline; the last statement's first row."""
    try:
        with driver.pipeline():
            if begin:
                driver.execute(begin)
            cursors = [driver.cursor(row_factory=namedtuple_row) for _ in statements]
            for cursor, (statement, params) in zip(cursors, statements, strict=True):
                cursor.execute(_driver_sql(statement), params)
            if end:
                driver.execute(end)
        return cursors[-1].fetchone()
    except psycopg.Error as exc:
        raise DBAPIError.instance(_driver_sql(statements[-1][0]), None, exc, psycopg.Error) from exc
