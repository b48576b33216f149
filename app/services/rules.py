"""A provider's scheduling rules for one day, and the length of the type asked about, read in one round trip."""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from uuid import UUID
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text

from app.db.pipeline import fetch_one
from app.domain.errors import InvalidInput, NotFound
from app.domain.slots import (
    Interval,
    Length,
    Span,
    WorkingBlock,
    covered_cells,
    free_room,
    free_spans,
    local_day_bounds,
    slot_grid,
    span_at,
    spans_in_blocks,
)
from app.services.context import Clinic

# The type's length for this provider (their own, else the type's) and its buffer; no type given: the default's.
_LENGTH = """
WITH length AS (
    SELECT t.id, COALESCE(o.minutes, t.minutes) AS minutes, t.buffer_minutes, t.room_kind
    FROM appointment_types t
    LEFT JOIN provider_type_lengths o ON o.type_id = t.id AND o.provider_id = :provider_id
    WHERE t.id = COALESCE(CAST(:type_id AS integer), (SELECT id FROM appointment_types WHERE is_default)))
"""
_DAY_RULES = (
    _LENGTH
    + """
SELECT p.active,
       COALESCE((SELECT json_agg(json_build_array(w.start_time, w.end_time, w.slot_minutes) ORDER BY w.start_time)
                 FROM working_hours w WHERE w.provider_id = p.id AND w.weekday = :weekday), '[]') AS blocks,
       COALESCE((SELECT json_agg(json_build_array(o.starts_at, o.ends_at))
                 FROM time_off o
                 WHERE o.provider_id = p.id AND o.starts_at < :day_end AND o.ends_at > :day_start), '[]') AS time_off,
       COALESCE((SELECT json_agg(json_build_array(c.starts_at, c.ends_at))
                 FROM closures c WHERE c.starts_at < :day_end AND c.ends_at > :day_start), '[]') AS closures,
       (SELECT json_build_array(id, minutes, buffer_minutes, room_kind) FROM length) AS length,
       (SELECT json_agg(json_build_array(r.id, COALESCE((
            SELECT json_agg(json_build_array(a.starts_at, a.busy_until)) FROM appointments a
            WHERE a.room_id = r.id AND a.status <> 'cancelled' AND a.id IS DISTINCT FROM CAST(:ignoring AS bigint)
              AND a.starts_at > CAST(:day_start AS timestamptz) - interval '1 day'
              AND a.starts_at < :day_end AND a.busy_until > :day_start), '[]')) ORDER BY r.id)
        FROM rooms r, length l WHERE r.active AND r.kind = l.room_kind) AS rooms
       {extra}
FROM providers p WHERE p.id = :provider_id
"""
)
# A live appointment keeps its provider busy from its start to its `busy_until` (after its buffer); none is longer
# than a day, which bounds the index scan by start.
_OVERLAPS_BUSY = (
    "a.provider_id = p.id AND a.status <> 'cancelled' AND a.starts_at > CAST({start} AS timestamptz) - interval '1 day'"
    " AND a.starts_at < {end} AND a.busy_until > {start}"
)
# For the free-time list: the provider's live appointments that day (but the one being moved, if any).
_BUSY = f""",
       COALESCE((SELECT json_agg(json_build_array(a.starts_at, a.busy_until)) FROM appointments a
                 WHERE {_OVERLAPS_BUSY.format(start=":day_start", end=":day_end")}
                   AND a.id IS DISTINCT FROM CAST(:ignoring AS bigint)), '[]') AS busy"""
_SPAN_END = "CAST(:holder_at AS timestamptz) + make_interval(mins => l.minutes + l.buffer_minutes)"
# For a booking: the request of a live appointment in the way of the span starting at `holder_at`, if any (as
# committed when the statement began); this request's own first, so that a retry recognises itself.
_HOLDER = f""",
       (SELECT a.request_id FROM appointments a, length l
        WHERE {_OVERLAPS_BUSY.format(start=":holder_at", end=_SPAN_END)}
        ORDER BY a.request_id = CAST(:request_id AS uuid) DESC LIMIT 1) AS holder"""
DAY_RULES_SQL = text(_DAY_RULES.format(extra=""))
DAY_RULES_WITH_BUSY_SQL = text(_DAY_RULES.format(extra=_BUSY))
DAY_RULES_WITH_HOLDER_SQL = text(_DAY_RULES.format(extra=_HOLDER))


