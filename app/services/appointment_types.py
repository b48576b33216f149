"""Appointment types: what a visit is for, how long it lasts (and the buffer after it), and its colour.

A provider may have their own length for a type (a slower specialist). A change of length applies to bookings
made from then on: booked appointments keep theirs, and a booking in flight that computed the old one is refused
under its locks (app/services/booking.py), so no admin lock is needed.

The clinic keeps exactly one default type (a booking without a type gets it), so the default moves to another
type rather than being switched off, and the default type cannot be removed. A type is removed only while no
appointment at all uses it: cancelled ones keep their type for the record.
"""

from dataclasses import dataclass

from sqlalchemy import Connection, text

from app.domain.errors import InvalidInput, WouldOrphan
from app.domain.models import validate
from app.domain.schedule_setup import DEFAULT_TYPE_MINUTES, AppointmentTypeIn, ProviderLengthIn, check_id
from app.services.context import Clinic
from app.services.providers import affected
from app.services.writes import write_refusing


@dataclass(frozen=True)
class AppointmentTypeSetup:
    id: int
    code: str
    name: str
    color: str
    is_default: bool
    minutes: int
    buffer_minutes: int
    room_kind: str  # "": needs no room
    live_appointments: int  # not cancelled, past ones included


_REFUSALS = {
    "appointment_types_code_key": ("code", "another type already uses this code"),
    "appointment_types_color_hex": ("color", "must be a colour written #rrggbb, e.g. #2563eb"),
    "appointment_types_one_default": ("is_default", "another desk just changed the default type; try again"),
    "appointments_type_id_fkey": ("type_id", "appointments still use this type"),
    "provider_type_lengths_provider_id_fkey": ("provider_id", "no such provider (it may have been removed)"),
    "provider_type_lengths_type_id_fkey": ("type_id", "no such appointment type (it may have been removed)"),
}
STILL_USED = "the type is still used by {n}; cancel them or give them another type first"
NEEDS_DEFAULT = "the clinic needs a default type: make another type the default instead"

_LIST = text(
    "SELECT t.id, t.code, t.name, t.color, t.is_default, t.minutes, t.buffer_minutes,"
    " COALESCE(t.room_kind, '') AS room_kind,"
    " (SELECT count(*) FROM appointments a WHERE a.type_id = t.id AND a.status <> 'cancelled') AS live_appointments"
    " FROM appointment_types t ORDER BY t.name, t.id"
)
# The edited type and the current default, locked so two admins' changes take turns.
_LOCK = text("SELECT id, is_default FROM appointment_types WHERE id = :id OR is_default ORDER BY id FOR UPDATE")
_CLEAR_DEFAULT = text("UPDATE appointment_types SET is_default = false WHERE is_default AND id <> :id")
_USERS = text(
    "SELECT a.id, a.starts_at, pt.first_name || ' ' || pt.last_name AS patient_name, a.status <> 'cancelled' AS live"
    " FROM appointments a JOIN patients pt ON pt.id = a.patient_id WHERE a.type_id = :id ORDER BY a.starts_at, a.id"
)


def list_types(clinic: Clinic) -> list[AppointmentTypeSetup]:
    rows = clinic.uow.read(lambda conn: conn.execute(_LIST).all())
    return [AppointmentTypeSetup(**row._mapping) for row in rows]


def _run(clinic: Clinic, work):
    return write_refusing(clinic, work, _REFUSALS)


def _lock(conn: Connection, type_id: int | None) -> bool:
    """Lock the type (if any) and the default type; return whether the type is the default now."""
    rows = conn.execute(_LOCK, {"id": type_id}).all()
    if type_id is not None and all(r.id != type_id for r in rows):
        raise InvalidInput.single("type_id", "no such appointment type (it may have been removed at another desk)")
    return any(r.id == type_id and r.is_default for r in rows)


def add_type(
    clinic: Clinic,
    code: str,
    name: str,
    color: str,
    is_default: bool = False,
    minutes: int = DEFAULT_TYPE_MINUTES,
    buffer_minutes: int = 0,
    room_kind: str = "",
) -> int:
    """Create an appointment type; return its id. Making it the default takes that from the current default."""
    new = validate(
        AppointmentTypeIn,
        code=code,
        name=name,
        color=color,
        is_default=is_default,
        minutes=minutes,
        buffer_minutes=buffer_minutes,
        room_kind=room_kind,
    )

    def work(conn: Connection) -> int:
        _lock(conn, None)
        if new.is_default:
            conn.execute(_CLEAR_DEFAULT, {"id": 0})
        return conn.execute(
            text(
                "INSERT INTO appointment_types (code, name, color, is_default, minutes, buffer_minutes, room_kind)"
                " VALUES (:code, :name, :color, :is_default, :minutes, :buffer_minutes, NULLIF(:room_kind, ''))"
                " RETURNING id"
            ),
            vars(new),
        ).scalar_one()

    return _run(clinic, work)


