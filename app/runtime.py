"""Opening the clinic for a process: settings, database, schema check, services."""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from app.config import Settings, load_settings
from app.db import migrate
from app.db.connect import DatabaseTarget, resolve_database
from app.db.engine import TCP_FAILURE_DETECTION, libpq_url, make_engine, workstation_name
from app.domain.errors import DomainError, first_line
from app.live.changes import Change
from app.live.listener import ListenerState, ScheduleListener
from app.services.context import Clinic
from app.services.uow import UnitOfWork


class SchemaMismatch(DomainError):
    """The shared database is at another schema revision than this program."""


@dataclass
class Runtime:
    settings: Settings
    target: DatabaseTarget
    engine: Engine
    clinic: Clinic

    def close(self) -> None:
        self.engine.dispose()

    def schema_problem(self) -> str | None:
        """What is wrong with the database's schema revision for this program, and what to do; None if it is
        this program's. DatabaseUnavailable if the database cannot be reached."""
        current, head = self.clinic.uow.read(migrate.revision_of), migrate.head_revision()
        state = migrate.schema_state(current)
        if state is migrate.SchemaState.CURRENT:
            return None
        if state is migrate.SchemaState.NEWER:
            return (
                f"the database schema (revision {current}) is newer than this program (revision {head}):"
                " install the clinic's current version of Clinic Scheduler"
            )
        return (
            f"the database schema is at revision {current or 'none'}, this program needs {head}:"
            " ask IT to run `clinic-scheduler db upgrade`"
        )

    def check_schema(self) -> None:
        """SchemaMismatch unless the database is at this program's revision; DatabaseUnavailable if unreachable."""
        problem = self.schema_problem()
        if problem:
            raise SchemaMismatch(problem)

    def make_listener(
        self, on_change: Callable[[Change], None], on_state: Callable[[ListenerState], None]
    ) -> ScheduleListener:
        """A listener for this database's schedule changes, on a connection of its own (not started)."""
        return ScheduleListener(
            libpq_url(self.target.url),
            on_change,
            on_state,
            application_name=f"{workstation_name()} live",
            tcp_options=TCP_FAILURE_DETECTION,
        )


def database_error_message(exc: DBAPIError) -> str:
    """One line for people: whether the server was out of reach or refused, and its first line of why."""
    problem = "cannot reach the database" if isinstance(exc, OperationalError) else "the database refused"
    return f"{problem}: {first_line(exc.orig)}"


def open_runtime(*, check: bool = True) -> Runtime:
    """Connect to the configured database. The embedded one is migrated on the spot (it has no IT);
    a shared server must already be at this program's schema revision. With `check=False` a shared server
    is not contacted at all: the caller checks the schema later (a desk that starts while the server is
    out of reach opens offline and checks once it connects)."""
    settings = load_settings()
    target = resolve_database(settings)
    engine = make_engine(target.url)
    if target.is_embedded:
        migrate.upgrade(engine)
    clinic = Clinic(uow=UnitOfWork(engine), zone=settings.clinic_timezone, horizon_days=settings.booking_horizon_days)
    runtime = Runtime(settings, target, engine, clinic)
    if check and not target.is_embedded:
        runtime.check_schema()
    return runtime


def probe_connection(url: str, password: str | None, *, timeout_s: int = 5) -> str:
    """Connect once to `url` (the password, if given, is used for this connection only) and describe the server
    in one line, e.g. "PostgreSQL 18.4, schema 0002". A DomainError says, in one line, why it could not."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    from app.config import ConfigError, normalize_database_url

    try:
        engine_url = normalize_database_url(url)
    except ConfigError as exc:
        raise DomainError(str(exc)) from exc
    connect_args: dict[str, object] = {
        "connect_timeout": timeout_s,
        "application_name": workstation_name(),
        "options": f"-c statement_timeout={timeout_s * 1000}",  # a server that answers, then stalls
        **TCP_FAILURE_DETECTION,
    }
    if password:
        connect_args["password"] = password
    engine = create_engine(engine_url, poolclass=NullPool, connect_args=connect_args)
    try:
        with engine.connect() as conn:
            version = str(conn.execute(text("SHOW server_version")).scalar_one()).split()[0]
            revision = migrate.revision_of(conn)
    except DBAPIError as exc:
        raise DomainError(database_error_message(exc)) from exc
    finally:
        engine.dispose()
    described = f"PostgreSQL {version}, schema {revision or 'none'}"
    head = migrate.head_revision()
    if revision != head:
        described += f" (this program needs {head}: ask IT to run `clinic-scheduler db upgrade`)"
    return described