@dataclass(frozen=True)
class ProviderDay:
    day: date
    zone: ZoneInfo
    blocks: list[WorkingBlock]
    time_off: list[Interval]
    closures: list[Interval]  # the whole clinic's
    busy: list[Interval]
    type_id: int
    length: Length  # of the type asked about, for this provider
    room_kind: str | None = None  # the kind of room the type needs, if it needs one
    rooms: dict[int, list[Interval]] = field(default_factory=dict)  # the kind's rooms in use: when they are taken
    holder_request: UUID | None = None  # the request that booked what is in the way of the span at `holder_at`

    def spans(self) -> list[Span]:
        """Every span of the type's length that fits the day's working hours, in time order."""
        return spans_in_blocks(self.day, self.blocks, self.zone, self.length)

    def span_at(self, start: datetime, field: str = "start") -> Span:
        """The span of the type's length starting at `start`, or InvalidInput saying why it cannot be booked."""
        span = span_at(self.day, self.blocks, self.zone, self.length, start)
        if span is None:
            raise InvalidInput.single(field, self._why_no_span_at(start))
        if any(span.busy.overlaps(off) for off in self.time_off):
            raise InvalidInput.single(field, "the provider is off at that time")
        if any(span.busy.overlaps(closed) for closed in self.closures):
            raise InvalidInput.single(field, "the clinic is closed at that time")
        return span

    @property
    def unavailable(self) -> list[Interval]:
        """What no span may overlap: time off, closures and (if read) the provider's appointments."""
        return self.time_off + self.closures + self.busy

    def _why_no_span_at(self, start: datetime) -> str:
        if not self.blocks:
            return f"the provider does not work on {self.day.isoformat()}"
        grid = slot_grid(self.day, self.blocks, self.zone)
        if not any(cell.start <= start < cell.end for cell in grid):  # before, after or between blocks
            return "is outside the provider's working hours"
        if any(cell.start == start for cell in grid):
            minutes = self.length.minutes + self.length.buffer_minutes
            return f"a {minutes}-minute appointment starting then would run past the end of the provider's hours"
        return "is not on the provider's slot grid (choose one of the listed times)"

    def free_room(self, span: Span, wanted: int | None = None) -> int | None:
        """A room the span can take (`wanted`, if given), or None; with no room needed, None too."""
        return free_room(self.rooms, span, wanted)

    def free_spans(self, now: datetime, horizon_end: datetime) -> list[Span]:
        """The spans that are free for the provider (and, where the type needs one, a room of its kind)."""
        free = free_spans(self.spans(), self.unavailable, now, horizon_end)
        return [span for span in free if self.room_kind is None or self.free_room(span) is not None]

    def cells(self, span: Span) -> list[Interval]:
        """The grid positions the span's busy part covers: the rows a booking locks."""
        return covered_cells(self.day, self.blocks, self.zone, span)


def _intervals(pairs: list[list[str]]) -> list[Interval]:
    return [Interval(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in pairs]


def _length(row, type_id: int | None) -> tuple[int, Length]:
    if row.length is None:
        if type_id is None:
            raise InvalidInput.single("type_id", "choose an appointment type")
        raise InvalidInput.single("type_id", "no such appointment type")
    found, minutes, buffer_minutes, _room_kind = row.length
    return found, Length(minutes, buffer_minutes)


def load_provider_day(
    clinic: Clinic,
    conn: Connection,
    provider_id: int,
    day: date,
    *,
    type_id: int | None = None,
    with_busy: bool = False,
    holder_at: datetime | None = None,
    request_id: UUID | None = None,
    ignoring: int | None = None,
) -> ProviderDay:
    """The provider's rules for `day` and the length of `type_id` (None: the default type) for them; with
    `with_busy` also their live appointments (but `ignoring`, the one being moved), with `holder_at` also what is
    in the way of the span starting then (`request_id`'s own booking first). One round trip either way."""
    bounds = local_day_bounds(day, clinic.zone)
    statement = DAY_RULES_WITH_BUSY_SQL if with_busy else DAY_RULES_WITH_HOLDER_SQL if holder_at else DAY_RULES_SQL
    params = {"provider_id": provider_id, "weekday": day.isoweekday(), "day_start": bounds.start, "type_id": type_id}
    params |= {"day_end": bounds.end, "holder_at": holder_at, "request_id": request_id, "ignoring": ignoring}
    row = fetch_one(conn, statement, params)
    if row is None:
        raise NotFound("provider_id", "provider", provider_id)
    if not row.active:
        raise InvalidInput.single("provider_id", f"provider {provider_id} is no longer active")
    found_type, length = _length(row, type_id)
    return ProviderDay(
        day=day,
        zone=clinic.zone,
        blocks=[WorkingBlock(time.fromisoformat(s), time.fromisoformat(e), m) for s, e, m in row.blocks],
        time_off=_intervals(row.time_off),
        closures=_intervals(row.closures),
        busy=_intervals(row.busy) if with_busy else [],
        type_id=found_type,
        length=length,
        room_kind=row.length[3],
        rooms={room: _intervals(taken) for room, taken in row.rooms or []},
        holder_request=getattr(row, "holder", None),
    )


def check_bookable_time(clinic: Clinic, start: datetime, field: str = "start") -> None:
    """Refuse times in the past or beyond the booking horizon, before touching the database."""
    if start <= clinic.now():
        raise InvalidInput.single(field, "is in the past")
    if start > clinic.horizon_end():
        raise InvalidInput.single(field, f"is more than {clinic.horizon_days} days ahead")
