"""What the signed-in account may do, read from the database's own privileges (never from a local file)."""

from dataclasses import dataclass

from sqlalchemy import Connection, text

from app.services.context import Clinic

GROUPS = {"clinic_admin": "admin", "clinic_receptionist": "receptionist", "clinic_manager": "manager"}

# Who signed in, and the clinic groups that login belongs to, from the catalogs alone: it works on any schema
# revision (the groups may not even exist yet). USAGE, not MEMBER: a membership that passes on no privileges
# (PostgreSQL 16 makes the schema's owner such an ADMIN member of the groups it created) is no clinic role.
_SIGNED_IN = text(
    "SELECT r.rolname::text, r.rolsuper, ARRAY(SELECT g.rolname::text FROM pg_roles g"
    " WHERE g.rolname = ANY(CAST(:groups AS text[])) AND pg_has_role(r.oid, g.oid, 'USAGE') ORDER BY 1)"
    " FROM pg_roles r WHERE r.rolname = session_user"
)
# What that login may do, by the privileges of this schema's objects.
_PRIVILEGES = text(
    "SELECT has_any_column_privilege('appointments', 'INSERT') AS can_book,"
    " has_any_column_privilege('patients', 'INSERT') AS can_edit_patients,"
    " has_table_privilege('providers', 'UPDATE') AS can_manage_schedule,"
    " has_function_privilege('staff_add(text, text, text)', 'EXECUTE') AS can_manage_staff,"
    " has_table_privilege('audit_log', 'SELECT') AS can_view_audit"
)


@dataclass(frozen=True)
class SignedIn:
    user: str
    superuser: bool
    groups: list[str]  # the clinic groups it belongs to, e.g. ["clinic_receptionist"]

    @property
    def has_clinic_role(self) -> bool:
        return self.superuser or bool(self.groups)  # a superuser is IT, on a shared server

    @property
    def role(self) -> str:
        if self.superuser:
            return "superuser"
        # A login in several groups is told as the one that allows most (GROUPS lists the widest first).
        return next((label for group, label in GROUPS.items() if group in self.groups), "none")


def signed_in(conn: Connection) -> SignedIn:
    """Who this connection signed in as, and which clinic groups that role belongs to."""
    user, superuser, groups = conn.execute(_SIGNED_IN, {"groups": list(GROUPS)}).one()
    return SignedIn(user, superuser, list(groups))


@dataclass(frozen=True)
class Permissions:
    user: str
    role: str  # "admin", "receptionist", "manager", "superuser", or "none" for a login outside the clinic's groups
    can_book: bool  # book, move, cancel, change status
    can_edit_patients: bool
    can_manage_schedule: bool  # providers, working hours, time off, appointment types
    can_manage_staff: bool
    can_view_audit: bool  # the whole trail; an appointment's own history is open to every clinic role

    @property
    def is_staff(self) -> bool:
        return self.role != "none"


def permissions(clinic: Clinic) -> Permissions:
    who, allowed = clinic.uow.read(lambda conn: (signed_in(conn), conn.execute(_PRIVILEGES).one()))
    return Permissions(user=who.user, role=who.role, **allowed._asdict())