def update_type(
    clinic: Clinic,
    type_id: int,
    code: str,
    name: str,
    color: str,
    is_default: bool,
    minutes: int | None = None,
    buffer_minutes: int | None = None,
    room_kind: str | None = None,
) -> None:
    """Change a type's code, name, colour, default flag, length, buffer or the kind of room it needs ("": none;
    None keeps the current one); its appointments keep it, and the length and room they were booked with."""
    type_id = check_id("type_id", type_id)
    given = {"minutes": minutes, "buffer_minutes": buffer_minutes, "room_kind": room_kind}
    lengths = {key: value for key, value in given.items() if value is not None}
    changed = validate(AppointmentTypeIn, code=code, name=name, color=color, is_default=is_default, **lengths)
    keep = {"keep_minutes": minutes is None, "keep_buffer": buffer_minutes is None, "keep_room": room_kind is None}

    def work(conn: Connection) -> None:
        was_default = _lock(conn, type_id)
        if was_default and not changed.is_default:
            raise InvalidInput.single("is_default", NEEDS_DEFAULT)
        if changed.is_default:
            conn.execute(_CLEAR_DEFAULT, {"id": type_id})
        conn.execute(
            text(
                "UPDATE appointment_types SET code = :code, name = :name, color = :color, is_default = :is_default,"
                " minutes = CASE WHEN :keep_minutes THEN minutes ELSE :minutes END,"
                " buffer_minutes = CASE WHEN :keep_buffer THEN buffer_minutes ELSE :buffer_minutes END,"
                " room_kind = CASE WHEN :keep_room THEN room_kind ELSE NULLIF(:room_kind, '') END"
                " WHERE id = :id"
            ),
            {**vars(changed), **keep, "id": type_id},
        )

    _run(clinic, work)


def remove_type(clinic: Clinic, type_id: int) -> None:
    """Delete a type no appointment uses; refused listing the live appointments that still use it."""
    type_id = check_id("type_id", type_id)

    def work(conn: Connection) -> None:
        if _lock(conn, type_id):
            raise InvalidInput.single("type_id", f"is the default type; {NEEDS_DEFAULT}")
        users = conn.execute(_USERS, {"id": type_id}).all()
        live = [r for r in users if r.live]
        if live:
            count = f"{len(live)} appointment{'' if len(live) == 1 else 's'}"
            listed = affected(clinic, live[: WouldOrphan.LISTED])
            raise WouldOrphan("type_id", STILL_USED.format(n=count), listed, len(live))
        if users:
            raise InvalidInput.single(
                "type_id", f"{len(users)} cancelled appointment(s) keep this type for the record; rename it instead"
            )
        conn.execute(text("DELETE FROM appointment_types WHERE id = :id"), {"id": type_id})

    _run(clinic, work)


_PROVIDER_LENGTHS = text("SELECT provider_id, minutes FROM provider_type_lengths WHERE type_id = :type_id")
_SET_PROVIDER_LENGTH = text(
    "INSERT INTO provider_type_lengths (provider_id, type_id, minutes) VALUES (:provider_id, :type_id, :minutes)"
    " ON CONFLICT (provider_id, type_id) DO UPDATE SET minutes = EXCLUDED.minutes"
    " WHERE provider_type_lengths.minutes <> EXCLUDED.minutes"
)
_CLEAR_PROVIDER_LENGTH = text(
    "DELETE FROM provider_type_lengths WHERE provider_id = :provider_id AND type_id = :type_id"
)


def provider_lengths(clinic: Clinic, type_id: int) -> dict[int, int]:
    """The providers who have their own length for the type: provider id to minutes."""
    type_id = check_id("type_id", type_id)
    rows = clinic.uow.read(lambda conn: conn.execute(_PROVIDER_LENGTHS, {"type_id": type_id}).all())
    return {row.provider_id: row.minutes for row in rows}


def set_provider_length(clinic: Clinic, provider_id: int, type_id: int, minutes: int | None) -> None:
    """Give the provider their own length for the type, or (None) take the type's again; for bookings from now on."""
    set_provider_lengths(clinic, provider_id, {type_id: minutes})


def set_provider_lengths(clinic: Clinic, provider_id: int, lengths: dict[int, int | None]) -> None:
    """Set the provider's own lengths, type id to minutes (None: the type's own again), all in one transaction or
    none of them (a bad one names its field)."""
    changes = [
        validate(ProviderLengthIn, provider_id=provider_id, type_id=type_id, minutes=minutes)
        for type_id, minutes in lengths.items()
    ]

    def work(conn: Connection) -> None:
        for change in changes:
            conn.execute(_CLEAR_PROVIDER_LENGTH if change.minutes is None else _SET_PROVIDER_LENGTH, vars(change))

    _run(clinic, work)


@dataclass(frozen=True)
class TypeLength:
    """A type's length as one provider books it."""

    type_id: int
    name: str
    minutes: int  # the type's own
    own: int | None  # the provider's own, if they have one


_TYPE_LENGTHS_FOR = text(
    "SELECT t.id AS type_id, t.name, t.minutes, l.minutes AS own FROM appointment_types t"
    " LEFT JOIN provider_type_lengths l ON l.type_id = t.id AND l.provider_id = :provider_id ORDER BY t.name, t.id"
)


def type_lengths_for(clinic: Clinic, provider_id: int) -> list[TypeLength]:
    """Every type's length as the provider books it, by type name."""
    params = {"provider_id": check_id("provider_id", provider_id)}
    rows = clinic.uow.read(lambda conn: conn.execute(_TYPE_LENGTHS_FOR, params).all())
    return [TypeLength(**row._mapping) for row in rows]
