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


def _block_starts(bounds: Interval, step: timedelta) -> list[datetime]:
    """The grid's starts in a block's bounds (UTC): every `step` from its start, while a whole step fits."""
    starts, start = [], bounds.start.astimezone(UTC)
    while start + step <= bounds.end:
        starts.append(start)
        start += step
    return starts


def slot_grid(day: date, blocks: list[WorkingBlock], zone: ZoneInfo) -> list[Interval]:
    """Every slot of the day's working blocks, in time order, as UTC intervals."""
    slots: set[Interval] = set()
    for block in blocks:
        step = timedelta(minutes=block.slot_minutes)
        slots.update(Interval(start, start + step) for start in _block_starts(block_bounds(day, block, zone), step))
    return sorted(slots)


@dataclass(frozen=True)
class Length:
    """How long an appointment lasts, and how long its provider stays busy after it (cleaning, notes)."""

    minutes: int
    buffer_minutes: int = 0

    def span_from(self, start: datetime) -> "Span":
        end = start + timedelta(minutes=self.minutes)
        return Span(start, end, end + timedelta(minutes=self.buffer_minutes))


@dataclass(frozen=True, order=True)
class Span:
    """What a booking takes: the appointment `[start, end)`, and its provider until `busy_until` (the buffer)."""

    start: datetime
    end: datetime
    busy_until: datetime

    @property
    def busy(self) -> Interval:
        return Interval(self.start, self.busy_until)


def spans_in_blocks(day: date, blocks: list[WorkingBlock], zone: ZoneInfo, length: Length) -> list[Span]:
    """Every span of `length` that starts on the day's grid and whose busy part ends inside the same block."""
    spans: set[Span] = set()
    for block in blocks:
        bounds = block_bounds(day, block, zone)
        spans.update(
            span
            for start in _block_starts(bounds, timedelta(minutes=block.slot_minutes))
            if (span := length.span_from(start)).busy_until <= bounds.end
        )
    return sorted(spans)


def span_at(day: date, blocks: list[WorkingBlock], zone: ZoneInfo, length: Length, start: datetime) -> Span | None:
    """The span of `length` starting at `start` if that is on a block's grid and its busy part ends inside the
    block, else None; without building the whole grid."""
    for block in blocks:
        bounds = block_bounds(day, block, zone)
        offset, step = start - bounds.start, timedelta(minutes=block.slot_minutes)
        span = length.span_from(start.astimezone(UTC))
        # A grid start is one where a whole step of the grid fits, as in the grid itself.
        on_grid = offset >= timedelta(0) and offset % step == timedelta(0) and start + step <= bounds.end
        if on_grid and span.busy_until <= bounds.end:
            return span
    return None


def covered_cells(day: date, blocks: list[WorkingBlock], zone: ZoneInfo, span: Span) -> list[Interval]:
    """The grid positions of the block holding `span` that its busy part overlaps, in time order. Two spans that
    overlap on one grid share at least one of them: a booking locks their rows, so overlapping bookings queue on a
    common row whichever grid positions they start at."""
    for block in blocks:
        bounds = block_bounds(day, block, zone)
        if bounds.start <= span.start and span.busy_until <= bounds.end:
            step = timedelta(minutes=block.slot_minutes)
            return [
                Interval(start, start + step)
                for start in _block_starts(bounds, step)
                if start < span.busy_until and start + step > span.start
            ]
    return []


def free_spans(
    spans: list[Span], unavailable: list[Interval], now: datetime, horizon_end: datetime | None = None
) -> list[Span]:
    """The spans that start after `now` (and before `horizon_end`) whose busy part overlaps nothing unavailable."""
    return [
        span
        for span in spans
        if span.start > now
        and (horizon_end is None or span.start <= horizon_end)
        and not any(span.busy.overlaps(busy) for busy in unavailable)
    ]


def free_room(rooms: dict[int, list[Interval]], span: Span, wanted: int | None = None) -> int | None:
    """The first of `rooms` (id to the times it is taken) free over the span and its buffer, or `wanted` if it is
    free; None if none is."""
    candidates = [wanted] if wanted is not None else sorted(rooms)
    return next(
        (room for room in candidates if room in rooms and not any(span.busy.overlaps(t) for t in rooms[room])), None
    )
