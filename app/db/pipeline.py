"""Several statements of one transaction sent in one network round trip (psycopg's pipeline mode)."""

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
    try:
        with driver.pipeline():
            cursors = [driver.cursor(row_factory=namedtuple_row) for _ in statements]
            for cursor, (statement, params) in zip(cursors, statements, strict=True):
                cursor.execute(_driver_sql(statement), params)
        return cursors[-1].fetchone()
    except psycopg.Error as exc:
        raise DBAPIError.instance(_driver_sql(statements[-1][0]), None, exc, psycopg.Error) from exc
