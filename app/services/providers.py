"""Setting up providers: their weekly working hours and time off."""

from datetime import datetime

from sqlalchemy import text

from app.domain.errors import InvalidInput
from app.domain.slots import WorkingBlock
from app.services.context import Clinic

# isodow -> blocks of that weekday
WeeklyHours = dict[int, list[WorkingBlock]]


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

    return clinic.uow.run(work)


def add_time_off(clinic: Clinic, provider_id: int, starts_at: datetime, ends_at: datetime, reason: str = "") -> int:
    if ends_at <= starts_at:
        raise InvalidInput.single("ends_at", "must be after starts_at")
    return clinic.uow.run(
        lambda conn: conn.execute(
            text("INSERT INTO time_off (provider_id, starts_at, ends_at, reason) VALUES (:p, :s, :e, :r) RETURNING id"),
            {"p": provider_id, "s": starts_at, "e": ends_at, "r": reason},
        ).scalar_one()
    )
