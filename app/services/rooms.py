"""Rooms and equipment: what a type of appointment may need besides its provider (a procedure room, an
ultrasound). Admins add them, rename them and take them out of use; a booking takes a free one of its type's kind.
A room with upcoming live appointments stays in use until they are moved or cancelled."""

from dataclasses import dataclass

from sqlalchemy import Connection, text

from app.domain.errors import InvalidInput
from app.domain.models import validate
from app.domain.schedule_setup import RoomIn, check_id
from app.services.context import Clinic
from app.services.providers import refuse_if_any
from app.services.writes import write_refusing

STILL_BOOKED = "the room still has {n}; move or cancel them before taking it out of use"
_REFUSALS = {
    "rooms_name_key": ("name", "another room already has this name"),
    "rooms_name_not_blank": ("name", "must not be empty"),
    "rooms_kind_not_blank": ("kind", "must not be empty"),
}
_LIST = text("SELECT id, name, kind, active FROM rooms ORDER BY kind, name, id")
# The room's lock rows of every day (a booking locks its day's): changes take turns with bookings of the room.
_LOCK = text("SELECT id FROM rooms WHERE id = :id FOR UPDATE")
_LOCK_DAYS = text("SELECT room_id FROM room_days WHERE room_id = :id AND day >= CAST(:today AS date) FOR UPDATE")
_UPCOMING = text(
    "SELECT a.id, a.starts_at, pt.first_name || ' ' || pt.last_name AS patient_name"
    " FROM appointments a JOIN patients pt ON pt.id = a.patient_id"
    " WHERE a.room_id = :id AND a.status <> 'cancelled' AND a.busy_until > :now ORDER BY a.starts_at, a.id"
)


@dataclass(frozen=True)
class Room:
    id: int
    name: str
    kind: str
    active: bool


def list_rooms(clinic: Clinic) -> list[Room]:
    return [Room(**row._mapping) for row in clinic.uow.read(lambda conn: conn.execute(_LIST).all())]


def add_room(clinic: Clinic, name: str, kind: str) -> int:
    room = validate(RoomIn, name=name, kind=kind)
    statement = text("INSERT INTO rooms (name, kind) VALUES (:name, :kind) RETURNING id")
    return write_refusing(clinic, lambda conn: conn.execute(statement, vars(room)).scalar_one(), _REFUSALS)


def update_room(clinic: Clinic, room_id: int, name: str, kind: str, active: bool) -> None:
    """Rename a room, change its kind or take it out of use (refused while it has upcoming appointments: a
    different kind would no longer match them either)."""
    room_id = check_id("room_id", room_id)
    room = validate(RoomIn, name=name, kind=kind)
    if not isinstance(active, bool):
        raise InvalidInput.single("active", "must be true or false")

    def work(conn: Connection) -> None:
        # The day rows first, as a booking takes them before it refers to the room: the two cannot cross.
        conn.execute(_LOCK_DAYS, {"id": room_id, "today": clinic.local(clinic.now()).date()})
        if conn.execute(_LOCK, {"id": room_id}).one_or_none() is None:
            raise InvalidInput.single("room_id", "no such room (it may have been removed at another desk)")
        current = conn.execute(text("SELECT kind FROM rooms WHERE id = :id"), {"id": room_id}).scalar_one()
        if not active or room.kind != current:
            upcoming = conn.execute(_UPCOMING, {"id": room_id, "now": clinic.now()}).all()
            refuse_if_any(clinic, upcoming, "active" if not active else "kind", STILL_BOOKED)
        conn.execute(
            text("UPDATE rooms SET name = :name, kind = :kind, active = :active WHERE id = :id"),
            {**vars(room), "active": active, "id": room_id},
        )

    write_refusing(clinic, work, _REFUSALS)
