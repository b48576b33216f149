"""Clinic-wide closures (public holidays, the clinic shut): no provider can be booked then.

An admin adds a closure under an exclusive lock on every provider's row (bookings share-lock their provider's),
refused while live appointments lie in it; the schedule trigger of migration 0008 learns to refuse a live
appointment in a closure, for every writer, `psql` included.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ALL_GROUPS = "clinic_admin, clinic_receptionist, clinic_manager"


def _schedule_rules():
    """Migration 0008, whose trigger function this one extends."""
    path = Path(__file__).with_name("0008_schedule_rules_in_the_database.py")
    spec = importlib.util.spec_from_file_location("schedule_rules_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_RULES = _schedule_rules().FUNCTION.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
_AFTER_TIME_OFF = "CONSTRAINT = 'appointments_outside_time_off';\n    END IF;\n"
_CLOSURES = """    IF EXISTS (SELECT 1 FROM public.closures c
               WHERE c.starts_at < NEW.busy_until AND c.ends_at > NEW.starts_at) THEN
        RAISE EXCEPTION 'the clinic is closed at that time'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_outside_closures';
    END IF;
"""
assert _AFTER_TIME_OFF in _RULES
FUNCTION = _RULES.replace(_AFTER_TIME_OFF, _AFTER_TIME_OFF + _CLOSURES)

UPGRADE = f"""
CREATE TABLE closures (
    id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL,
    reason     text NOT NULL DEFAULT '',
    CONSTRAINT closures_end_after_start CHECK (ends_at > starts_at)
);
CREATE INDEX closures_range_idx ON closures USING gist (tstzrange(starts_at, ends_at));
CREATE TRIGGER closures_audit AFTER INSERT OR UPDATE OR DELETE ON closures
    FOR EACH ROW EXECUTE FUNCTION audit_change('', '');
CREATE TRIGGER closures_announce AFTER INSERT OR UPDATE OR DELETE ON closures
    FOR EACH ROW EXECUTE FUNCTION announce_schedule_change('', 'starts_at', 'ends_at');
GRANT SELECT ON closures TO {ALL_GROUPS};
GRANT INSERT, UPDATE, DELETE ON closures TO clinic_admin;
{FUNCTION}
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute(_RULES)  # the trigger function without closures
    op.execute("DROP TABLE closures;")
