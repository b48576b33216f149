"""Next available: the first free times for an appointment type, across providers, from a day on.

The providers' hours, time off, live appointments and lengths for the type are read a fortnight at a time, one
statement per fortnight (the appointments through the index on `(provider_id, starts_at)`), and the spans that
fit are worked out here, with the same rules as the free-time list: on the grid, the whole span and its buffer
inside one block of the hours, clear of time off, closures and the provider's appointments, and of the patient's own
appointments when a patient is given.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import text

from app.domain.errors import InvalidInput
from app.domain.models import NextFreeQuery, validate
from app.domain.slots import Interval, Length, WorkingBlock, free_room, free_spans, local_day_bounds, spans_in_blocks
from app.services.context import Clinic

WINDOW_DAYS = 14
NOON = time(12)


@dataclass(frozen=True)
class FreeTime:
    start: datetime  # UTC
    end: datetime
    provider_id: int
    provider_name: str
    room_id: int | None = None  # the first free room of the kind the type needs, if it needs one


_TYPE = "COALESCE(CAST(:type_id AS integer), (SELECT id FROM appointment_types WHERE is_default))"
_WINDOW = text(
    "SELECT p.id, p.name,"
    " (SELECT json_build_array(t.id, COALESCE(l.minutes, t.minutes), t.buffer_minutes, t.room_kind)"
    " FROM appointment_types t"
    " LEFT JOIN provider_type_lengths l ON l.type_id = t.id AND l.provider_id = p.id"
    f" WHERE t.id = {_TYPE}) AS length,"
    " COALESCE((SELECT json_agg(json_build_array(w.weekday, w.start_time, w.end_time, w.slot_minutes))"
    " FROM working_hours w WHERE w.provider_id = p.id), '[]') AS hours,"
    " COALESCE((SELECT json_agg(json_build_array(o.starts_at, o.ends_at)) FROM (SELECT starts_at, ends_at"
    " FROM time_off WHERE provider_id = p.id UNION ALL SELECT starts_at, ends_at FROM closures) AS o"
    " WHERE o.starts_at < :end AND o.ends_at > :start), '[]') AS time_off,"
    " COALESCE((SELECT json_agg(json_build_array(a.starts_at, a.busy_until)) FROM appointments a"
    " WHERE a.provider_id = p.id AND a.status <> 'cancelled' AND a.starts_at > CAST(:start AS timestamptz)"
    " - interval '1 day' AND a.starts_at < :end AND a.busy_until > :start), '[]') AS busy"
    " FROM providers p WHERE p.active AND (CAST(:provider_id AS integer) IS NULL OR p.id = :provider_id)"
    " AND (CAST(:specialty AS text) IS NULL OR p.specialty = :specialty) ORDER BY p.name, p.id"
)
# The rooms of the kind the type needs (none if it needs none), and when they are taken in the window.
_ROOMS = text(
    "SELECT r.id, COALESCE((SELECT json_agg(json_build_array(a.starts_at, a.busy_until)) FROM appointments a"
    " WHERE a.room_id = r.id AND a.status <> 'cancelled' AND a.starts_at > CAST(:start AS timestamptz)"
    " - interval '1 day' AND a.starts_at < :end AND a.busy_until > :start), '[]') AS taken"
    f" FROM rooms r WHERE r.active AND r.kind = (SELECT room_kind FROM appointment_types WHERE id = {_TYPE})"
    " ORDER BY r.id"
)
_NEEDS_ROOM = text(f"SELECT room_kind FROM appointment_types WHERE id = {_TYPE}")
_PATIENT_BUSY = text(
    "SELECT starts_at, ends_at FROM appointments WHERE patient_id = :patient_id AND status <> 'cancelled'"
    " AND starts_at < :end AND ends_at > :start"
)


def _intervals(pairs) -> list[Interval]:
    return [Interval(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in pairs]


@dataclass(frozen=True)
class _ProviderWindow:
    id: int
    name: str
    length: Length
    hours: dict[int, list[WorkingBlock]]
    unavailable: list[Interval]


def _read_window(clinic: Clinic, query: NextFreeQuery, first: date, last: date):
    params = {
        "start": local_day_bounds(first, clinic.zone).start,
        "end": local_day_bounds(last, clinic.zone).end,
        "type_id": query.type_id,
        "provider_id": query.provider_id,
        "specialty": query.specialty,
        "patient_id": query.patient_id,
    }

    def read(conn):
        rows = conn.execute(_WINDOW, params).all()
        needs_room = conn.execute(_NEEDS_ROOM, params).scalar() is not None
        rooms = {room.id: _intervals(room.taken) for room in conn.execute(_ROOMS, params)} if needs_room else None
        patient = conn.execute(_PATIENT_BUSY, params).all() if query.patient_id else []
        return rows, rooms, [Interval(r.starts_at, r.ends_at) for r in patient]  # rooms None: none needed

    rows, rooms, patient_busy = clinic.uow.read(read)
    providers = []
    for row in rows:
        if row.length is None:
            raise InvalidInput.single("type_id", "no such appointment type")
        hours: dict[int, list[WorkingBlock]] = defaultdict(list)
        for weekday, start, end, minutes in row.hours:
            hours[weekday].append(WorkingBlock(time.fromisoformat(start), time.fromisoformat(end), minutes))
        _type_id, minutes, buffer_minutes, _room_kind = row.length
        unavailable = _intervals(row.time_off) + _intervals(row.busy)
        providers.append(_ProviderWindow(row.id, row.name, Length(minutes, buffer_minutes), hours, unavailable))
    return providers, rooms, patient_busy


def wanted(clinic: Clinic, option: FreeTime, weekdays, part_of_day: str | None, patient_busy: list[Interval]) -> bool:
    """Whether a free time is on one of `weekdays` (none: any), in `part_of_day` (None: any) and clear of the
    patient's own appointments."""
    local = clinic.local(option.start)
    if weekdays and local.isoweekday() not in weekdays:
        return False
    if part_of_day is not None and (local.time() < NOON) != (part_of_day == "morning"):
        return False
    return not any(Interval(option.start, option.end).overlaps(busy) for busy in patient_busy)


