"""Setting up providers: their weekly working hours and time off."""

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.domain.errors import InvalidInput
from app.domain.slots import WorkingBlock
from app.services.context import Clinic

# isodow -> blocks of that weekday
WeeklyHours = dict[int, list[WorkingBlock]]

# The database checks working hours and time off; these say what its refusals mean.
_REFUSALS = {
    "providers_name_key": ("name", "a provider with this name already exists"),
    "working_hours_no_overlap": ("weekly_hours", "blocks of one weekday must not overlap"),
    "working_hours_end_after_start": ("weekly_hours", "a block must end after it starts"),
    "working_hours_slot_minutes_range": ("weekly_hours", "slot length must be 5 to 480 minutes"),
    "working_hours_weekday_range": ("weekly_hours", "weekday must be 1 (Monday) to 7 (Sunday)"),
    "time_off_provider_id_fkey": ("provider_id", "no such provider"),
}


def _refusal(exc: IntegrityError) -> Exception:
    constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
    if constraint in _REFUSALS:
        return InvalidInput.single(*_REFUSALS[constraint])
    return exc


def add_provider(clinic: Clinic, name: str, weekly_hours: WeeklyHours, specialty: str = "") -> int:
    """Create a provider with weekly working hours (wall-clock times in the clinic's zone); return the id."""
    if not name.strip():
        raise InvalidInput.single("name", "must not be empty")

    def work(conn) -> int:
        provider_id = conn.execute(
            text("INSERT INTO providers (name, specialty) VALUES (:name, :specialty) RETURNING id"),
            {"name": name.strip(), "specialty": specialty},
        ).scalar_one()
        rows = [
            {"p": provider_id, "d": weekday, "s": block.start, "e": block.end, "m": block.slot_minutes}
            for weekday, blocks in weekly_hours.items()
            for block in blocks
        ]
        if rows:
            conn.execute(
                text(
                    "INSERT INTO working_hours (provider_id, weekday, start_time, end_time, slot_minutes)"
                    " VALUES (:p, :d, :s, :e, :m)"
                ),
                rows,
            )
        return provider_id

    try:
        return clinic.uow.run(work)
    except IntegrityError as exc:
        raise _refusal(exc) from exc


def add_time_off(clinic: Clinic, provider_id: int, starts_at: datetime, ends_at: datetime, reason: str = "") -> int:
    for field, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment.tzinfo is None:
            raise InvalidInput.single(field, "must include a time zone offset")
    if ends_at <= starts_at:
        raise InvalidInput.single("ends_at", "must be after starts_at")
    try:
        return clinic.uow.run(
            lambda conn: conn.execute(
                text(
                    "INSERT INTO time_off (provider_id, starts_at, ends_at, reason)"
                    " VALUES (:p, :s, :e, :r) RETURNING id"
                ),
                {"p": provider_id, "s": starts_at, "e": ends_at, "r": reason},
            ).scalar_one()
        )
    except IntegrityError as exc:
        raise _refusal(exc) from exc
