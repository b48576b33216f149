"""The schedule trigger holds the rooms too: a live appointment whose type needs a room has one in use of that
kind, and one whose type needs none has none, for the desk and for a staff member's own `psql` alike.

The trigger now also runs its checks when an appointment's room or type changes, not only its time or provider.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _closures_migration():
    """Migration 0009, whose trigger function this one extends."""
    path = Path(__file__).with_name("0009_closures.py")
    spec = importlib.util.spec_from_file_location("closures_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_BEFORE = _closures_migration().FUNCTION
_UNCHANGED = (
    "(NEW.provider_id, NEW.starts_at, NEW.busy_until)\n"
    "                                    IS NOT DISTINCT FROM (OLD.provider_id, OLD.starts_at, OLD.busy_until)"
)
_UNCHANGED_NOW = (
    "(NEW.provider_id, NEW.starts_at, NEW.busy_until, NEW.room_id, NEW.type_id)\n"
    "                                    IS NOT DISTINCT FROM"
    " (OLD.provider_id, OLD.starts_at, OLD.busy_until, OLD.room_id, OLD.type_id)"
)
_AFTER_CLOSURES = "CONSTRAINT = 'appointments_outside_closures';\n    END IF;\n"
_ROOMS = """    IF NOT EXISTS (
        SELECT 1 FROM public.appointment_types t
        WHERE t.id = NEW.type_id AND (
            (t.room_kind IS NULL AND NEW.room_id IS NULL)
            OR EXISTS (SELECT 1 FROM public.rooms r
                       WHERE r.id = NEW.room_id AND r.active AND r.kind = t.room_kind))) THEN
        RAISE EXCEPTION 'the appointment needs a room in use of the kind its type needs, and no other'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_room_of_its_kind';
    END IF;
"""
assert _UNCHANGED in _BEFORE and _AFTER_CLOSURES in _BEFORE
FUNCTION = _BEFORE.replace(_UNCHANGED, _UNCHANGED_NOW).replace(_AFTER_CLOSURES, _AFTER_CLOSURES + _ROOMS)


def upgrade() -> None:
    op.execute(FUNCTION)


def downgrade() -> None:
    op.execute(_BEFORE)  # the trigger function without rooms
