"""The day's flow and the reminders: when a patient arrived and was seen, when an appointment was cancelled, and
which reminders went out.

- `appointments.checked_in_at`: set by the database when the appointment is checked in (cleared when that is undone),
  so the flow board can say how long a patient has waited; `seen_at`: when the provider took them (the desk sets it,
  only for a checked-in appointment); `cancelled_at`: set by the database on cancelling, so a late cancellation can
  be told from an early one (cancellations made before this column existed take their last change's time).
- `appointment_reminders`: one row per appointment whose reminder was tried: sent (when, to whom) or failed (how
  often, the last error) or left for a call (no e-mail address). A run claims a row with a row lock (`FOR UPDATE
  SKIP LOCKED`) and holds it while sending, so two runs never send the same reminder.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

ALL_GROUPS = "clinic_admin, clinic_receptionist, clinic_manager"
WRITERS = "clinic_admin, clinic_receptionist"

UPGRADE = f"""
ALTER TABLE appointments
    ADD COLUMN checked_in_at timestamptz,
    ADD COLUMN seen_at timestamptz,
    ADD COLUMN cancelled_at timestamptz,
    ADD CONSTRAINT appointments_seen_after_arrival CHECK (seen_at IS NULL OR checked_in_at IS NOT NULL);
-- The cancellations made so far, stamped with their last change; quietly: no audit entry, no announcement, no new
-- updated_at for each (the row's triggers stay off for this one statement).
ALTER TABLE appointments DISABLE TRIGGER USER;
UPDATE appointments SET cancelled_at = updated_at WHERE status = 'cancelled';
ALTER TABLE appointments ENABLE TRIGGER USER;

CREATE FUNCTION appointments_stamp_status() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NEW.status = 'checked_in' AND OLD.status = 'booked' THEN
            NEW.checked_in_at := now();
        ELSIF NEW.status = 'booked' THEN
            NEW.checked_in_at := NULL;
            NEW.seen_at := NULL;
        ELSIF NEW.status = 'cancelled' THEN
            NEW.cancelled_at := now();
        END IF;
    END IF;
    IF NEW.seen_at IS NOT NULL AND OLD.seen_at IS NULL AND NEW.status <> 'checked_in' THEN
        RAISE EXCEPTION 'only a checked-in patient can be seen'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_seen_after_arrival';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER appointments_stamp_status BEFORE UPDATE ON appointments
    FOR EACH ROW EXECUTE FUNCTION appointments_stamp_status();
GRANT UPDATE (seen_at) ON appointments TO {WRITERS};

CREATE TABLE appointment_reminders (
    appointment_id  bigint PRIMARY KEY
        CONSTRAINT appointment_reminders_appointment_id_fkey REFERENCES appointments (id) ON DELETE CASCADE,
    state           text NOT NULL DEFAULT 'pending'
        CONSTRAINT appointment_reminders_state_known CHECK (state IN ('pending', 'sent', 'failed', 'no_email')),
    attempts        smallint NOT NULL DEFAULT 0,
    sent_to         text,
    sent_at         timestamptz,
    last_error      text NOT NULL DEFAULT '',
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appointment_reminders_sent_has_address CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);
GRANT SELECT ON appointment_reminders TO {ALL_GROUPS};
GRANT INSERT, UPDATE ON appointment_reminders TO {WRITERS};
"""

DOWNGRADE = """
DROP TABLE appointment_reminders;
DROP TRIGGER appointments_stamp_status ON appointments;
DROP FUNCTION appointments_stamp_status();
ALTER TABLE appointments DROP COLUMN checked_in_at, DROP COLUMN seen_at, DROP COLUMN cancelled_at;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
