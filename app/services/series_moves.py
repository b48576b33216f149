"""Moving an occurrence of a series and every booked one after it the same way (as many days on, at the same new
wall-clock time), all of them or none, in one transaction.

The occurrences' rows are locked in id order, then their providers' schedules are share-locked in id order (each
occurrence keeps its own provider unless one is chosen) and every new span's grid positions (and rooms) are locked
in time order, the order every writer keeps; only then are they moved, the
latest first when they move later (each takes a time the next one leaves) and the earliest first when earlier.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text

from app.domain.errors import InvalidInput, NotFound
from app.domain.models import RescheduleRequest, validate
from app.domain.schedule_setup import check_id
from app.domain.slots import wall_time_to_utc
from app.services.booking import LOCK_PROVIDER, MOVE_IF_FREE, _locks, _span_params
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
    transaction (SeriesConflict lists the ones that do not fit); the ids moved, in time order. NotFound for an
    appointment that is not an occurrence of a series."""
    request = validate(RescheduleRequest, appointment_id=appointment_id, start=start, provider_id=provider_id)
    check_bookable_time(clinic, request.start)

    def work(conn: Connection) -> list[int]:
        rows = sorted(conn.execute(_FOLLOWING, {"id": request.appointment_id}).all(), key=lambda row: row.starts_at)
        this = next((row for row in rows if row.id == request.appointment_id), None)
        if this is None:
            raise NotFound("appointment_id", "booked occurrence of a series", request.appointment_id)
        moves = _moves(clinic, conn, rows, this, request)
        for move in moves:  # every target's positions and rooms first, in time order: the one global order
            for lock in _locks(move.params):
                conn.execute(lock, move.params)
        # Later first when moving later (each takes a time the next one leaves), earlier first when moving earlier.
        # The first that does not fit stops them all: the ones after it would only be kept by their siblings.
        for move in sorted(moves, key=lambda m: m.params["start"], reverse=request.start > this.starts_at):
            if reason := write_if_free(conn, MOVE_IF_FREE, move.params, move.room_kind):
                lost = Occurrence(move.index, move.params["start"], move.params["end"], reason)
                raise SeriesConflict([lost], clinic, done="moved")
        return [move.params["moving_id"] for move in moves]

    return clinic.uow.run(work)


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


def _moves(clinic: Clinic, conn: Connection, rows, this, request: RescheduleRequest) -> list[_Move]:
    """Each occurrence's new span: as many days on from its own as `this` one moves, at its new wall-clock time."""
    first = clinic.local(this.starts_at)
    new = clinic.local(request.start)
    days_on, wall = new.date() - first.date(), new.time()
    for provider_id in sorted({request.provider_id or row.provider_id for row in rows}):  # as every writer: by id
        conn.execute(LOCK_PROVIDER, {"provider_id": provider_id})
    moves = []
    for row in rows:
        provider_id = request.provider_id or row.provider_id
        target = wall_time_to_utc(clinic.local(row.starts_at).date() + days_on, wall, clinic.zone)
        try:
            check_bookable_time(clinic, target)
            day = load_provider_day(clinic, conn, provider_id, clinic.local(target).date(), type_id=row.type_id)
            span = day.span_at(target)
        except InvalidInput as refused:
            refusal = Occurrence(row.series_index, target, target, refused.errors[0].message)
            raise SeriesConflict([refusal], clinic, done="moved") from None
        params = _span_params(clinic, provider_id, day, span)
        params |= {"moving_id": row.id, "request_id": None, "keep_room": row.room_id}
        moves.append(_Move(row.series_index, day.room_kind, params))
    return moves
