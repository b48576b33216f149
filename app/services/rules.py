"""A provider's scheduling rules for one day, read in one round trip."""

from dataclasses import dataclass
from datetime import date, datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from app.domain.errors import InvalidInput, NotFound
from app.domain.slots import Interval, WorkingBlock, grid_slot_at, local_day_bounds, slot_grid
from app.services.context import Clinic

_DAY_RULES = """
SELECT p.active,
       COALESCE((SELECT json_agg(json_build_array(w.start_time, w.end_time, w.slot_minutes) ORDER BY w.start_time)
                 FROM working_hours w WHERE w.provider_id = p.id AND w.weekday = :weekday), '[]') AS blocks,
       COALESCE((SELECT json_agg(json_build_array(o.starts_at, o.ends_at))
                 FROM time_off o
                 WHERE o.provider_id = p.id AND o.starts_at < :day_end AND o.ends_at > :day_start), '[]') AS time_off
       {extra}
FROM providers p WHERE p.id = :provider_id
"""
# For the free-slot list: the provider's live appointments that day.
_BUSY = """,
       COALESCE((SELECT json_agg(json_build_array(a.starts_at, a.ends_at))
                 FROM appointments a
                 WHERE a.provider_id = p.id AND a.status <> 'cancelled'
                   AND a.starts_at >= CAST(:day_start AS timestamptz) - interval '1 day'
                   AND a.starts_at < :day_end AND a.ends_at > :day_start), '[]') AS busy"""
# For a booking: which request holds the wanted slot already, if any (as committed when the statement began).
_HOLDER = """,
       (SELECT a.request_id
        FROM time_slots s JOIN appointments a ON a.slot_id = s.id AND a.status <> 'cancelled'
        WHERE s.provider_id = p.id AND s.start_time = :holder_at) AS holder"""
DAY_RULES_SQL = text(_DAY_RULES.format(extra=""))
DAY_RULES_WITH_BUSY_SQL = text(_DAY_RULES.format(extra=_BUSY))
DAY_RULES_WITH_HOLDER_SQL = text(_DAY_RULES.format(extra=_HOLDER))


@dataclass(frozen=True)
class ProviderDay:
    day: date
    zone: ZoneInfo
    blocks: list[WorkingBlock]
    time_off: list[Interval]
    busy: list[Interval]
    holder_request: UUID | None = None  # the request that booked the slot asked about with `holder_at`

    @property
    def grid(self) -> list[Interval]:
        return slot_grid(self.day, self.blocks, self.zone)

    def slot_at(self, start: datetime, field: str = "start") -> Interval:
        """The grid slot starting at `start`, or InvalidInput saying why there is none."""
        slot = grid_slot_at(self.day, self.blocks, self.zone, start)
        if slot is None:
            if not self.blocks:
                raise InvalidInput.single(field, f"the provider does not work on {self.day.isoformat()}")
            if not any(s.start <= start < s.end for s in self.grid):  # before, after or between blocks
                raise InvalidInput.single(field, "is outside the provider's working hours")
            raise InvalidInput.single(field, "is not on the provider's slot grid (choose one of the listed times)")
        if any(slot.overlaps(off) for off in self.time_off):
            raise InvalidInput.single(field, "the provider is off at that time")
        return slot


def _intervals(pairs: list[list[str]]) -> list[Interval]:
    return [Interval(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in pairs]


def load_provider_day(
    clinic: Clinic,
    conn: Connection,
    provider_id: int,
    day: date,
    *,
    with_busy: bool = False,
    holder_at: datetime | None = None,
) -> ProviderDay:
    """The provider's rules for `day`; with `with_busy` also their live appointments, with `holder_at` also
    who holds the slot starting then. One round trip either way."""
    bounds = local_day_bounds(day, clinic.zone)
    statement = DAY_RULES_WITH_BUSY_SQL if with_busy else DAY_RULES_WITH_HOLDER_SQL if holder_at else DAY_RULES_SQL
    params = {"provider_id": provider_id, "weekday": day.isoweekday(), "day_start": bounds.start}
    row = conn.execute(statement, {**params, "day_end": bounds.end, "holder_at": holder_at}).one_or_none()
    if row is None:
        raise NotFound("provider_id", "provider", provider_id)
    if not row.active:
        raise InvalidInput.single("provider_id", f"provider {provider_id} is no longer active")
    holder = getattr(row, "holder", None)
    return ProviderDay(
        day=day,
        zone=clinic.zone,
        blocks=[WorkingBlock(time.fromisoformat(s), time.fromisoformat(e), m) for s, e, m in row.blocks],
        time_off=_intervals(row.time_off),
        busy=_intervals(row.busy) if with_busy else [],
        holder_request=holder,
    )


def check_bookable_time(clinic: Clinic, start: datetime, field: str = "start") -> None:
    """Refuse times in the past or beyond the booking horizon, before touching the database."""
    if start <= clinic.now():
        raise InvalidInput.single(field, "is in the past")
    if start > clinic.horizon_end():
        raise InvalidInput.single(field, f"is more than {clinic.horizon_days} days ahead")
