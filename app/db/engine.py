"""Engines with the session settings every desk needs."""

import socket
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg.conninfo import make_conninfo
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import OperationalError

from app import APP_NAME
from app.db.passwords import scram_verifier

# A desk never waits long on another desk's lock or a runaway query, and a frozen desk cannot keep
# a transaction (and its locks) open. Set per session right after connecting (see `set_session`).
LOCK_TIMEOUT_MS = 2000
STATEMENT_TIMEOUT_MS = 15000
IDLE_IN_TRANSACTION_TIMEOUT_MS = 30000  # as the database sets it for every session (migration 0005)


# A clinic's tables fit in memory (or on an SSD): a random read costs little more than a sequential one. With the
# default (4, for spinning disks) the planner reads a busy week's patients by hashing the whole patients table
# (6.2 ms at 50,000 patients) instead of looking each one up by its key (1.6 ms).
RANDOM_PAGE_COST = 1.1


def session_settings(lock_timeout_ms: int = LOCK_TIMEOUT_MS) -> dict[str, str]:
    return {
        "lock_timeout": str(lock_timeout_ms),
        "statement_timeout": str(STATEMENT_TIMEOUT_MS),
        "idle_in_transaction_session_timeout": str(IDLE_IN_TRANSACTION_TIMEOUT_MS),
        "TimeZone": "UTC",
        "random_page_cost": str(RANDOM_PAGE_COST),
    }


def set_session(dbapi_connection: psycopg.Connection, settings: dict[str, str]) -> None:
    """Apply `settings` to the session with one statement (one round trip, once per connection). Not libpq's
    startup `options`: a pooler in front of PostgreSQL refuses them (PgBouncer) or drops them silently."""
    assignments = ", ".join("set_config(%s, %s, false)" for _ in settings)
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True  # a session setting, outside any transaction a rollback would undo
    try:
        dbapi_connection.execute(f"SELECT {assignments}", [value for pair in settings.items() for value in pair])
    finally:
        if not dbapi_connection.broken:  # a lost connection's own error goes up, to be retried as one
            dbapi_connection.autocommit = autocommit


def set_on_connect(engine: Engine, settings: dict[str, str]) -> None:
    """Every connection `engine` opens gets `settings` before its first use, SQLAlchemy's own first queries too."""
    event.listen(
        engine, "connect", lambda dbapi_connection, _record: set_session(dbapi_connection, settings), insert=True
    )


# A server or network that vanished without closing the connection is noticed within about 20 s: TCP
# keepalives while idle, and a limit on unacknowledged data while sending (libpq ignores both on a unix socket).
TCP_FAILURE_DETECTION = {
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 2,
    "tcp_user_timeout": 20_000,
}


def workstation_name() -> str:
    return f"{APP_NAME}@{socket.gethostname()}"[:63]


DESK_POOL_SIZE = 4  # connections a desk keeps for its background reads and writes (2 more at peaks)


def make_engine(url: str, *, pool_size: int = DESK_POOL_SIZE, lock_timeout_ms: int = LOCK_TIMEOUT_MS) -> Engine:
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=2,
        # No pre-ping: it costs a round trip per checkout and cannot catch a drop mid-transaction;
        # the unit of work retries a transaction that lost its connection instead.
        pool_pre_ping=False,
        pool_recycle=1800,
        # Statement parameters carry patient details: errors and logs must not repeat them.
        hide_parameters=True,
        connect_args={
            "application_name": workstation_name(),
            "connect_timeout": 5,
            **TCP_FAILURE_DETECTION,
        },
    )
    set_on_connect(engine, session_settings(lock_timeout_ms))
    return engine


# The password each engine signs in with, where it changed since the engine was made (a member of staff changed
# their own): new connections take it, open ones keep their session.
_new_passwords: "weakref.WeakKeyDictionary[Engine, list[str]]" = weakref.WeakKeyDictionary()


def use_password(engine: Engine, password: str) -> None:
    """New connections of `engine` sign in with `password`."""
    current = _new_passwords.get(engine)
    if current is None:
        current = _new_passwords[engine] = [password]
        event.listen(engine, "do_connect", lambda _dialect, _record, _args, params: params.update(password=current[0]))
    current[0] = password


