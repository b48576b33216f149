"""Who works when: providers' working hours and time off over a range of days, for shading the views."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import text

from app.domain.models import DateRangeQuery, validate
from app.domain.slots import Interval, WorkingBlock, block_bounds
from app.services.context import Clinic

_HOURS = text(
    "SELECT p.id, w.weekday, w.start_time, w.end_time, w.slot_minutes"
    " FROM providers p JOIN working_hours w ON w.provider_id = p.id"
    " WHERE p.active AND (CAST(:provider_id AS integer) IS NULL OR p.id = :provider_id)"
    " ORDER BY p.id, w.weekday, w.start_time"
)
_TIME_OFF = text(
    "SELECT o.provider_id, o.starts_at, o.ends_at FROM time_off o JOIN providers p ON p.id = o.provider_id"
    " WHERE p.active AND o.starts_at < :end AND o.ends_at > :start"
    " AND (CAST(:provider_id AS integer) IS NULL OR o.provider_id = :provider_id)"
)


@dataclass(frozen=True)
class ProviderHours:
    """One provider's day: when they work (absolute intervals) and when they are off."""

    provider_id: int
    day: date
    working: list[Interval]
    time_off: list[Interval]

    @property
    def works(self) -> bool:
        return bool(self.working)

    @property
    def fully_off(self) -> bool:
        """Works that weekday, but time off covers every working hour."""
        return self.works and all(self._covered(w) for w in self.working)

    def _covered(self, interval: Interval) -> bool:
        return any(o.start <= interval.start and interval.end <= o.end for o in self.time_off)


def working_calendar(
    clinic: Clinic, first_day: date, last_day: date, provider_id: int | None = None
) -> dict[date, list[ProviderHours]]:
    """For each clinic day `first_day` .. `last_day`, each active provider's (or one provider's) hours."""
    query = validate(DateRangeQuery, first_day=first_day, last_day=last_day, provider_id=provider_id)
    start = datetime.combine(query.first_day, time.min, tzinfo=clinic.zone)
    end = datetime.combine(query.last_day + timedelta(days=1), time.min, tzinfo=clinic.zone)
    params = {"provider_id": query.provider_id, "start": start, "end": end}

    def read(conn):
        return conn.execute(_HOURS, params).all(), conn.execute(_TIME_OFF, params).all()

    hour_rows, off_rows = clinic.uow.read(read)
    weekly: dict[int, dict[int, list[WorkingBlock]]] = {}
    for provider, weekday, block_start, block_end, minutes in hour_rows:
        weekly.setdefault(provider, {}).setdefault(weekday, []).append(WorkingBlock(block_start, block_end, minutes))
    time_off: dict[int, list[Interval]] = {}
    for provider, off_start, off_end in off_rows:
        time_off.setdefault(provider, []).append(Interval(off_start, off_end))

    calendar: dict[date, list[ProviderHours]] = {}
    day = query.first_day
    while day <= query.last_day:
        calendar[day] = [
            ProviderHours(
                provider_id=provider,
                day=day,
                working=[block_bounds(day, block, clinic.zone) for block in weekdays.get(day.isoweekday(), [])],
                time_off=[o for o in time_off.get(provider, []) if _touches_day(o, day, clinic)],
            )
            for provider, weekdays in weekly.items()
        ]
        day += timedelta(days=1)
    return calendar


def _touches_day(interval: Interval, day: date, clinic: Clinic) -> bool:
    day_start = datetime.combine(day, time.min, tzinfo=clinic.zone)
    return interval.start < day_start + timedelta(days=1) and interval.end > day_start
