"""The database refuses what breaks the schedule, for the desk and for a staff member's own `psql` alike.

- `clinic_settings` holds the clinic's time zone (working hours are wall-clock times in it). It is recorded by the
  owner when the schema is upgraded (`db upgrade`, or the embedded server's start), from the configured zone; until
  then the hours are checked by the desks only.
- A trigger on `appointments` refuses a status change the transition table does not allow (a cancelled appointment
  stays cancelled), and a live appointment that is written or moved for an inactive provider, into their time off,
  or (once the zone is known) outside their working hours or off their slot grid. It share-locks the provider's
  schedule first, as the desk's booking does, so an admin's change and a hand-made write take turns too. The
  desk's own checks come first and give the friendly messages; these are the net.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ALL_GROUPS = "clinic_admin, clinic_receptionist, clinic_manager"

# The transition table of app/domain/models.py (ALLOWED_TRANSITIONS); test_schema checks that the two agree.
TRANSITIONS = (
    ("booked", "checked_in"),
    ("booked", "no_show"),
    ("booked", "cancelled"),
    ("checked_in", "booked"),
    ("checked_in", "completed"),
    ("no_show", "booked"),
)
TRANSITIONS_SQL = ", ".join(f"('{old}', '{new}')" for old, new in TRANSITIONS)

FUNCTION = f"""
CREATE FUNCTION appointments_follow_the_schedule() RETURNS trigger LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    zone text;
    local_start timestamp;
    local_busy_until timestamp;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status
       AND (OLD.status, NEW.status) NOT IN ({TRANSITIONS_SQL}) THEN
        RAISE EXCEPTION 'a % appointment cannot become %', OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_status_transition';
    END IF;
    IF NEW.status = 'cancelled' OR (TG_OP = 'UPDATE' AND (NEW.provider_id, NEW.starts_at, NEW.busy_until)
                                    IS NOT DISTINCT FROM (OLD.provider_id, OLD.starts_at, OLD.busy_until)) THEN
        RETURN NEW;  -- nothing about its time or provider changed
    END IF;
    PERFORM public.lock_provider_schedule(NEW.provider_id);
    IF NOT EXISTS (SELECT 1 FROM public.providers WHERE id = NEW.provider_id AND active) THEN
        RAISE EXCEPTION 'provider % is not active', NEW.provider_id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_provider_active';
    END IF;
    IF EXISTS (SELECT 1 FROM public.time_off o WHERE o.provider_id = NEW.provider_id
               AND o.starts_at < NEW.busy_until AND o.ends_at > NEW.starts_at) THEN
        RAISE EXCEPTION 'the provider is off at that time'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_outside_time_off';
    END IF;
    SELECT time_zone INTO zone FROM public.clinic_settings;
    IF zone IS NULL THEN
        RETURN NEW;
    END IF;
    local_start := NEW.starts_at AT TIME ZONE zone;
    local_busy_until := NEW.busy_until AT TIME ZONE zone;
    IF NOT EXISTS (
        SELECT 1 FROM public.working_hours h
        WHERE h.provider_id = NEW.provider_id AND h.weekday = extract(isodow FROM local_start)
          AND local_start >= CAST(local_start AS date) + h.start_time
          AND local_busy_until <= CAST(local_start AS date) + h.end_time
          AND CAST(extract(epoch FROM local_start - (CAST(local_start AS date) + h.start_time)) AS bigint)
              % (h.slot_minutes * 60) = 0) THEN
        RAISE EXCEPTION 'the appointment is outside the provider''s working hours or off their slot grid'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_inside_working_hours';
    END IF;
    RETURN NEW;
END
$$;
"""

UPGRADE = f"""
CREATE TABLE clinic_settings (
    only_row   boolean PRIMARY KEY DEFAULT true CONSTRAINT clinic_settings_one_row CHECK (only_row),
    time_zone  text NOT NULL CONSTRAINT clinic_settings_time_zone_known
        CHECK ((TIMESTAMPTZ '2000-01-01 00:00+00' AT TIME ZONE time_zone) IS NOT NULL)
);
GRANT SELECT ON clinic_settings TO {ALL_GROUPS};

{FUNCTION}
CREATE TRIGGER appointments_follow_the_schedule BEFORE INSERT OR UPDATE ON appointments
    FOR EACH ROW EXECUTE FUNCTION appointments_follow_the_schedule();
"""

DOWNGRADE = """
DROP TRIGGER appointments_follow_the_schedule ON appointments;
DROP FUNCTION appointments_follow_the_schedule();
DROP TABLE clinic_settings;
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(DOWNGRADE)
