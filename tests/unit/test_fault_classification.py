import psycopg
import pytest
from psycopg import errors
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from app.db.errors import Fault, classify


def _wrapped(orig: Exception, cls=OperationalError, invalidated: bool = False) -> DBAPIError:
    return cls("SELECT 1", {}, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("orig", "fault"),
    [
        (errors.SerializationFailure("x"), Fault.CONFLICT),
        (errors.DeadlockDetected("x"), Fault.CONFLICT),
        (errors.LockNotAvailable("x"), Fault.LOCK_TIMEOUT),
        (errors.AdminShutdown("x"), Fault.CONNECTION),
        (errors.CannotConnectNow("x"), Fault.CONNECTION),
        (errors.ConnectionFailure("x"), Fault.CONNECTION),
        (psycopg.OperationalError("server closed the connection unexpectedly"), Fault.CONNECTION),
        (errors.QueryCanceled("x"), Fault.OTHER),
    ],
)
def test_transient_faults_are_told_apart(orig, fault):
    assert classify(_wrapped(orig)) is fault


def test_an_invalidated_connection_is_a_connection_fault_whatever_the_error():
    assert classify(_wrapped(errors.QueryCanceled("x"), invalidated=True)) is Fault.CONNECTION


@pytest.mark.parametrize("orig", [errors.UniqueViolation("x"), errors.ExclusionViolation("x")])
def test_constraint_violations_are_not_retried(orig):
    assert classify(_wrapped(orig, cls=IntegrityError)) is Fault.OTHER
