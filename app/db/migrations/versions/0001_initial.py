"""Initial schema: providers, patients, appointment types, working hours, time off, slots, appointments.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

UPGRADE = r"""
CREATE TABLE providers (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CONSTRAINT providers_name_not_blank CHECK (btrim(name) <> ''),
    specialty   text NOT NULL DEFAULT '',
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT providers_name_key UNIQUE (name)
);

CREATE TABLE patients (
    id             integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    first_name     text NOT NULL CONSTRAINT patients_first_name_not_blank CHECK (btrim(first_name) <> ''),
    last_name      text NOT NULL CONSTRAINT patients_last_name_not_blank CHECK (btrim(last_name) <> ''),
    date_of_birth  date NOT NULL CONSTRAINT patients_date_of_birth_range CHECK (date_of_birth >= DATE '1900-01-01'),
    phone          text NOT NULL,
    email          text,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX patients_last_name_idx ON patients (lower(last_name) text_pattern_ops);
CREATE INDEX patients_first_name_idx ON patients (lower(first_name) text_pattern_ops);
CREATE INDEX patients_date_of_birth_idx ON patients (date_of_birth);
CREATE INDEX patients_phone_digits_idx ON patients (regexp_replace(phone, '[^0-9]', '', 'g') text_pattern_ops);

CREATE TABLE appointment_types (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL CONSTRAINT appointment_types_code_key UNIQUE,
    name        text NOT NULL,
    color       text NOT NULL CONSTRAINT appointment_types_color_hex CHECK (color ~ '^#[0-9a-f]{6}$'),
    is_default  boolean NOT NULL DEFAULT false
);
-- At most one default type: the one a booking gets when it names none.
CREATE UNIQUE INDEX appointment_types_one_default ON appointment_types (is_default) WHERE is_default;
INSERT INTO appointment_types (code, name, color, is_default) VALUES
    ('consultation', 'Consultation', '#3b82f6', true),
    ('follow_up', 'Follow-up', '#10b981', false),
    ('procedure', 'Procedure', '#f59e0b', false);

-- Weekly working hours, wall-clock times in the clinic's zone; isodow 1 = Monday ... 7 = Sunday.
CREATE TABLE working_hours (
    id            integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id   integer NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    weekday       smallint NOT NULL CONSTRAINT working_hours_weekday_range CHECK (weekday BETWEEN 1 AND 7),
    start_time    time NOT NULL,
    end_time      time NOT NULL,
    slot_minutes  integer NOT NULL CONSTRAINT working_hours_slot_minutes_range CHECK (slot_minutes BETWEEN 5 AND 480),
    CONSTRAINT working_hours_end_after_start CHECK (end_time > start_time),
    CONSTRAINT working_hours_no_overlap EXCLUDE USING gist (
        int4range(provider_id, provider_id, '[]') WITH &&,
        int4range(weekday, weekday, '[]') WITH &&,
        tsrange(DATE '2000-01-01' + start_time, DATE '2000-01-01' + end_time) WITH &&
    )
);

CREATE TABLE time_off (
    id           integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id  integer NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    reason       text NOT NULL DEFAULT '',
    CONSTRAINT time_off_end_after_start CHECK (ends_at > starts_at)
);
CREATE INDEX time_off_provider_range_idx ON time_off USING gist (
    int4range(provider_id, provider_id, '[]'), tstzrange(starts_at, ends_at)
);

CREATE TABLE time_slots (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    provider_id  integer NOT NULL REFERENCES providers (id),
    start_time   timestamptz NOT NULL,
    end_time     timestamptz NOT NULL,
    CONSTRAINT time_slots_end_after_start CHECK (end_time > start_time),
    CONSTRAINT time_slots_provider_start_key UNIQUE (provider_id, start_time),
    -- Target of the appointments' composite key, which keeps their copied provider and start equal to the slot's.
    CONSTRAINT time_slots_identity_key UNIQUE (id, provider_id, start_time)
);

CREATE TABLE appointments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slot_id      bigint NOT NULL,
    -- Copies of the slot's provider and start (constraints can only see their own row). The end is the
    -- appointment's own: a slot row outlives a change of the provider's slot length.
    provider_id  integer NOT NULL,
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    patient_id   integer NOT NULL REFERENCES patients (id),
    type_id      integer NOT NULL REFERENCES appointment_types (id),
    status       text NOT NULL DEFAULT 'booked'
        CONSTRAINT appointments_status_check
        CHECK (status IN ('booked', 'checked_in', 'completed', 'no_show', 'cancelled')),
    notes        text NOT NULL DEFAULT '',
    request_id   uuid NOT NULL CONSTRAINT appointments_request_id_key UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT appointments_end_after_start CHECK (ends_at > starts_at),
    CONSTRAINT appointments_slot_fkey FOREIGN KEY (slot_id, provider_id, starts_at)
        REFERENCES time_slots (id, provider_id, start_time),
    CONSTRAINT appointments_no_provider_overlap EXCLUDE USING gist (
        int4range(provider_id, provider_id, '[]') WITH &&,
        tstzrange(starts_at, ends_at) WITH &&
    ) WHERE (status <> 'cancelled'),
    CONSTRAINT appointments_no_patient_overlap EXCLUDE USING gist (
        int4range(patient_id, patient_id, '[]') WITH &&,
        tstzrange(starts_at, ends_at) WITH &&
    ) WHERE (status <> 'cancelled')
);
-- One live appointment per slot: the last safety net under the booking lock.
CREATE UNIQUE INDEX appointments_one_live_per_slot ON appointments (slot_id) WHERE status <> 'cancelled';
CREATE INDEX appointments_patient_idx ON appointments (patient_id);
CREATE INDEX appointments_starts_at_idx ON appointments (starts_at);

CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
CREATE TRIGGER appointments_touch_updated_at BEFORE UPDATE ON appointments
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();
CREATE TRIGGER patients_touch_updated_at BEFORE UPDATE ON patients
    FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

CREATE VIEW appointment_details AS
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
       t.color AS type_color
FROM appointments a
JOIN providers p ON p.id = a.provider_id
JOIN patients pt ON pt.id = a.patient_id
JOIN appointment_types t ON t.id = a.type_id;
"""

DOWNGRADE = """
DROP VIEW appointment_details;
DROP TABLE appointments;
DROP TABLE time_slots;
DROP TABLE time_off;
DROP TABLE working_hours;
DROP TABLE appointment_types;
DROP TABLE patients;
DROP TABLE providers;
DROP FUNCTION touch_updated_at();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
