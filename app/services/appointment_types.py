"""Appointment types: what a visit is for, and the colour the views paint it in.

The clinic keeps exactly one default type (a booking without a type gets it), so the default moves to another
type rather than being switched off, and the default type cannot be removed. A type is removed only while no
appointment at all uses it: cancelled ones keep their type for the record.
"""

from dataclasses import dataclass

from sqlalchemy import Connection, text

from app.domain.errors import InvalidInput, WouldOrphan
from app.domain.models import validate
from app.domain.schedule_setup import AppointmentTypeIn, check_id
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
    live_appointments: int  # not cancelled, past ones included


_REFUSALS = {
    "appointment_types_code_key": ("code", "another type already uses this code"),
    "appointment_types_color_hex": ("color", "must be a colour written #rrggbb, e.g. #2563eb"),
    "appointment_types_one_default": ("is_default", "another desk just changed the default type; try again"),
    "appointments_type_id_fkey": ("type_id", "appointments still use this type"),
}
STILL_USED = "the type is still used by {n}; cancel them or give them another type first"
NEEDS_DEFAULT = "the clinic needs a default type: make another type the default instead"

_LIST = text(
    "SELECT t.id, t.code, t.name, t.color, t.is_default,"
    " (SELECT count(*) FROM appointments a WHERE a.type_id = t.id AND a.status <> 'cancelled') AS live"
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
    return [AppointmentTypeSetup(r.id, r.code, r.name, r.color, r.is_default, r.live) for r in rows]


def _run(clinic: Clinic, work):
    return write_refusing(clinic, work, _REFUSALS)


def _lock(conn: Connection, type_id: int | None) -> bool:
    """Lock the type (if any) and the default type; return whether the type is the default now."""
    rows = conn.execute(_LOCK, {"id": type_id}).all()
    if type_id is not None and all(r.id != type_id for r in rows):
        raise InvalidInput.single("type_id", "no such appointment type (it may have been removed at another desk)")
    return any(r.id == type_id and r.is_default for r in rows)


def add_type(clinic: Clinic, code: str, name: str, color: str, is_default: bool = False) -> int:
    """Create an appointment type; return its id. Making it the default takes that from the current default."""
    new = validate(AppointmentTypeIn, code=code, name=name, color=color, is_default=is_default)

    def work(conn: Connection) -> int:
        _lock(conn, None)
        if new.is_default:
            conn.execute(_CLEAR_DEFAULT, {"id": 0})
        return conn.execute(
            text(
                "INSERT INTO appointment_types (code, name, color, is_default)"
                " VALUES (:code, :name, :color, :is_default) RETURNING id"
            ),
            vars(new),
        ).scalar_one()

    return _run(clinic, work)


def update_type(clinic: Clinic, type_id: int, code: str, name: str, color: str, is_default: bool) -> None:
    """Change a type's code, name, colour or default flag; its appointments keep it."""
    type_id = check_id("type_id", type_id)
    changed = validate(AppointmentTypeIn, code=code, name=name, color=color, is_default=is_default)

    def work(conn: Connection) -> None:
        was_default = _lock(conn, type_id)
        if was_default and not changed.is_default:
            raise InvalidInput.single("is_default", NEEDS_DEFAULT)
        if changed.is_default:
            conn.execute(_CLEAR_DEFAULT, {"id": type_id})
        conn.execute(
            text(
                "UPDATE appointment_types SET code = :code, name = :name, color = :color, is_default = :is_default"
                " WHERE id = :id"
            ),
            {**vars(changed), "id": type_id},
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
