"""Reading the audit trail the database's triggers write: one appointment's history, or a search of the whole
trail (managers and admins only: the database refuses anyone else with NotAllowed)."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import text

from app.domain.errors import InvalidInput
from app.domain.schedule_setup import check_day, check_id
from app.domain.slots import local_day_bounds
from app.services.context import Clinic

SEARCH_LIMIT = 500
MAX_SEARCH_LIMIT = 5000


@dataclass(frozen=True)
class AuditEntry:
    """One row of the trail: who changed which row, from where, and the row before and after."""

    at: datetime
    user: str  # the database login that made the change
    workstation: str  # the desk's application name: what the client said of itself
    table: str  # "appointments", "patients" or "time_slots"
    action: str  # "INSERT", "UPDATE" or "DELETE"
    row_id: int
    appointment_id: int | None
    patient_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    provider: str | None = None  # the name of the row's provider, where it has one
    patient: str | None = None  # the patient's name, where the row is about one
    address: str | None = None  # the client's address as the server saw it; None: a local socket on the server

    @property
    def row(self) -> dict[str, Any]:
        """The row as it is after the change (as it was, for a deletion)."""
        return self.after if self.after is not None else (self.before or {})


# The provider's name makes "booked 14:30 with Dr. X" possible without a second read.
_PROVIDER_OF_ROW = (
    "LEFT JOIN providers pr ON pr.id = CAST(COALESCE({log}.after, {log}.before) ->> 'provider_id' AS integer)"
)

_HISTORY = text(
    "SELECT h.at, h.db_user, h.workstation, h.action, h.before, h.after, h.client_addr, pr.name AS provider"
    # The function's order is the order of the changes (`at` is when each transaction began: it can tie or cross).
    " FROM appointment_history(:appointment_id) WITH ORDINALITY"
    " AS h(at, db_user, workstation, action, before, after, client_addr, n) "
    + _PROVIDER_OF_ROW.format(log="h")
    + " ORDER BY h.n"
)

_SEARCH = text(
    "SELECT l.at, l.db_user, l.workstation, l.table_name, l.action, l.row_id, l.appointment_id, l.patient_id,"
    " l.before, l.after, l.client_addr, pr.name AS provider, pt.first_name || ' ' || pt.last_name AS patient"
    " FROM audit_log AS l " + _PROVIDER_OF_ROW.format(log="l") + " LEFT JOIN patients pt ON pt.id = l.patient_id"
    " WHERE (CAST(:user AS text) IS NULL OR l.db_user = :user)"
    " AND (CAST(:since AS timestamptz) IS NULL OR l.at >= :since)"
    " AND (CAST(:until AS timestamptz) IS NULL OR l.at < :until)"
    " AND (CAST(:patient_id AS integer) IS NULL OR l.patient_id = :patient_id)"
    " ORDER BY l.at DESC, l.id DESC LIMIT :limit"
)

_USERS = text("SELECT DISTINCT db_user FROM audit_log ORDER BY db_user")


def history(clinic: Clinic, appointment_id: int) -> list[AuditEntry]:
    """Every change to one appointment, oldest first (open to every clinic role)."""
    appointment_id = check_id("appointment_id", appointment_id)
    rows = clinic.uow.read(lambda conn: conn.execute(_HISTORY, {"appointment_id": appointment_id}).all())
    return [
        _entry(
            row,
            table="appointments",
            row_id=appointment_id,
            appointment_id=appointment_id,
            patient_id=_patient_of(row.after if row.after is not None else row.before),
        )
        for row in rows
    ]


def _entry(row, **known: Any) -> AuditEntry:
    """An entry from a row of the trail (the columns both queries read) and what the query knows besides."""
    return AuditEntry(
        at=row.at,
        user=row.db_user,
        workstation=row.workstation,
        action=row.action,
        before=row.before,
        after=row.after,
        provider=row.provider,
        address=_address(row.client_addr),
        **known,
    )


def search(
    clinic: Clinic,
    *,
    user: str | None = None,
    since: date | None = None,
    until: date | None = None,
    patient_id: int | None = None,
    limit: int = SEARCH_LIMIT,
) -> list[AuditEntry]:
    """The trail, newest first: by one login, from `since` to `until` (the clinic's days, both included), about
    one patient; at most `limit` entries."""
    if not 1 <= limit <= MAX_SEARCH_LIMIT:
        raise InvalidInput.single("limit", f"must be between 1 and {MAX_SEARCH_LIMIT}")
    since = check_day("since", since) if since is not None else None
    until = check_day("until", until) if until is not None else None
    patient_id = check_id("patient_id", patient_id) if patient_id is not None else None
    if since is not None and until is not None and until < since:
        raise InvalidInput.single("until", "must not be before the first day")
    params = {
        "user": user or None,
        "since": local_day_bounds(since, clinic.zone).start if since else None,
        "until": local_day_bounds(until, clinic.zone).end if until else None,
        "patient_id": patient_id,
        "limit": limit,
    }
    rows = clinic.uow.read(lambda conn: conn.execute(_SEARCH, params).all())
    return [
        _entry(
            row,
            table=row.table_name,
            row_id=row.row_id,
            appointment_id=row.appointment_id,
            patient_id=row.patient_id,
            patient=row.patient,
        )
        for row in rows
    ]


def users(clinic: Clinic) -> list[str]:
    """Everyone who has changed something, for the search's choice of user."""
    return list(clinic.uow.read(lambda conn: conn.execute(_USERS).scalars().all()))


def _address(client_addr) -> str | None:
    return str(client_addr) if client_addr is not None else None


def _patient_of(row: dict[str, Any] | None) -> int | None:
    value = (row or {}).get("patient_id")
    return int(value) if value is not None else None
