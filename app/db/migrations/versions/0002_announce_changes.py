"""Announce every change to the schedule with NOTIFY, in the transaction that makes it.

A notification is sent at commit and never for a transaction that rolled back. Its payload is a hint,
not the data: the table, the operation, the row, the provider and the time spans the change touches.
Desks re-read what they show when a hint concerns it.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CHANNEL = "clinic_schedule"

UPGRADE = rf"""
-- Arguments: the provider column, then the start and end columns of the time the row covers. Without
-- start and end the change is not tied to a time (weekly hours, a provider): every day may be affected.
CREATE FUNCTION announce_schedule_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    affected jsonb[] := ARRAY[]::jsonb[];
    affected_row jsonb;
    spans jsonb := '[]';
    provider_column text := TG_ARGV[0];
    start_column text := TG_ARGV[1];
    end_column text := TG_ARGV[2];
BEGIN
    IF TG_OP <> 'INSERT' THEN affected := affected || to_jsonb(OLD); END IF;
    IF TG_OP <> 'DELETE' THEN affected := affected || to_jsonb(NEW); END IF;
    IF start_column IS NOT NULL THEN
        FOREACH affected_row IN ARRAY affected LOOP
            spans := spans || jsonb_build_array(
                jsonb_build_array(affected_row -> start_column, affected_row -> end_column));
        END LOOP;
    END IF;
    affected_row := affected[cardinality(affected)];
    PERFORM pg_notify('{CHANNEL}', jsonb_build_object(
        'table', TG_TABLE_NAME,
        'op', TG_OP,
        'id', affected_row -> 'id',
        'provider_id', affected_row -> provider_column,
        'spans', CASE WHEN start_column IS NULL THEN NULL ELSE spans END
    )::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER appointments_announce AFTER INSERT OR UPDATE OR DELETE ON appointments
    FOR EACH ROW EXECUTE FUNCTION announce_schedule_change('provider_id', 'starts_at', 'ends_at');
CREATE TRIGGER time_slots_announce AFTER INSERT OR UPDATE OR DELETE ON time_slots
    FOR EACH ROW EXECUTE FUNCTION announce_schedule_change('provider_id', 'start_time', 'end_time');
CREATE TRIGGER time_off_announce AFTER INSERT OR UPDATE OR DELETE ON time_off
    FOR EACH ROW EXECUTE FUNCTION announce_schedule_change('provider_id', 'starts_at', 'ends_at');
CREATE TRIGGER working_hours_announce AFTER INSERT OR UPDATE OR DELETE ON working_hours
    FOR EACH ROW EXECUTE FUNCTION announce_schedule_change('provider_id');
CREATE TRIGGER providers_announce AFTER INSERT OR UPDATE OR DELETE ON providers
    FOR EACH ROW EXECUTE FUNCTION announce_schedule_change('id');
"""

DOWNGRADE = """
DROP TRIGGER providers_announce ON providers;
DROP TRIGGER working_hours_announce ON working_hours;
DROP TRIGGER time_off_announce ON time_off;
DROP TRIGGER time_slots_announce ON time_slots;
DROP TRIGGER appointments_announce ON appointments;
DROP FUNCTION announce_schedule_change();
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
