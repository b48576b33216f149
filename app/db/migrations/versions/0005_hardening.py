"""What a staff login with its own tools could do, bounded by the server itself.

- Time limits: the database bounds every session's idle transactions and statements, and the staff functions
  give every staff login the same limits and a connection limit (enough for two desks), so a `psql` left open in a
  transaction cannot hold the clinic's rows for long, nor one login take every connection.
- Staff management through the owner needs PostgreSQL 16 or later (on 15 and older a CREATEROLE role can make
  itself superuser): there the staff functions refuse and IT adds logins.
- Every function that runs as the owner refuses NULLs and malformed values; a password verifier must be one that
  PostgreSQL stores as a verifier (any other string it would take as the plain password).
- Staff change their own password through a function that checks and audits it.
- The audit trail records the client's address as the server sees it, beside the workstation name the client
  gives.
- Every write of the desk records a request id in the same transaction, so a write whose answer was lost with
  its connection is found, not made again (app/services/uow.py).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

import importlib.util
from pathlib import Path

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

GROUPS = ("clinic_admin", "clinic_receptionist", "clinic_manager")
ALL_GROUPS = ", ".join(GROUPS)
WRITERS = "clinic_admin, clinic_receptionist"
IDLE_IN_TRANSACTION_TIMEOUT = "30s"
STATEMENT_TIMEOUT = "60s"
CONNECTION_LIMIT = 16  # a desk holds up to 7 connections (a pool of 4 and 2 more at peaks, a listener): two desks


def _audit_change(address: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION audit_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    before_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    after_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    changed jsonb := COALESCE(after_row, before_row);
BEGIN
    INSERT INTO public.audit_log (at, db_user, workstation, table_name, action, row_id, appointment_id, patient_id,
                                  before, after{", client_addr" if address else ""})
    VALUES (now(), session_user, current_setting('application_name'), TG_TABLE_NAME, TG_OP,
            (changed ->> 'id')::bigint,
            (changed ->> NULLIF(TG_ARGV[0], ''))::bigint,
            (changed ->> NULLIF(TG_ARGV[1], ''))::integer,
            before_row, after_row{address});
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION staff_audit(staff_name text, action text, before_state jsonb, after_state jsonb)
RETURNS void LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO public.audit_log (at, db_user, workstation, table_name, action, row_id, before, after
                                  {", client_addr" if address else ""})
    SELECT now(), session_user, current_setting('application_name'), 'staff', action, oid, before_state, after_state
           {address}
    FROM pg_roles WHERE rolname = staff_name
$$;
"""


def _appointment_history(address: bool) -> str:
    column, returned = (", client_addr", ", client_addr inet") if address else ("", "")
    return f"""
DROP FUNCTION appointment_history(bigint);
CREATE FUNCTION appointment_history(appointment bigint)
RETURNS TABLE (at timestamptz, db_user text, workstation text, action text, before jsonb, after jsonb{returned})
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT at, db_user, workstation, action, before, after{column}
    FROM public.audit_log WHERE table_name = 'appointments' AND appointment_id = appointment ORDER BY id
$$;
REVOKE ALL ON FUNCTION appointment_history(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION appointment_history(bigint) TO {ALL_GROUPS};
"""


