"""Clinic-wide closures: public holidays, the clinic shut. No provider can be booked while the clinic is closed.

Adding a closure locks every provider's row (a booking share-locks its provider's), then looks for the live
appointments it would cover: a closure over bookings is refused with the list, as time off is, and a booking in
flight either committed first (and is in the list) or waits and is refused under its locks.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from app.domain.errors import InvalidInput
from app.domain.models import validate
from app.domain.schedule_setup import TimeOffIn, check_id
from app.services.context import Clinic
from app.services.providers import refuse_if_any
from app.services.writes import write_refusing

COVERED_BY_CLOSURE = "the closure covers {n}; move or cancel them first"
_REFUSALS = {"closures_end_after_start": ("ends_at", "must be after starts_at")}
_LOCK_ALL_PROVIDERS = text("SELECT id FROM providers ORDER BY id FOR UPDATE")
_COVERED = text(
    "SELECT a.id, a.starts_at, pt.first_name || ' ' || pt.last_name AS patient_name"
    " FROM appointments a JOIN patients pt ON pt.id = a.patient_id"
    " WHERE a.status <> 'cancelled' AND a.busy_until > :now AND a.starts_at < :ends_at AND a.busy_until > :starts_at"
    " ORDER BY a.starts_at, a.id"
)
_UPCOMING = text("SELECT id, starts_at, ends_at, reason FROM closures WHERE ends_at > :now ORDER BY starts_at, id")


@dataclass(frozen=True)
class Closure:
    id: int
    starts_at: datetime
    ends_at: datetime
    reason: str


def upcoming_closures(clinic: Clinic) -> list[Closure]:
    """The closures not yet over, in time order."""
    rows = clinic.uow.read(lambda conn: conn.execute(_UPCOMING, {"now": clinic.now()}).all())
    return [Closure(**row._mapping) for row in rows]


def add_closure(clinic: Clinic, starts_at: datetime, ends_at: datetime, reason: str = "") -> int:
    """Close the clinic from `starts_at` to `ends_at`; refused (WouldOrphan) while live appointments lie in it."""
    closure = validate(TimeOffIn, starts_at=starts_at, ends_at=ends_at, reason=reason)

    def work(conn: Connection) -> int:
        conn.execute(_LOCK_ALL_PROVIDERS)  # in id order, as every admin change that locks several does
        covered = conn.execute(_COVERED, {**vars(closure), "now": clinic.now()}).all()
        refuse_if_any(clinic, covered, "starts_at", COVERED_BY_CLOSURE)
        return conn.execute(
            text(
                "INSERT INTO closures (starts_at, ends_at, reason) VALUES (:starts_at, :ends_at, :reason) RETURNING id"
            ),
            vars(closure),
        ).scalar_one()

    return write_refusing(clinic, work, _REFUSALS)


def remove_closure(clinic: Clinic, closure_id: int) -> None:
    """Open the clinic again for that stretch (bookable from then on)."""
    closure_id = check_id("closure_id", closure_id)

    def work(conn: Connection) -> None:
        if conn.execute(text("DELETE FROM closures WHERE id = :id"), {"id": closure_id}).rowcount == 0:
            raise InvalidInput.single("closure_id", "no such closure (it may have been removed at another desk)")

    write_refusing(clinic, work, _REFUSALS)
