"""A booking and a move share-lock the provider whose rules they follow.

An admin's change to a provider (activity, hours, time off) locks the provider's row exclusively and looks for
the appointments it would orphan under that lock; a booking or a move takes the share lock before it reads the
rules (again) and writes. The two can no longer commit past each other. Staff may not lock the providers' rows
themselves (`FOR SHARE` needs UPDATE on the table), so the share lock is taken through a function that runs as
the owner and does nothing else.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

GROUPS = "clinic_admin, clinic_receptionist, clinic_manager"

UPGRADE = f"""
CREATE FUNCTION lock_provider_schedule(provider integer) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    found integer;
BEGIN
    IF provider IS NULL THEN
        RAISE EXCEPTION 'provider: must be given' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT id INTO found FROM public.providers WHERE id = provider FOR SHARE;
    RETURN found;
END $$;
REVOKE ALL ON FUNCTION lock_provider_schedule(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lock_provider_schedule(integer) TO {GROUPS};
"""


def upgrade() -> None:
    op.execute(UPGRADE)


def downgrade() -> None:
    op.execute("DROP FUNCTION lock_provider_schedule(integer);")
