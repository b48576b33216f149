"""Setting up providers: who they are, their weekly working hours and time off.

Every change runs in one transaction that first locks the provider's row, then checks that no live appointment
would be left behind, then writes: two admins changing the same provider take turns, and a booking or a move,
which share-locks the row and reads the rules again under it (app/services/booking.py), either committed first
(and is in the list of appointments in the way) or waits and is refused under its locks.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import Connection, text

from app.domain.errors import AffectedAppointment, InvalidInput, WouldOrphan
from app.domain.models import validate
from app.domain.schedule_setup import ProviderIn, TimeOffIn, check_id, fits_hours, validate_weekly_hours
from app.domain.slots import Interval, WorkingBlock
from app.services.context import Clinic
from app.services.schedule import Provider
from app.services.writes import write_refusing

# isodow -> blocks of that weekday
WeeklyHours = dict[int, list[WorkingBlock]]

# The database checks working hours and time off; these say what its refusals mean.
_REFUSALS = {
    "providers_name_key": ("name", "a provider with this name already exists"),
    "providers_name_not_blank": ("name", "must not be empty"),
    "working_hours_no_overlap": ("weekly_hours", "blocks of one weekday must not overlap"),
    "working_hours_end_after_start": ("weekly_hours", "a block must end after it starts"),
    "working_hours_slot_minutes_range": ("weekly_hours", "slot length must be 5 to 480 minutes"),
    "working_hours_weekday_range": ("weekly_hours", "weekday must be 1 (Monday) to 7 (Sunday)"),
    "time_off_provider_id_fkey": ("provider_id", "no such provider"),
    "time_off_end_after_start": ("ends_at", "must be after starts_at"),
}


def _run(clinic: Clinic, work):
    return write_refusing(clinic, work, _REFUSALS)


@dataclass(frozen=True)
class TimeOff:
    id: int
    starts_at: datetime
    ends_at: datetime
    reason: str


@dataclass(frozen=True)
class ProviderSetup:
    """What the admin screen shows for one provider: who they are, when they work, when they are off."""

    provider: Provider
    weekly_hours: WeeklyHours
    time_off: list[TimeOff]  # upcoming (not yet over), in time order


# --- reading --------------------------------------------------------------------------------------------------

_SETUP = text(
    "SELECT p.id, p.name, p.specialty, p.active,"
    " COALESCE((SELECT json_agg(json_build_array(w.weekday, w.start_time, w.end_time, w.slot_minutes)"
    "           ORDER BY w.weekday, w.start_time) FROM working_hours w WHERE w.provider_id = p.id), '[]') AS hours"
    " FROM providers p WHERE p.id = :id"
)
_UPCOMING_TIME_OFF = text(
    "SELECT id, starts_at, ends_at, reason FROM time_off WHERE provider_id = :id AND ends_at > :now"
    " ORDER BY starts_at, id"
)


def provider_setup(clinic: Clinic, provider_id: int) -> ProviderSetup:
    """One provider with their weekly hours and upcoming time off."""
    provider_id = check_id("provider_id", provider_id)

    def read(conn: Connection):
        row = conn.execute(_SETUP, {"id": provider_id}).one_or_none()
        off = conn.execute(_UPCOMING_TIME_OFF, {"id": provider_id, "now": clinic.now()}).all()
        return row, off

    row, off = clinic.uow.read(read)
    if row is None:
        raise InvalidInput.single("provider_id", "no such provider")
    weekly: WeeklyHours = {}
    for weekday, start, end, minutes in row.hours:
        weekly.setdefault(weekday, []).append(WorkingBlock(time.fromisoformat(start), time.fromisoformat(end), minutes))
    return ProviderSetup(
        provider=Provider(row.id, row.name, row.specialty, row.active),
        weekly_hours=weekly,
        time_off=[TimeOff(r.id, r.starts_at, r.ends_at, r.reason) for r in off],
    )


# --- the lock and the appointments in the way ----------------------------------------------------------------

_LOCK = text("SELECT id FROM providers WHERE id = :id FOR UPDATE")
# An appointment keeps its provider busy until `busy_until` (after its buffer): hours and time off must leave
# room for that too.
_LIVE = (
    "SELECT a.id, a.starts_at, a.busy_until, pt.first_name || ' ' || pt.last_name AS patient_name"
    " FROM appointments a JOIN patients pt ON pt.id = a.patient_id"
    " WHERE a.provider_id = :id AND a.status <> 'cancelled' AND a.busy_until > :now {where}"
    " ORDER BY a.starts_at, a.id"
)
_UPCOMING = text(_LIVE.format(where=""))
_UPCOMING_BETWEEN = text(_LIVE.format(where="AND a.starts_at < :ends_at AND a.busy_until > :starts_at"))


def _lock_provider(conn: Connection, provider_id: int) -> None:
    """Lock the provider's row for the rest of the transaction (another admin's change waits)."""
    if conn.execute(_LOCK, {"id": provider_id}).one_or_none() is None:
        raise InvalidInput.single("provider_id", "no such provider")


def affected(clinic: Clinic, rows: Sequence) -> list[AffectedAppointment]:
    return [AffectedAppointment(r.id, clinic.local(r.starts_at), r.patient_name) for r in rows]


def refuse_if_any(clinic: Clinic, rows: Sequence, field: str, reason: str) -> None:
    """Refuse the change if `rows` (live appointments, in time order) would be left behind."""
    if rows:
        count = f"{len(rows)} upcoming appointment{'' if len(rows) == 1 else 's'}"
        listed = affected(clinic, rows[: WouldOrphan.LISTED])
        raise WouldOrphan(field, reason.format(n=count), listed, len(rows))


# What each refusal says; {n} is "3 upcoming appointments".
STILL_BOOKED = "the provider still has {n}; move or cancel them before deactivating"
OUTSIDE_HOURS = "{n} would fall outside the new hours or off their slot grid; move or cancel them first"
COVERED_BY_TIME_OFF = "the time off covers {n}; move or cancel them first"


# --- changes ----------------------------------------------------------------------------------------------------


def _insert_hours(conn: Connection, provider_id: int, weekly_hours: Mapping[int, list[WorkingBlock]]) -> None:
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


def add_provider(clinic: Clinic, name: str, weekly_hours: WeeklyHours, specialty: str = "") -> int:
    """Create a provider with weekly working hours (wall-clock times in the clinic's zone); return the id."""
    provider = validate(ProviderIn, name=name, specialty=specialty)
    hours = validate_weekly_hours(weekly_hours)

    def work(conn: Connection) -> int:
        provider_id = conn.execute(
            text("INSERT INTO providers (name, specialty) VALUES (:name, :specialty) RETURNING id"),
            vars(provider),
        ).scalar_one()
        _insert_hours(conn, provider_id, hours)
        return provider_id

    return _run(clinic, work)


def update_provider(clinic: Clinic, provider_id: int, name: str, specialty: str) -> None:
    """Rename a provider or change their specialty."""
    provider_id = check_id("provider_id", provider_id)
    provider = validate(ProviderIn, name=name, specialty=specialty)

    def work(conn: Connection) -> None:
        _lock_provider(conn, provider_id)
        conn.execute(
            text("UPDATE providers SET name = :name, specialty = :specialty WHERE id = :id"),
            {**vars(provider), "id": provider_id},
        )

    _run(clinic, work)


def set_provider_active(clinic: Clinic, provider_id: int, active: bool) -> None:
    """Make a provider bookable again, or not; refused while they still have upcoming live appointments."""
    provider_id = check_id("provider_id", provider_id)
    if not isinstance(active, bool):
        raise InvalidInput.single("active", "must be true or false")

    def work(conn: Connection) -> None:
        _lock_provider(conn, provider_id)
        if not active:
            rows = conn.execute(_UPCOMING, {"id": provider_id, "now": clinic.now()}).all()
            refuse_if_any(clinic, rows, "active", STILL_BOOKED)
        conn.execute(
            text("UPDATE providers SET active = :active WHERE id = :id"), {"id": provider_id, "active": active}
        )

    _run(clinic, work)


def set_weekly_hours(clinic: Clinic, provider_id: int, weekly_hours: WeeklyHours) -> None:
    """Replace the provider's weekly hours; refused if an upcoming live appointment would fall outside them or
    off their slot grid."""
    provider_id = check_id("provider_id", provider_id)
    hours = validate_weekly_hours(weekly_hours)

    def work(conn: Connection) -> None:
        _lock_provider(conn, provider_id)
        upcoming = conn.execute(_UPCOMING, {"id": provider_id, "now": clinic.now()}).all()
        outside = [r for r in upcoming if not _fits(clinic, hours, r.starts_at, r.busy_until)]
        refuse_if_any(clinic, outside, "weekly_hours", OUTSIDE_HOURS)
        conn.execute(text("DELETE FROM working_hours WHERE provider_id = :id"), {"id": provider_id})
        _insert_hours(conn, provider_id, hours)

    _run(clinic, work)


def _fits(clinic: Clinic, hours: WeeklyHours, starts_at: datetime, busy_until: datetime) -> bool:
    day = clinic.local(starts_at).date()
    return fits_hours(day, hours.get(day.isoweekday(), []), clinic.zone, Interval(starts_at, busy_until))


def add_time_off(clinic: Clinic, provider_id: int, starts_at: datetime, ends_at: datetime, reason: str = "") -> int:
    """Record time off; refused if it covers an upcoming live appointment. Returns the time off's id."""
    provider_id = check_id("provider_id", provider_id)
    off = validate(TimeOffIn, starts_at=starts_at, ends_at=ends_at, reason=reason)

    def work(conn: Connection) -> int:
        _lock_provider(conn, provider_id)
        params = {"id": provider_id, "now": clinic.now(), "starts_at": off.starts_at, "ends_at": off.ends_at}
        rows = conn.execute(_UPCOMING_BETWEEN, params).all()
        refuse_if_any(clinic, rows, "starts_at", COVERED_BY_TIME_OFF)
        return conn.execute(
            text("INSERT INTO time_off (provider_id, starts_at, ends_at, reason) VALUES (:p, :s, :e, :r) RETURNING id"),
            {"p": provider_id, "s": off.starts_at, "e": off.ends_at, "r": off.reason},
        ).scalar_one()

    return _run(clinic, work)


def remove_time_off(clinic: Clinic, time_off_id: int) -> None:
    """Delete one stretch of time off (the provider is bookable then again)."""
    time_off_id = check_id("time_off_id", time_off_id)

    def work(conn: Connection) -> None:
        owner = conn.execute(text("SELECT provider_id FROM time_off WHERE id = :id"), {"id": time_off_id}).scalar()
        if owner is None:
            raise InvalidInput.single("time_off_id", "no such time off (it may have been removed at another desk)")
        _lock_provider(conn, owner)
        conn.execute(text("DELETE FROM time_off WHERE id = :id"), {"id": time_off_id})

    _run(clinic, work)
