"""The waitlist: patients waiting for a time sooner than the first free one, and the times that free up for them.

- `waitlist`: the patient, a provider or any provider of a specialty, the type, the earliest and latest day, the
  weekdays and the part of the day they prefer, a priority (1 urgent .. 3 low), a note, who added it and when; closed
  (`closed_at`, with the appointment that closed it) when their booking is made, or removed. Audited, and announced
  to the desks like the schedule's tables, so every desk's waitlist follows.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ALL_GROUPS = "clinic_admin, clinic_receptionist, clinic_manager"
WRITERS = "clinic_admin, clinic_receptionist"

UPGRADE = f"""
CREATE TABLE waitlist (
    id              integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id      integer NOT NULL CONSTRAINT waitlist_patient_id_fkey REFERENCES patients (id),
    provider_id     integer CONSTRAINT waitlist_provider_id_fkey REFERENCES providers (id),
    specialty       text CONSTRAINT waitlist_specialty_not_blank CHECK (btrim(specialty) <> ''),
    type_id         integer NOT NULL CONSTRAINT waitlist_type_id_fkey REFERENCES appointment_types (id),
    earliest        date NOT NULL,
    latest          date NOT NULL,
    weekdays        smallint[] NOT NULL DEFAULT '{{}}'
        CONSTRAINT waitlist_weekdays_range CHECK (weekdays <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[]),
    part_of_day     text CONSTRAINT waitlist_part_of_day_known CHECK (part_of_day IN ('morning', 'afternoon')),
    priority        smallint NOT NULL DEFAULT 2 CONSTRAINT waitlist_priority_range CHECK (priority BETWEEN 1 AND 3),
    note            text NOT NULL DEFAULT '',
    added_by        text NOT NULL DEFAULT session_user,
    added_at        timestamptz NOT NULL DEFAULT now(),
    closed_at       timestamptz,
    appointment_id  bigint CONSTRAINT waitlist_appointment_id_fkey REFERENCES appointments (id),
    CONSTRAINT waitlist_days_in_order CHECK (latest >= earliest),
    CONSTRAINT waitlist_provider_or_specialty CHECK (provider_id IS NULL OR specialty IS NULL),
    CONSTRAINT waitlist_closed_by_a_booking CHECK ((closed_at IS NULL) = (appointment_id IS NULL))
);
CREATE INDEX waitlist_open_idx ON waitlist (earliest, latest) WHERE closed_at IS NULL;
CREATE TRIGGER waitlist_audit AFTER INSERT OR UPDATE OR DELETE ON waitlist
    FOR EACH ROW EXECUTE FUNCTION audit_change('', 'patient_id');
CREATE TRIGGER waitlist_announce AFTER INSERT OR UPDATE OR DELETE ON waitlist
    FOR EACH ROW EXECUTE FUNCTION announce_schedule_change('provider_id');
GRANT SELECT ON waitlist TO {ALL_GROUPS};
GRANT INSERT, UPDATE, DELETE ON waitlist TO {WRITERS};
"""

DOWNGRADE = "DROP TABLE waitlist;"


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
