"""Staff accounts: PostgreSQL login roles in one of the clinic's groups, managed by admins.

The database's staff_* functions do the work (they alone may create roles) and check every value; this module
turns their refusals into field errors and keeps plain passwords on this computer (see app.db.scram).
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db.scram import scram_verifier
from app.domain.errors import InvalidInput
from app.services.access import GROUPS
from app.services.context import Clinic

ROLES = {label: group for group, label in GROUPS.items()}  # "admin" -> "clinic_admin", ...
MIN_PASSWORD_LENGTH = 8
_REFUSED = {"22023", "42704", "42710"}  # bad value, no such member, name taken: raised by the staff_* functions


@dataclass(frozen=True)
class StaffMember:
    name: str
    role: str  # "admin", "receptionist" or "manager"
    enabled: bool


def _check_sendable(field: str, value: str) -> None:
    # Neither a query parameter nor libpq's sign-in can carry NUL; the database checks everything else.
    if "\x00" in value:
        raise InvalidInput.single(field, "must not contain a NUL character")


def _check_password(password: str) -> None:
    _check_sendable("password", password)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput.single("password", f"must be at least {MIN_PASSWORD_LENGTH} characters")


def _group(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput.single("role", f"must be one of {', '.join(ROLES)}")
    return ROLES[role]


def _call(clinic: Clinic, sql: str, params: dict):
    """Run one staff_* function; its refusals ("field: what is wrong") become InvalidInput."""
    _check_sendable("name", params["name"])
    try:
        return clinic.uow.run(lambda conn: conn.execute(text(sql), params).scalar())
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) not in _REFUSED:
            raise
        field, _, message = exc.orig.diag.message_primary.partition(": ")
        raise InvalidInput.single(field, message) from exc


def add_staff(clinic: Clinic, name: str, role: str, password: str) -> None:
    """Create a login for `name` in `role`'s group with a SCRAM password."""
    group = _group(role)
    _check_password(password)
    verifier = scram_verifier(password)
    _call(clinic, "SELECT staff_add(:name, :group, :verifier)", {"name": name, "group": group, "verifier": verifier})


def set_enabled(clinic: Clinic, name: str, enabled: bool) -> int:
    """Let `name` log in again, or not; return how many of their open sessions were ended."""
    return _call(clinic, "SELECT staff_set_enabled(:name, :enabled)", {"name": name, "enabled": enabled}) or 0


def set_password(clinic: Clinic, name: str, password: str) -> None:
    _check_password(password)
    _call(clinic, "SELECT staff_set_password(:name, :verifier)", {"name": name, "verifier": scram_verifier(password)})


def list_staff(clinic: Clinic) -> list[StaffMember]:
    rows = clinic.uow.read(lambda conn: conn.execute(text("SELECT name, role, enabled FROM staff_list()")).all())
    return [StaffMember(row.name, GROUPS[row.role], row.enabled) for row in rows]
