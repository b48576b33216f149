"""What the signed-in account may do, read from the database's own privileges (never from a local file)."""

from dataclasses import dataclass

from sqlalchemy import text

from app.services.context import Clinic

GROUPS = {"clinic_admin": "admin", "clinic_receptionist": "receptionist", "clinic_manager": "manager"}

# USAGE, not MEMBER: a membership that passes on no privileges (PostgreSQL 16 makes the schema's owner such an
# ADMIN member of the groups it created) is no clinic role.
_PERMISSIONS = text(
    """
SELECT session_user AS user_name,
       (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) AS superuser,
       ARRAY(SELECT g FROM unnest(CAST(:groups AS text[])) AS g WHERE pg_has_role(session_user, g, 'USAGE'))
           AS groups,
       has_any_column_privilege('appointments', 'INSERT') AS can_book,
       has_any_column_privilege('patients', 'INSERT') AS can_edit_patients,
       has_table_privilege('providers', 'UPDATE') AS can_manage_schedule,
       has_function_privilege('staff_add(text, text, text)', 'EXECUTE') AS can_manage_staff,
       has_table_privilege('audit_log', 'SELECT') AS can_view_audit
"""
)


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
    row = clinic.uow.read(lambda conn: conn.execute(_PERMISSIONS, {"groups": list(GROUPS)}).one())
    if row.superuser:
        role = "superuser"
    else:
        # A login in several groups is told as the one that allows most (GROUPS lists the widest first).
        role = next((label for group, label in GROUPS.items() if group in row.groups), "none")
    return Permissions(
        user=row.user_name,
        role=role,
        can_book=row.can_book,
        can_edit_patients=row.can_edit_patients,
        can_manage_schedule=row.can_manage_schedule,
        can_manage_staff=row.can_manage_staff,
        can_view_audit=row.can_view_audit,
    )
