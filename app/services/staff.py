"""Staff accounts: PostgreSQL login roles in one of the clinic's groups, managed by admins.

The database's staff_* functions do the work (they alone may create roles) and check every value; this module
turns their refusals into field errors and keeps plain passwords on this computer (see app.db.passwords).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.db.engine import make_engine, signed_in_url, signs_in
from app.db.errors import feature_not_supported, primary_message, refused_by_function
from app.db.passwords import scram_verifier
from app.domain.errors import DatabaseUnavailable, DomainError, InvalidInput
from app.services.access import GROUPS
from app.services.context import Clinic

ROLES = {label: group for group, label in GROUPS.items()}  # "admin" -> "clinic_admin", ...
MIN_PASSWORD_LENGTH = 8
STAFF_CONNECTION_LIMIT = 16  # what migration 0005's staff functions give each staff login: two desks' worth


class StaffManagedByIT(DomainError):
    """On PostgreSQL 15 and older the server's IT adds, disables and resets staff logins; the program cannot."""


@dataclass(frozen=True)
class StaffMember:
    name: str
    role: str  # "admin", "receptionist" or "manager"
    enabled: bool


def _check_sendable(field: str, value: str) -> None:
    # Neither a query parameter nor libpq's sign-in can carry NUL, nor text that is not valid UTF-8 (a lone
    # surrogate, which is how Python keeps undecodable bytes); the database checks everything else.
    if not isinstance(value, str):
        raise InvalidInput.single(field, "must be text")
    if "\x00" in value:
        raise InvalidInput.single(field, "must not contain a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput.single(field, "is not valid text (it holds bytes that are not UTF-8)") from None


def _check_password(password: str, field: str = "password") -> None:
    _check_sendable(field, password)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput.single(field, f"must be at least {MIN_PASSWORD_LENGTH} characters")


def _group(role: str) -> str:
    if role not in ROLES:
        raise InvalidInput.single("role", f"must be one of {', '.join(ROLES)}")
    return ROLES[role]


def _call(clinic: Clinic, sql: str, params: dict, *, password: str | None = None):
    """Run one staff_* function; its refusals ("field: what is wrong") become InvalidInput. With `password`, its
    verifier (computed here, for this server) is the `verifier` parameter."""
    if "name" in params:
        _check_sendable("name", params["name"])

    def work(conn):
        values = params if password is None else {**params, "verifier": scram_verifier(conn, password)}
        return conn.execute(text(sql), values).scalar()

    try:
        return clinic.uow.write(work)
    except DBAPIError as exc:
        if feature_not_supported(exc):  # PostgreSQL 15 and older: the staff_* functions refuse, IT manages staff
            raise StaffManagedByIT(primary_message(exc).removeprefix("staff: ")) from exc
        if not refused_by_function(exc):
            raise
        field, _, message = primary_message(exc).partition(": ")
        raise InvalidInput.single(field, message) from exc


def add_staff(clinic: Clinic, name: str, role: str, password: str) -> None:
    """Create a login for `name` in `role`'s group with a SCRAM password."""
    group = _group(role)
    _check_password(password)
    _call(clinic, "SELECT staff_add(:name, :group, :verifier)", {"name": name, "group": group}, password=password)


def set_enabled(clinic: Clinic, name: str, enabled: bool) -> int:
    """Let `name` log in again, or not; return how many of their open sessions were ended."""
    return _call(clinic, "SELECT staff_set_enabled(:name, :enabled)", {"name": name, "enabled": enabled}) or 0


def set_password(clinic: Clinic, name: str, password: str) -> None:
    _check_password(password)
    _call(clinic, "SELECT staff_set_password(:name, :verifier)", {"name": name}, password=password)


def change_own_password(clinic: Clinic, current_password: str, new_password: str) -> None:
    """The signed-in member of staff gives themselves a new password (audited); the current one is asked so that
    nobody else at an unlocked desk can."""
    signed_in = signed_in_url(clinic.uow.engine)
    _check_sendable("current_password", current_password)
    if current_password != signed_in.password:
        raise InvalidInput.single("current_password", "is not the password you signed in with")
    _check_password(new_password)
    if new_password == current_password:
        raise InvalidInput.single("password", "must differ from the current password")
    if signed_in.username and signed_in.username.lower() in new_password.lower():
        raise InvalidInput.single("password", "must not contain your user name")
    with _on_the_primary(clinic) as writing:
        try:
            _call(writing, "SELECT staff_change_own_password(:verifier)", {}, password=new_password)
        except DatabaseUnavailable:
            # The answer was lost, and with the change made the retries' old password no longer signs in: the new
            # one does exactly when the change went through.
            if not signs_in(signed_in_url(writing.uow.engine).set(password=new_password)):
                raise


@contextmanager
def _on_the_primary(clinic: Clinic) -> Iterator[Clinic]:
    """The clinic on a server that takes writes. A manager's desk may read from a standby (`prefer-standby`), which
    refuses every write: a member of staff's own password is changed through a connection of its own to the
    primary, as the same login."""
    url = signed_in_url(clinic.uow.engine)
    if url.query.get("target_session_attrs", "read-write") in ("read-write", "primary"):
        yield clinic
        return
    primary = url.update_query_dict({"target_session_attrs": "read-write"})
    engine = make_engine(primary.render_as_string(hide_password=False), pool_size=1)
    try:
        yield replace(clinic, uow=clinic.uow.on(engine))
    finally:
        engine.dispose()


def list_staff(clinic: Clinic) -> list[StaffMember]:
    rows = clinic.uow.read(lambda conn: conn.execute(text("SELECT name, role, enabled FROM staff_list()")).all())
    return [StaffMember(row.name, GROUPS[row.role], row.enabled) for row in rows]
