"""Rooms and equipment: resources an appointment type may need, one at a time.

- `rooms`: a name, a kind ("procedure room", "ultrasound") and whether it is in use. A type may need a room of a
  kind (`appointment_types.room_kind`); a booking of it takes its provider and a free room of that kind together.
- `appointments.room_id`, and an exclusion constraint: a room is never in two live appointments whose spans with
  their buffers overlap.
- `room_days`: one lock row per room and local day. A booking that needs a room locks the rows of every room it may
  take that day, in room order, after its provider's grid positions: two desks wanting rooms of one kind queue, and
  cannot cross.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ALL_GROUPS = "clinic_admin, clinic_receptionist, clinic_manager"
WRITERS = "clinic_admin, clinic_receptionist"

UPGRADE = f"""
CREATE TABLE rooms (
    id      integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name    text NOT NULL CONSTRAINT rooms_name_not_blank CHECK (btrim(name) <> ''),
    kind    text NOT NULL CONSTRAINT rooms_kind_not_blank CHECK (btrim(kind) <> ''),
    active  boolean NOT NULL DEFAULT true,
    CONSTRAINT rooms_name_key UNIQUE (name)
);
CREATE INDEX rooms_kind_idx ON rooms (kind) WHERE active;
CREATE TRIGGER rooms_audit AFTER INSERT OR UPDATE OR DELETE ON rooms
    FOR EACH ROW EXECUTE FUNCTION audit_change('', '');
CREATE TRIGGER rooms_announce AFTER INSERT OR UPDATE OR DELETE ON rooms
    FOR EACH ROW EXECUTE FUNCTION announce_schedule_change('');
GRANT SELECT ON rooms TO {ALL_GROUPS};
GRANT INSERT, UPDATE, DELETE ON rooms TO clinic_admin;

ALTER TABLE appointment_types ADD COLUMN room_kind text
    CONSTRAINT appointment_types_room_kind_not_blank CHECK (btrim(room_kind) <> '');

ALTER TABLE appointments
    ADD COLUMN room_id integer CONSTRAINT appointments_room_id_fkey REFERENCES rooms (id),
    ADD CONSTRAINT appointments_no_room_overlap EXCLUDE USING gist (
        int4range(room_id, room_id, '[]') WITH &&,
        tstzrange(starts_at, busy_until) WITH &&
    ) WHERE (status <> 'cancelled' AND room_id IS NOT NULL);
CREATE INDEX appointments_room_starts_at_idx ON appointments (room_id, starts_at) WHERE room_id IS NOT NULL;
GRANT INSERT (room_id), UPDATE (room_id) ON appointments TO {WRITERS};

CREATE TABLE room_days (
    room_id  integer NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    day      date NOT NULL,
    PRIMARY KEY (room_id, day)
);
GRANT SELECT, INSERT, UPDATE ON room_days TO {WRITERS};
GRANT SELECT ON room_days TO clinic_manager;
"""

DOWNGRADE = """
DROP TABLE room_days;
DROP INDEX appointments_room_starts_at_idx;
ALTER TABLE appointments DROP CONSTRAINT appointments_no_room_overlap, DROP COLUMN room_id;
ALTER TABLE appointment_types DROP COLUMN room_kind;
DROP TABLE rooms;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