def signed_in_url(engine: Engine) -> URL:
    """The engine's URL with the password its new connections sign in with."""
    current = _new_passwords.get(engine)
    return engine.url.set(password=current[0]) if current else engine.url


def signs_in(url: str | URL) -> bool:
    """Whether a new connection to `url` signs in (a password that may or may not have changed)."""
    engine = make_engine(url if isinstance(url, str) else url.render_as_string(hide_password=False), pool_size=1)
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def host_and_port(entry: str) -> tuple[str, str]:
    """A URL's `host` query entry ("db1:5433", or "db2" on the default port) as host and port ("" for the default)."""
    host, colon, port = entry.rpartition(":")
    return (host, port) if colon else (entry, "")


def conninfo(url: str, **overrides: str | None) -> str:
    """The URL as a libpq connection string, for plain psycopg connections and libpq's programs; `overrides`
    replace its parameters (None leaves one out)."""
    parsed = make_url(url)
    query = {key: value if isinstance(value, str) else value[-1] for key, value in parsed.query.items()}
    parts = {"host": parsed.host, "port": parsed.port, "dbname": parsed.database, "user": parsed.username}
    hosts = parsed.query.get("host")
    if isinstance(hosts, tuple):  # several hosts ("db1:5432", "db2"): libpq's lists, a port for each
        pairs = [host_and_port(host) for host in hosts]
        query["host"] = ",".join(name for name, _port in pairs)
        if any(port for _name, port in pairs):
            query["port"] = ",".join(port for _name, port in pairs)
    return make_conninfo(**{**parts, "password": parsed.password, **query, **overrides})


def with_login(url: str, user: str, password: str) -> str:
    """The URL signed in as `user` with `password` (kept in memory only: never written or logged)."""
    return make_url(url).set(username=user, password=password).render_as_string(hide_password=False)


def with_database(url: str, database: str) -> str:
    return make_url(url).set(database=database).render_as_string(hide_password=False)


@contextmanager
def _admin_connection(admin_url: str) -> Iterator[Connection]:
    """A short-lived autocommit connection for statements that cannot run in a transaction."""
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def create_database(admin_url: str, name: str, template: str | None = None) -> None:
    template_clause = f' TEMPLATE "{template}"' if template else ""
    with _admin_connection(admin_url) as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{template_clause}'))


def drop_database(admin_url: str, name: str) -> None:
    with _admin_connection(admin_url) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def database_exists(admin_url: str, name: str) -> bool:
    with _admin_connection(admin_url) as conn:
        return conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first() is not None


def allow_connections(admin_url: str, name: str, allowed: bool) -> None:
    """Let the database take new connections, or refuse them (open ones keep working)."""
    with _admin_connection(admin_url) as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}'))


def drop_logins(admin_url: str, names: list[str]) -> None:
    """End the sessions of these login roles and drop them (roles are server-wide: a throwaway database's
    logins outlive it otherwise)."""
    with _admin_connection(admin_url) as conn:
        for name in names:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :n"), {"n": name})
            conn.execute(text("DROP ROLE IF EXISTS " + conn.dialect.identifier_preparer.quote_identifier(name)))


def set_password(admin_url: str, user: str, password: str, *, wait_s: float = 0) -> None:
    """Set a role's password as a SCRAM verifier (computed here: the plain password is not sent). With `wait_s`,
    a server that still refuses the connection (its new rules not read yet) is tried again for that long."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with _admin_connection(admin_url) as conn:
                quoted = conn.dialect.identifier_preparer.quote_identifier(user)
                # A utility statement takes no parameters; the verifier is base64 and '$' ':' only.
                conn.exec_driver_sql(f"ALTER ROLE {quoted} PASSWORD '{scram_verifier(conn, password)}'")
                return
        except OperationalError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.1)


def terminate_backend(admin_url: str, pid: int) -> None:
    """End one server process, and with it its client's connection (as a crash or an administrator would)."""
    with _admin_connection(admin_url) as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
