"""The appointment details every view reads name the room, the busy time after the appointment and the patient's
email too: the day view can show rooms as columns, and no reader has to look the room or the email up one by one.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# The view's columns as they were (migration 0001), then the new ones after them: a view can only grow at its end.
_COLUMNS = """
SELECT a.id AS appointment_id,
       a.status,
       a.starts_at,
       a.ends_at,
       a.notes,
       a.created_at,
       a.updated_at,
       a.slot_id,
       p.id AS provider_id,
       p.name AS provider_name,
       pt.id AS patient_id,
       pt.first_name AS patient_first_name,
       pt.last_name AS patient_last_name,
       pt.date_of_birth AS patient_date_of_birth,
       pt.phone AS patient_phone,
       t.id AS type_id,
       t.code AS type_code,
       t.name AS type_name,
       t.color AS type_color"""
_JOINS = """
FROM appointments a
JOIN providers p ON p.id = a.provider_id
JOIN patients pt ON pt.id = a.patient_id
JOIN appointment_types t ON t.id = a.type_id"""

UPGRADE = (
    "CREATE OR REPLACE VIEW appointment_details AS"
    + _COLUMNS
    + """,
       a.busy_until,
       a.room_id,
       r.name AS room_name,
       pt.email AS patient_email"""
    + _JOINS
    + "\nLEFT JOIN rooms r ON r.id = a.room_id;"
)
# Dropping the view drops its grants: the groups get back what migration 0003 gave them.
DOWNGRADE = (
    "DROP VIEW appointment_details;\nCREATE VIEW appointment_details AS"
    + _COLUMNS
    + _JOINS
    + ";\nGRANT SELECT ON appointment_details TO clinic_receptionist, clinic_manager, clinic_admin;"
)


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
