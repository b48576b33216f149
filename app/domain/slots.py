"""The slot grid and free-slot calculation: pure functions over aware datetimes.

Working hours are wall-clock times in the clinic's zone. A block is converted to absolute time first
and then cut into slots, so a block that spans a DST change holds as many slots as real time allows.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WorkingBlock:
    """One stretch of a provider's working day, cut into slots of `slot_minutes`."""

    start: time
    end: time
    slot_minutes: int


@dataclass(frozen=True, order=True)
class Interval:
    start: datetime
    end: datetime

    def overlaps(self, other: "Interval") -> bool:
        return self.start < other.end and other.start < self.end


def local_day_bounds(day: date, zone: ZoneInfo) -> Interval:
    """The absolute interval covered by a calendar day in `zone`."""
    start = datetime.combine(day, time.min, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
    return Interval(start.astimezone(UTC), end.astimezone(UTC))


def wall_time_to_utc(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """The absolute moment of a wall-clock time. A time skipped by a spring-forward change is read as the
    moment of the change (clocks never showed it); a repeated time of a fall-back change as its first pass."""
    naive = datetime.combine(day, wall)
    first = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == naive:
        return first
    # In a gap: fold=1 lands before the change, fold=0 after it; bisect to the change itself.
    before, after = naive.replace(tzinfo=zone, fold=1).astimezone(UTC), first
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        if middle.astimezone(zone).replace(tzinfo=None) >= naive:
            after = middle
        else:
            before = middle
    return after.replace(microsecond=0)


def block_bounds(day: date, block: WorkingBlock, zone: ZoneInfo) -> Interval:
    """The absolute interval a working block covers on `day` (it may be empty on a DST change)."""
    return Interval(wall_time_to_utc(day, block.start, zone), wall_time_to_utc(day, block.end, zone))


def slot_grid(day: date, blocks: list[WorkingBlock], zone: ZoneInfo) -> list[Interval]:
    """Every slot of the day's working blocks, in time order, as UTC intervals."""
    slots: list[Interval] = []
    for block in blocks:
        bounds = block_bounds(day, block, zone)
        length = timedelta(minutes=block.slot_minutes)
        start = bounds.start
        while start + length <= bounds.end:
            slots.append(Interval(start, start + length))
            start += length
    return sorted(set(slots))


def grid_slot_at(day: date, blocks: list[WorkingBlock], zone: ZoneInfo, start: datetime) -> Interval | None:
    """The slot of the day's grid that starts at `start`, or None; without building the whole grid."""
    for block in blocks:
        bounds = block_bounds(day, block, zone)
        length = timedelta(minutes=block.slot_minutes)
        offset = start - bounds.start
        if offset >= timedelta(0) and offset % length == timedelta(0) and start + length <= bounds.end:
            return Interval(start.astimezone(UTC), start.astimezone(UTC) + length)
    return None


def free_slots(
    grid: list[Interval], unavailable: list[Interval], now: datetime, horizon_end: datetime | None = None
) -> list[Interval]:
    """The slots of `grid` that start after `now` (and before `horizon_end`) and overlap nothing unavailable."""
    return [
        slot
        for slot in grid
        if slot.start > now
        and (horizon_end is None or slot.start <= horizon_end)
        and not any(slot.overlaps(busy) for busy in unavailable)
    ]
