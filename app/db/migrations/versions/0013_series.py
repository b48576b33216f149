"""Series: one booking that makes an appointment of each occurrence of a rule (weekly physio, ten times).

- `appointment_series`: the patient, the provider (or a specialty: any of its providers) and the type, the rule as
  given and in words, how many occurrences it gives, its request id (a retry after a lost answer books nothing
  twice), who made it and when. Audited.
- `appointments.series_id` and `series_index`: each occurrence is an ordinary appointment, with its place in its
  series (1 is the first). Moving, changing or cancelling one leaves the others alone; the constraints that keep
  any two appointments apart keep the occurrences apart too.
- `appointment_details` names the series, the occurrence's place and how many the rule gives.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ALL_GROUPS = "clinic_admin, clinic_receptionist, clinic_manager"
WRITERS = "clinic_admin, clinic_receptionist"

# The view as migration 0012 left it (a view can only grow at its end), then the series' columns.
_DETAILS = """
CREATE OR REPLACE VIEW appointment_details AS
SELECT a.id AS appointment_id, a.status, a.starts_at, a.ends_at, a.notes, a.created_at, a.updated_at, a.slot_id,
       p.id AS provider_id, p.name AS provider_name,
       pt.id AS patient_id, pt.first_name AS patient_first_name, pt.last_name AS patient_last_name,
       pt.date_of_birth AS patient_date_of_birth, pt.phone AS patient_phone,
       t.id AS type_id, t.code AS type_code, t.name AS type_name, t.color AS type_color,
       a.busy_until, a.room_id, r.name AS room_name, pt.email AS patient_email{series}
FROM appointments a
JOIN providers p ON p.id = a.provider_id
JOIN patients pt ON pt.id = a.patient_id
JOIN appointment_types t ON t.id = a.type_id
LEFT JOIN rooms r ON r.id = a.room_id{series_join};
"""
_SERIES_COLUMNS = """,
       a.series_id, a.series_index, s.occurrences AS series_occurrences, s.description AS series_description"""

UPGRADE = f"""
CREATE TABLE appointment_series (
    id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    patient_id   integer NOT NULL CONSTRAINT appointment_series_patient_id_fkey REFERENCES patients (id),
    provider_id  integer CONSTRAINT appointment_series_provider_id_fkey REFERENCES providers (id),
    specialty    text,  -- instead of a provider: each occurrence with the first of its providers free then
    type_id      integer NOT NULL CONSTRAINT appointment_series_type_id_fkey REFERENCES appointment_types (id),
    rule         jsonb NOT NULL,
    description  text NOT NULL CONSTRAINT appointment_series_description_not_blank CHECK (btrim(description) <> ''),
    occurrences  smallint NOT NULL
        CONSTRAINT appointment_series_occurrences_range CHECK (occurrences BETWEEN 1 AND 104),
    request_id   uuid NOT NULL CONSTRAINT appointment_series_request_id_key UNIQUE,
    created_by   text NOT NULL DEFAULT session_user,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appointment_series_provider_or_specialty CHECK ((provider_id IS NULL) <> (specialty IS NULL))
);
CREATE INDEX appointment_series_patient_idx ON appointment_series (patient_id);
CREATE TRIGGER appointment_series_audit AFTER INSERT OR UPDATE OR DELETE ON appointment_series
    FOR EACH ROW EXECUTE FUNCTION audit_change('', 'patient_id');
GRANT SELECT ON appointment_series TO {ALL_GROUPS};
GRANT INSERT ON appointment_series TO {WRITERS};

ALTER TABLE appointments
    ADD COLUMN series_id integer CONSTRAINT appointments_series_id_fkey REFERENCES appointment_series (id),
    ADD COLUMN series_index smallint,
    ADD CONSTRAINT appointments_series_place CHECK ((series_id IS NULL) = (series_index IS NULL) AND series_index >= 1);
CREATE INDEX appointments_series_idx ON appointments (series_id, series_index) WHERE series_id IS NOT NULL;
GRANT INSERT (series_id, series_index) ON appointments TO {WRITERS};
""" + _DETAILS.format(series=_SERIES_COLUMNS, series_join="\nLEFT JOIN appointment_series s ON s.id = a.series_id")

# Dropping the view's columns means making it again: its grants go with it, and come back as migration 0003 gave them.
DOWNGRADE = (
    "DROP VIEW appointment_details;"
    + _DETAILS.format(series="", series_join="").replace("CREATE OR REPLACE VIEW", "CREATE VIEW")
    + f"""GRANT SELECT ON appointment_details TO {ALL_GROUPS};
DROP INDEX appointments_series_idx;
ALTER TABLE appointments DROP CONSTRAINT appointments_series_place, DROP COLUMN series_index, DROP COLUMN series_id;
DROP TABLE appointment_series;
"""
)


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
