"""An occurrence of a series and every booked one after it (by their places in the series): moved the same way (as
many days on, at the same new wall-clock time), given another type or notes, or cancelled; all of them or none, in
one transaction.

The occurrences' rows are locked in id order, then their providers' schedules are share-locked in id order (each
occurrence keeps its own provider unless one is chosen) and every new span's grid positions (and rooms) are locked
in time order, the order every writer keeps; only then are they written, the latest first when they move later
(each takes a time the next one leaves) and the earliest first otherwise.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from app.domain.errors import InvalidInput, NotFound
from app.domain.models import DetailsChange, RescheduleRequest, validate
from app.domain.schedule_setup import check_id
from app.domain.slots import wall_time_to_utc
from app.services.booking import LOCK_PROVIDER, MOVE_IF_FREE, span_locks, span_params
from app.services.context import Clinic
from app.services.rules import check_bookable_time, load_provider_day
from app.services.series import Occurrence, SeriesConflict, write_if_free

_FOLLOWING = text(
    "SELECT id, series_index, provider_id, type_id, room_id, starts_at FROM appointments"
    " WHERE series_id = (SELECT series_id FROM appointments WHERE id = :id) AND status = 'booked'"
    " AND series_index >= (SELECT series_index FROM appointments WHERE id = :id) ORDER BY id FOR UPDATE"
)


def move_following(clinic: Clinic, appointment_id: int, start: datetime, provider_id: int | None = None) -> list[int]:
    """Move this occurrence to `start` (and to `provider_id`, if given) and every booked occurrence after it in its
    series the same way: as many days on, at the same new wall-clock time. All of them or none, in one
    transaction (SeriesConflict names the first that does not fit); the ids moved, in time order. NotFound for an
    appointment that is not a booked occurrence of a series."""
    request = validate(RescheduleRequest, appointment_id=appointment_id, start=start, provider_id=provider_id)
    check_bookable_time(clinic, request.start)

    def work(conn: Connection) -> list[int]:
        rows, this = _following(conn, request.appointment_id)
        days_on = clinic.local(request.start).date() - clinic.local(this.starts_at).date()
        wall = clinic.local(request.start).time()

        def target(row) -> _Target:
            start = wall_time_to_utc(clinic.local(row.starts_at).date() + days_on, wall, clinic.zone)
            return _Target(start, request.provider_id or row.provider_id, row.type_id)

        # Later first when moving later (each takes a time the next one leaves), earlier first when moving earlier.
        return _retarget(clinic, conn, rows, target, "moved", latest_first=request.start > this.starts_at)

    return clinic.uow.run(work)


def change_following(
    clinic: Clinic, appointment_id: int, *, type_id: int | None = None, notes: str | None = None
) -> list[int]:
    """Give this occurrence and every booked one after it in its series the type `type_id` (each from its own start,
    the type's length for its provider, where that is free) and the notes `notes` (None keeps either). All of them
    or none, in one transaction; the ids changed."""
    request = validate(DetailsChange, appointment_id=appointment_id, type_id=type_id, notes=notes)

    def work(conn: Connection) -> list[int]:
        rows, _this = _following(conn, request.appointment_id)
        if request.type_id is not None:
            _retarget(
                clinic, conn, rows, lambda row: _Target(row.starts_at, row.provider_id, request.type_id), "changed"
            )
        if request.notes is not None:
            conn.execute(_SET_NOTES, {"ids": [row.id for row in rows], "notes": request.notes})
        return [row.id for row in rows]

    return clinic.uow.run(work)


_SET_NOTES = text("UPDATE appointments SET notes = :notes WHERE id = ANY(:ids) AND notes <> :notes")


def _following(conn: Connection, appointment_id: int):
    """This occurrence and the booked ones after it in its series, locked in id order, in time order; and this one."""
    rows = sorted(conn.execute(_FOLLOWING, {"id": appointment_id}).all(), key=lambda row: row.starts_at)
    this = next((row for row in rows if row.id == appointment_id), None)
    if this is None:
        raise NotFound("appointment_id", "booked occurrence of a series", appointment_id)
    return rows, this


@dataclass(frozen=True)
class _Target:
    start: datetime
    provider_id: int
    type_id: int


def _retarget(
    clinic: Clinic, conn: Connection, rows, target_of: Callable, done: str, *, latest_first: bool = False
) -> list[int]:
    """Give each row the span `target_of(row)` names: the providers share-locked in id order, every new span's
    positions (and rooms) locked in time order, then each written, the latest first if asked. The first that does
    not fit stops them all (SeriesConflict): the ones after it would only be kept by their siblings."""
    targets = [target_of(row) for row in rows]
    for provider_id in sorted({target.provider_id for target in targets}):  # as every writer: by id
        conn.execute(LOCK_PROVIDER, {"provider_id": provider_id})
    moves = [_move(clinic, conn, row, target, done) for row, target in zip(rows, targets, strict=True)]
    for move in moves:  # every target's positions and rooms first, in time order: the one global order
        for lock in span_locks(move.params):
            conn.execute(lock, move.params)
    for move in sorted(moves, key=lambda m: m.params["start"], reverse=latest_first):
        if reason := write_if_free(conn, MOVE_IF_FREE, move.params, move.room_kind):
            lost = Occurrence(move.index, move.params["start"], move.params["end"], reason)
            raise SeriesConflict([lost], clinic, done=done)
    return [move.params["moving_id"] for move in moves]


_CANCEL_FOLLOWING = text(
    "WITH locked AS (SELECT id FROM appointments WHERE status = 'booked'"
    " AND series_id = (SELECT series_id FROM appointments WHERE id = :id)"
    " AND series_index >= (SELECT series_index FROM appointments WHERE id = :id) ORDER BY id FOR UPDATE)"
    " UPDATE appointments a SET status = 'cancelled' FROM locked WHERE a.id = locked.id RETURNING a.id"
)
_IN_A_SERIES = text("SELECT series_id FROM appointments WHERE id = :id")


def cancel_following(clinic: Clinic, appointment_id: int) -> list[int]:
    """Cancel this occurrence and every booked one after it in its series (by their places in it, as a move takes
    them), in one transaction; the ids cancelled. NotFound for an appointment that is not in a series."""
    appointment_id = check_id("appointment_id", appointment_id)

    def work(conn: Connection) -> list[int]:
        if conn.execute(_IN_A_SERIES, {"id": appointment_id}).scalar() is None:
            raise NotFound("appointment_id", "occurrence of a series", appointment_id)
        return sorted(conn.execute(_CANCEL_FOLLOWING, {"id": appointment_id}).scalars())

    return clinic.uow.run(work)


@dataclass(frozen=True)
class _Move:
    index: int  # the occurrence's place in its series
    room_kind: str | None
    params: dict  # the statements' parameters for its new span


def _move(clinic: Clinic, conn: Connection, row, target: _Target, done: str) -> _Move:
    """The occurrence's new span (its provider's rules read under their share lock), or SeriesConflict saying why
    there is none."""
    try:
        check_bookable_time(clinic, target.start)
        day = load_provider_day(
            clinic, conn, target.provider_id, clinic.local(target.start).date(), type_id=target.type_id
        )
        span = day.span_at(target.start)
    except InvalidInput as refused:
        refusal = Occurrence(row.series_index, target.start, target.start, refused.errors[0].message)
        raise SeriesConflict([refusal], clinic, done=done) from None
    params = span_params(clinic, target.provider_id, day, span)
    params |= {"moving_id": row.id, "request_id": None, "keep_room": row.room_id}
    return _Move(row.series_index, day.room_kind, params)