def _options(clinic: Clinic, day: date, provider: _ProviderWindow, rooms: dict[int, list[Interval]] | None):
    """The provider's free spans that day, each with the first room of the kind needed that is free then (a span
    with no room free is left out; with no room needed, the room is None)."""
    blocks = provider.hours.get(day.isoweekday(), [])
    spans = spans_in_blocks(day, blocks, clinic.zone, provider.length)
    for span in free_spans(spans, provider.unavailable, clinic.now(), clinic.horizon_end()):
        room = free_room(rooms, span) if rooms is not None else None
        if rooms is None or room is not None:
            yield FreeTime(span.start, span.end, provider.id, provider.name, room)


def next_free(
    clinic: Clinic,
    type_id: int | None = None,
    *,
    provider_id: int | None = None,
    specialty: str | None = None,
    from_day: date | None = None,
    weekdays: list[int] | None = None,
    part_of_day: str | None = None,
    patient_id: int | None = None,
    count: int = 10,
) -> list[FreeTime]:
    """The first `count` free times for an appointment of `type_id` (None: the default type), earliest first (at
    the same time, by provider name), each with a free room of the kind the type needs (if it needs one), of one
    provider, of a specialty or of any active provider, from `from_day`
    (default today) to the booking horizon; only on `weekdays` (1 = Monday) and in `part_of_day` if given, and
    clear of `patient_id`'s own appointments."""
    today = clinic.local(clinic.now()).date()
    query = validate(
        NextFreeQuery,
        type_id=type_id,
        provider_id=provider_id,
        specialty=specialty,
        from_day=from_day or today,
        weekdays=weekdays or [],
        part_of_day=part_of_day,
        patient_id=patient_id,
        count=count,
    )
    last_day = clinic.local(clinic.horizon_end()).date()
    found: list[FreeTime] = []
    for options, patient_busy in _by_day(clinic, query, max(query.from_day, today), last_day):
        found += [o for o in options if wanted(clinic, o, query.weekdays, query.part_of_day, patient_busy)]
        if len(found) >= query.count:
            break
    return found[: query.count]


def free_times(
    clinic: Clinic,
    type_id: int | None,
    *,
    provider_id: int | None,
    specialty: str | None,
    first_day: date,
    last_day: date,
) -> list[FreeTime]:
    """Every free time for the type of one provider, of a specialty or of anyone, from `first_day` to `last_day`
    (bounded by today and the horizon), earliest first: for many searches over the same providers at once."""
    today = clinic.local(clinic.now()).date()
    query = validate(
        NextFreeQuery, type_id=type_id, provider_id=provider_id, specialty=specialty, from_day=first_day, count=1
    )
    last = min(last_day, clinic.local(clinic.horizon_end()).date())
    return [option for options, _busy in _by_day(clinic, query, max(first_day, today), last) for option in options]


def _in_order(option: FreeTime) -> tuple:
    return option.start, option.provider_name, option.provider_id


def _by_day(clinic: Clinic, query: NextFreeQuery, first: date, last_day: date):
    """Day by day from `first` to `last_day`: the free times (earliest first, at the same time by provider name) and
    the query's patient's appointments, read a fortnight at a time as the days are asked for."""
    while first <= last_day:
        last = min(first + timedelta(days=WINDOW_DAYS - 1), last_day)
        providers, rooms, patient_busy = _read_window(clinic, query, first, last)
        day = first
        while day <= last:
            options = [option for provider in providers for option in _options(clinic, day, provider, rooms)]
            yield sorted(options, key=_in_order), patient_busy
            day += timedelta(days=1)
        first = last + timedelta(days=1)
