"""Opening the clinic for a process: settings, database, schema check, services."""

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from app.config import Settings, load_settings
from app.db import migrate
from app.db.connect import DatabaseTarget, resolve_database
from app.db.engine import make_engine
from app.domain.errors import DomainError
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


def database_error_message(exc: DBAPIError) -> str:
    """One line for people: whether the server was out of reach or refused, and its first line of why."""
    problem = "cannot reach the database" if isinstance(exc, OperationalError) else "the database refused"
    return f"{problem}: {str(exc.orig).strip().splitlines()[0]}"


def check_schema(engine: Engine) -> None:
    current, head = migrate.current_revision(engine), migrate.head_revision()
    if current != head:
        raise SchemaMismatch(
            f"the database schema is at revision {current or 'none'}, this program needs {head}:"
            " ask IT to run `clinic-scheduler db upgrade`"
        )


def open_runtime(*, check: bool = True) -> Runtime:
    """Connect to the configured database. The embedded one is migrated on the spot (it has no IT);
    a shared server must already be at this program's schema revision."""
    settings = load_settings()
    target = resolve_database(settings)
    engine = make_engine(target.url)
    if target.is_embedded:
        migrate.upgrade(engine)
    elif check:
        check_schema(engine)
    clinic = Clinic(uow=UnitOfWork(engine), zone=settings.clinic_timezone, horizon_days=settings.booking_horizon_days)
    return Runtime(settings, target, engine, clinic)
