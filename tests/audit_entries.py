"""Audit entries built by hand, for the words and the models that show them (no database)."""

from datetime import UTC, datetime

from app.services.audit import AuditEntry

AT = datetime(2030, 1, 7, 8, 5, tzinfo=UTC)  # Monday 09:05 in Berlin
BOOKED = {"id": 7, "status": "booked", "starts_at": "2030-01-08T09:00:00+00:00", "notes": "", "type_id": 1}


def entry(table: str, action: str, before: dict | None, after: dict | None, **extra) -> AuditEntry:
    values = {"user": "anna", "workstation": "clinic-scheduler@frontdesk-1", "row_id": 7, "appointment_id": None}
    values.update(patient_id=None, provider=None, patient=None)
    values.update(extra)
    return AuditEntry(at=AT, table=table, action=action, before=before, after=after, **values)


def changed(**values) -> AuditEntry:
    """The booked appointment with `values` changed."""
    return entry("appointments", "UPDATE", BOOKED, {**BOOKED, **values})
