"""Announce changes to appointment types and patients too, so every desk shows a new colour or a corrected name
within a second instead of at its next periodic re-read.

The payload is the same hint as for the schedule (app/live/changes.py): the table, the operation and the row's
id; neither carries a provider or a time, and a patient's payload nothing about the patient but the id.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TABLES = ("appointment_types", "patients")

UPGRADE = "\n".join(
    # '' names no column: the announcement has no provider and no time spans.
    f"CREATE TRIGGER {table}_announce AFTER INSERT OR UPDATE OR DELETE ON {table}"
    f" FOR EACH ROW EXECUTE FUNCTION announce_schedule_change('');"
    for table in TABLES
)
DOWNGRADE = "\n".join(f"DROP TRIGGER {table}_announce ON {table};" for table in TABLES)


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
