"""Appointments as spans: a length and a buffer per appointment type, a provider's own lengths.

- `appointment_types.minutes` (5 to 480) is how long an appointment of the type lasts; `buffer_minutes` (0 to 120)
  keeps its provider busy after it (cleaning, notes). `provider_type_lengths` holds a provider's own length for a
  type (a slower specialist).
- An appointment covers `[starts_at, ends_at)` and keeps its provider busy until `busy_until` (its end plus the
  type's buffer): the provider's exclusion constraint now covers the buffer; the patient's covers the appointment.
- Existing data keeps its lengths: every type gets the length most of its appointments have (without any, the
  clinic's most common slot length, else 30 minutes), and a provider whose slot length differs gets it as their
  own length for every type, so nothing they book changes length. Existing appointments have no buffer.
- A writer that leaves `busy_until` out (a `psql` session) gets the end plus the type's buffer.
- One-provider views read through an index on `(provider_id, starts_at)`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ALL_GROUPS = "clinic_admin, clinic_receptionist, clinic_manager"
WRITERS = "clinic_admin, clinic_receptionist"

UPGRADE = f"""
ALTER TABLE appointment_types
    ADD COLUMN minutes integer,
    ADD COLUMN buffer_minutes integer NOT NULL DEFAULT 0
        CONSTRAINT appointment_types_buffer_minutes_range CHECK (buffer_minutes BETWEEN 0 AND 120);
UPDATE appointment_types t SET minutes = LEAST(480, GREATEST(5, COALESCE(
    (SELECT mode() WITHIN GROUP (ORDER BY round(extract(epoch FROM a.ends_at - a.starts_at) / 60))
     FROM appointments a WHERE a.type_id = t.id),
    (SELECT mode() WITHIN GROUP (ORDER BY w.slot_minutes) FROM working_hours w),
    30)));
ALTER TABLE appointment_types
    ALTER COLUMN minutes SET NOT NULL,
    ALTER COLUMN minutes SET DEFAULT 30,
    ADD CONSTRAINT appointment_types_minutes_range CHECK (minutes BETWEEN 5 AND 480);

CREATE TABLE provider_type_lengths (
    id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id  integer NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    type_id      integer NOT NULL REFERENCES appointment_types (id) ON DELETE CASCADE,
    minutes      integer NOT NULL CONSTRAINT provider_type_lengths_minutes_range CHECK (minutes BETWEEN 5 AND 480),
    CONSTRAINT provider_type_lengths_provider_type_key UNIQUE (provider_id, type_id)
);
INSERT INTO provider_type_lengths (provider_id, type_id, minutes)
SELECT own.provider_id, t.id, own.minutes
FROM (SELECT provider_id, mode() WITHIN GROUP (ORDER BY slot_minutes) AS minutes
      FROM working_hours GROUP BY provider_id) AS own
CROSS JOIN appointment_types t
WHERE own.minutes <> t.minutes;
CREATE TRIGGER provider_type_lengths_audit AFTER INSERT OR UPDATE OR DELETE ON provider_type_lengths
    FOR EACH ROW EXECUTE FUNCTION audit_change('', '');
CREATE TRIGGER provider_type_lengths_announce AFTER INSERT OR UPDATE OR DELETE ON provider_type_lengths
    FOR EACH ROW EXECUTE FUNCTION announce_schedule_change('provider_id');
GRANT SELECT ON provider_type_lengths TO {ALL_GROUPS};
GRANT INSERT, UPDATE, DELETE ON provider_type_lengths TO clinic_admin;

ALTER TABLE appointments ADD COLUMN busy_until timestamptz;
UPDATE appointments SET busy_until = ends_at;
ALTER TABLE appointments
    ALTER COLUMN busy_until SET NOT NULL,
    ADD CONSTRAINT appointments_busy_until_after_end CHECK (busy_until >= ends_at),
    DROP CONSTRAINT appointments_no_provider_overlap,
    ADD CONSTRAINT appointments_no_provider_overlap EXCLUDE USING gist (
        int4range(provider_id, provider_id, '[]') WITH &&,
        tstzrange(starts_at, busy_until) WITH &&
    ) WHERE (status <> 'cancelled');
-- A writer that leaves the buffer out (a psql session) gets the type's.
CREATE FUNCTION appointments_default_busy_until() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.busy_until IS NULL THEN
        NEW.busy_until := NEW.ends_at + make_interval(mins => COALESCE(
            (SELECT buffer_minutes FROM appointment_types WHERE id = NEW.type_id), 0));
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER appointments_default_busy_until BEFORE INSERT ON appointments
    FOR EACH ROW EXECUTE FUNCTION appointments_default_busy_until();
CREATE INDEX appointments_provider_starts_at_idx ON appointments (provider_id, starts_at);
-- A move to another provider changes the provider too.
GRANT INSERT (busy_until), UPDATE (busy_until, provider_id) ON appointments TO {WRITERS};
"""

DOWNGRADE = """
DROP INDEX appointments_provider_starts_at_idx;
DROP TRIGGER appointments_default_busy_until ON appointments;
DROP FUNCTION appointments_default_busy_until();
ALTER TABLE appointments
    DROP CONSTRAINT appointments_no_provider_overlap,
    ADD CONSTRAINT appointments_no_provider_overlap EXCLUDE USING gist (
        int4range(provider_id, provider_id, '[]') WITH &&,
        tstzrange(starts_at, ends_at) WITH &&
    ) WHERE (status <> 'cancelled'),
    DROP CONSTRAINT appointments_busy_until_after_end,
    DROP COLUMN busy_until;
DROP TABLE provider_type_lengths;
ALTER TABLE appointment_types DROP COLUMN buffer_minutes, DROP COLUMN minutes;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