STAFF = rf"""
-- PostgreSQL 15 and older let a CREATEROLE role grant itself any role, pg_execute_server_program included: the
-- owner must not have CREATEROLE there, so it cannot manage staff, and IT does (docs/deploying.md).
CREATE FUNCTION staff_require_owner_management() RETURNS void LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF current_setting('server_version_num')::integer < 160000 THEN
        RAISE EXCEPTION 'staff: on PostgreSQL % IT manages staff accounts (PostgreSQL 16 or later lets admins do'
            ' it safely); ask IT', split_part(current_setting('server_version'), ' ', 1) USING ERRCODE = '0A000';
    END IF;
END
$$;

-- PostgreSQL stores a string as a SCRAM verifier only if it parses as one; anything else it takes as the plain
-- password. So: an iteration count that fits an int, a base64 salt, and keys of exactly 32 bytes (43 base64
-- characters and one '=').
CREATE OR REPLACE FUNCTION staff_check_verifier(password_verifier text) RETURNS void LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    parts text[] := regexp_match(password_verifier,
        '^SCRAM-SHA-256\$([1-9][0-9]{{0,8}}):((?:[A-Za-z0-9+/]{{4}})*(?:[A-Za-z0-9+/]{{2}}==|[A-Za-z0-9+/]{{3}}=)?)'
        '\$([A-Za-z0-9+/]{{43}}=):([A-Za-z0-9+/]{{43}}=)$');
BEGIN
    IF parts IS NULL OR parts[2] = '' THEN
        RAISE EXCEPTION 'password: must be sent as a SCRAM-SHA-256 verifier' USING ERRCODE = '22023';
    END IF;
END
$$;

CREATE OR REPLACE FUNCTION staff_require_member(staff_name text) RETURNS jsonb LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    state jsonb;
BEGIN
    IF staff_name IS NULL THEN
        RAISE EXCEPTION 'name: must be given' USING ERRCODE = '22023';
    END IF;
    state := public.staff_state(staff_name);
    IF state IS NULL THEN
        RAISE EXCEPTION 'name: no staff member is called "%"', staff_name USING ERRCODE = '42704';
    END IF;
    RETURN state;
END
$$;

-- The server's own bounds for a staff login: what a desk sets for itself, for the login's other tools too.
CREATE FUNCTION staff_apply_bounds(staff_name text) RETURNS void LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE format('ALTER ROLE %I CONNECTION LIMIT {CONNECTION_LIMIT}', staff_name);
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', staff_name,
                   '{IDLE_IN_TRANSACTION_TIMEOUT}');
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', staff_name, '{STATEMENT_TIMEOUT}');
END
$$;

CREATE OR REPLACE FUNCTION staff_add(staff_name text, staff_role text, password_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM public.staff_require_owner_management();
    PERFORM public.staff_check_name(staff_name);
    IF staff_role IS NULL OR staff_role NOT IN ('clinic_admin', 'clinic_receptionist', 'clinic_manager') THEN
        RAISE EXCEPTION 'role: must be one of {", ".join(GROUPS)}' USING ERRCODE = '22023';
    END IF;
    PERFORM public.staff_check_verifier(password_verifier);
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = staff_name) THEN
        RAISE EXCEPTION 'name: "%" is already taken on this server', staff_name USING ERRCODE = '42710';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', staff_name, password_verifier, staff_role);
    PERFORM public.staff_apply_bounds(staff_name);
    PERFORM public.staff_audit(staff_name, 'INSERT', NULL, public.staff_state(staff_name));
END
$$;

CREATE OR REPLACE FUNCTION staff_set_enabled(staff_name text, enabled boolean) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    before_state jsonb;
    ended integer := 0;
BEGIN
    PERFORM public.staff_require_owner_management();
    before_state := public.staff_require_member(staff_name);
    IF enabled IS NULL THEN
        RAISE EXCEPTION 'enabled: must be true or false' USING ERRCODE = '22023';
    END IF;
    IF NOT enabled AND staff_name = session_user THEN
        RAISE EXCEPTION 'name: you cannot disable your own account' USING ERRCODE = '22023';
    END IF;
    EXECUTE format('ALTER ROLE %I %s', staff_name, CASE WHEN enabled THEN 'LOGIN' ELSE 'NOLOGIN' END);
    PERFORM public.staff_audit(staff_name, 'UPDATE', before_state, public.staff_state(staff_name));
    IF NOT enabled THEN
        BEGIN
            SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) INTO ended
            FROM pg_stat_activity WHERE usename = staff_name;
        EXCEPTION WHEN insufficient_privilege THEN
            ended := 0;
        END;
    END IF;
    RETURN ended;
END
$$;

CREATE OR REPLACE FUNCTION staff_set_password(staff_name text, password_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    before_state jsonb;
BEGIN
    PERFORM public.staff_require_owner_management();
    before_state := public.staff_require_member(staff_name);
    PERFORM public.staff_check_verifier(password_verifier);
    EXECUTE format('ALTER ROLE %I PASSWORD %L', staff_name, password_verifier);
    PERFORM public.staff_audit(staff_name, 'UPDATE', before_state, before_state || '{{"password_set": true}}');
END
$$;

-- Any member of staff, for their own login: the desk checks the password's rules (the server sees a verifier
-- only), and the change is audited like an admin's reset.
CREATE FUNCTION staff_change_own_password(password_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    before_state jsonb := public.staff_state(session_user);
BEGIN
    PERFORM public.staff_require_owner_management();
    IF before_state IS NULL THEN
        RAISE EXCEPTION 'name: "%" is not a staff account; ask IT to change its password', session_user
            USING ERRCODE = '42704';
    END IF;
    PERFORM public.staff_check_verifier(password_verifier);
    EXECUTE format('ALTER ROLE %I PASSWORD %L', session_user, password_verifier);
    PERFORM public.staff_audit(session_user, 'UPDATE', before_state, before_state || '{{"password_set": true}}');
END
$$;

REVOKE ALL ON FUNCTION staff_require_owner_management() FROM PUBLIC;
REVOKE ALL ON FUNCTION staff_apply_bounds(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION staff_change_own_password(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION staff_change_own_password(text) TO {ALL_GROUPS};
"""

