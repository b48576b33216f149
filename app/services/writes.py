"""A write whose constraint violations are refusals the desk can show: constraint name -> (field, message)."""

from collections.abc import Callable, Mapping
from typing import TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from app.db.errors import violated_constraint
from app.domain.errors import InvalidInput
from app.services.context import Clinic

T = TypeVar("T")


def write_refusing(clinic: Clinic, work: Callable[[Connection], T], refusals: Mapping[str, tuple[str, str]]) -> T:
    """`clinic.uow.write(work)`; a violation of one of `refusals`' constraints becomes InvalidInput at its field."""
    try:
        return clinic.uow.write(work)
    except IntegrityError as exc:
        constraint = violated_constraint(exc)
        if constraint in refusals:
            raise InvalidInput.single(*refusals[constraint]) from exc
        raise
