"""What a database error means, decided in one place: psycopg's exception classes (one per SQLSTATE) under
SQLAlchemy's wrappers. The unit of work, the services, the start, the sign-in and `doctor` ask here."""

import re
from enum import Enum, auto

import psycopg
from psycopg import errors as pg
from sqlalchemy.exc import DBAPIError


class Fault(Enum):
    CONFLICT = auto()  # serialization failure or deadlock: the same transaction will likely pass
    LOCK_TIMEOUT = auto()  # another session holds the row
    CONNECTION = auto()  # connection lost or server unreachable; a commit's outcome may be unknown
    OTHER = auto()


# The connection failed or broke (class 08, whose psycopg classes share no base of their own), or the
# server is going away or not taking connections yet (57P01-57P03).
_CONNECTION_GONE = (
    pg.ConnectionException,
    pg.ConnectionDoesNotExist,
    pg.ConnectionFailure,
    pg.SqlclientUnableToEstablishSqlconnection,
    pg.SqlserverRejectedEstablishmentOfSqlconnection,
    pg.TransactionResolutionUnknown,
    pg.ProtocolViolation,
    pg.AdminShutdown,
    pg.CrashShutdown,
    pg.CannotConnectNow,
)


def driver_error(exc: BaseException) -> BaseException:
    """psycopg's own exception under a SQLAlchemy wrapper (or `exc` itself)."""
    orig = getattr(exc, "orig", None) if isinstance(exc, DBAPIError) else None
    return orig if orig is not None else exc


def classify(exc: BaseException) -> Fault:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return Fault.CONNECTION
    error = driver_error(exc)
    if isinstance(error, pg.SerializationFailure | pg.DeadlockDetected):
        return Fault.CONFLICT
    if isinstance(error, pg.LockNotAvailable):
        return Fault.LOCK_TIMEOUT
    if isinstance(error, _CONNECTION_GONE):
        return Fault.CONNECTION
    # A connection that failed or broke has no SQLSTATE: psycopg raises its plain OperationalError. (A SQLSTATE
    # psycopg has no class for comes as a plain OperationalError too, with its code: not a lost connection.)
    if type(error) is psycopg.OperationalError and getattr(error, "sqlstate", None) is None:
        return Fault.CONNECTION
    return Fault.OTHER


def not_allowed(exc: BaseException) -> bool:
    """The signed-in role lacks the privilege: the database is the guard."""
    return isinstance(driver_error(exc), pg.InsufficientPrivilege)


def refused_by_function(exc: BaseException) -> bool:
    """A staff_* function refused its argument (bad value, no such member, name taken)."""
    return isinstance(driver_error(exc), pg.InvalidParameterValue | pg.UndefinedObject | pg.DuplicateObject)


def feature_not_supported(exc: BaseException) -> bool:
    return isinstance(driver_error(exc), pg.FeatureNotSupported)


def duplicate_database(exc: BaseException) -> bool:
    return isinstance(driver_error(exc), pg.DuplicateDatabase)


def undefined_column(exc: BaseException) -> bool:
    """A statement named a column the table or view does not have (an older schema)."""
    return isinstance(driver_error(exc), pg.UndefinedColumn)


def missing_value(exc: BaseException) -> bool:
    """A NOT NULL column was given no value."""
    return isinstance(driver_error(exc), pg.NotNullViolation)


def violated_constraint(exc: BaseException) -> str | None:
    """The name of the constraint an integrity error broke, if the server named one."""
    error = driver_error(exc)
    if not isinstance(error, psycopg.IntegrityError):
        return None
    return error.diag.constraint_name


_LOCKED_RELATION = re.compile(r'in relation "([^"]+)"')


def locked_table(exc: BaseException) -> str | None:
    """The table whose row a lock timeout waited for, from the server's context line."""
    context = getattr(getattr(driver_error(exc), "diag", None), "context", None) or ""
    found = _LOCKED_RELATION.search(context)
    return found.group(1) if found else None


def primary_message(exc: BaseException) -> str:
    """The server's own one-line message (without its DETAIL, HINT or context)."""
    error = driver_error(exc)
    diag = getattr(error, "diag", None)
    return (diag.message_primary if diag is not None else None) or str(error).splitlines()[0]
