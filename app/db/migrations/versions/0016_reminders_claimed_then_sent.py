"""Reminders claimed, then sent outside any transaction; a moved appointment reminded again.

- `appointment_reminders.state` gains 'sending': a run claims a reminder by setting it (with `claimed_at`) and
  commits at once, sends the message with no transaction open (a slow mail server holds no lock and meets no idle
  timeout), then records 'sent' or 'failed'. Another run never takes a reminder that is being sent; one left
  'sending' by a run that ended before it could record the outcome is listed as possibly sent, not sent again.
- `reminded_for`: the start the sent reminder told the patient; an appointment moved since is reminded again.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UPGRADE = """
ALTER TABLE appointment_reminders
    DROP CONSTRAINT appointment_reminders_state_known,
    ADD CONSTRAINT appointment_reminders_state_known
        CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'no_email')),
    ADD COLUMN claimed_at timestamptz,
    ADD COLUMN reminded_for timestamptz;
UPDATE appointment_reminders r SET reminded_for = a.starts_at
    FROM appointments a WHERE a.id = r.appointment_id AND r.state = 'sent';
"""

DOWNGRADE = """
UPDATE appointment_reminders SET state = 'pending', claimed_at = NULL WHERE state = 'sending';
ALTER TABLE appointment_reminders
    DROP COLUMN claimed_at,
    DROP COLUMN reminded_for,
    DROP CONSTRAINT appointment_reminders_state_known,
    ADD CONSTRAINT appointment_reminders_state_known CHECK (state IN ('pending', 'sent', 'failed', 'no_email'));
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