# The database's own bounds, for every session (its owner, IT's tools and logins that are not staff included).
# Only the database's owner (or a superuser) may set them: elsewhere `doctor` says what is missing.
DATABASE_BOUNDS = f"""
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET idle_in_transaction_session_timeout = %L', current_database(),
                   '{IDLE_IN_TRANSACTION_TIMEOUT}');
    EXECUTE format('ALTER DATABASE %I SET statement_timeout = %L', current_database(), '{STATEMENT_TIMEOUT}');
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'the database''s time limits were not set: only its owner may (see clinic-scheduler doctor)';
END
$$;

-- Staff added before this revision get the same bounds as new ones, where the owner may change them.
DO $$
DECLARE
    member record;
BEGIN
    IF current_setting('server_version_num')::integer < 160000 THEN
        RETURN;
    END IF;
    FOR member IN SELECT DISTINCT name FROM public.staff_list() LOOP
        BEGIN
            PERFORM public.staff_apply_bounds(member.name);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE WARNING 'no limits set for "%": the owner may not change that login', member.name;
        END;
    END LOOP;
END
$$;
"""

REQUESTS = f"""
-- One row per write a desk made: its request id and its answer, written in the write's own transaction. A desk
-- whose connection went during COMMIT looks its request up before trying again.
CREATE TABLE write_requests (
    request_id uuid PRIMARY KEY,
    db_user text NOT NULL DEFAULT session_user,
    at timestamptz NOT NULL DEFAULT now(),
    result jsonb
);
-- Managers write one thing: their own password (staff_change_own_password), which records a request too. Each login
-- sees only its own requests (when and what it wrote is the audit trail's, for managers and admins).
GRANT SELECT, INSERT (request_id, result), UPDATE (result) ON write_requests TO {ALL_GROUPS};
ALTER TABLE write_requests ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_requests ON write_requests USING (db_user = session_user);
ALTER TABLE audit_log ADD COLUMN client_addr inet;
"""

DOWNGRADE = """
DROP FUNCTION staff_change_own_password(text);
DROP FUNCTION staff_apply_bounds(text);
DROP FUNCTION staff_require_owner_management();
DROP TABLE write_requests;
"""


def _revision_0003():
    """The staff functions as revision 0003 made them, for the downgrade."""
    path = Path(__file__).with_name("0003_roles_and_audit.py")
    spec = importlib.util.spec_from_file_location("revision_0003", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade() -> None:
    op.execute(REQUESTS)
    op.execute(_audit_change(", inet_client_addr()"))
    op.execute(_appointment_history(address=True))
    op.execute(STAFF)
    op.execute(DATABASE_BOUNDS)


def downgrade() -> None:
    op.execute(DOWNGRADE)
    op.execute(_revision_0003().STAFF.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
    op.execute(_audit_change(""))
    op.execute(_appointment_history(address=False))
    op.execute("ALTER TABLE audit_log DROP COLUMN client_addr;")
    op.execute("""
DO $$ BEGIN
    EXECUTE format('ALTER DATABASE %I RESET idle_in_transaction_session_timeout', current_database());
    EXECUTE format('ALTER DATABASE %I RESET statement_timeout', current_database());
EXCEPTION WHEN insufficient_privilege THEN NULL;
END $$;
""")
