"""Staff roles enforced by the database, an append-only audit trail, and staff management for admins.

Three group roles hold the privileges; every staff member logs in with a login role of their own that belongs
to one of them. The groups are cluster-wide: created here when missing, never dropped (another clinic database
on the same server may use them). The audit trail is written by triggers that run as the schema's owner, so
no staff role needs, or has, any write privilege on it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

GROUPS = ("clinic_admin", "clinic_receptionist", "clinic_manager")
ALL_GROUPS = ", ".join(GROUPS)
WRITERS = "clinic_admin, clinic_receptionist"
GROUP_LIST_SQL = ", ".join(f"'{group}'" for group in GROUPS)
# Names PostgreSQL keeps for itself, and the groups: no staff login may take them.
RESERVED_SQL = ", ".join(
    f"'{name}'" for name in ("public", "none", "current_user", "session_user", "current_role", *GROUPS)
)

# Another database's migration may create the same group at the same moment: either way it then exists. Groups IT
# created already are left alone (on PostgreSQL 13 to 15 the owner must not be able to create roles at all).
CREATE_GROUPS = "\n".join(
    f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') THEN CREATE ROLE {group} NOLOGIN;"
    " END IF; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;"
    for group in GROUPS
)

AUDIT = r"""
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL,
    db_user text NOT NULL,
    workstation text NOT NULL,
    table_name text NOT NULL,
    action text NOT NULL CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
    row_id bigint NOT NULL,
    appointment_id bigint,
    patient_id integer,
    before jsonb,
    after jsonb
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_appointment_idx ON audit_log (appointment_id) WHERE appointment_id IS NOT NULL;
CREATE INDEX audit_log_patient_idx ON audit_log (patient_id) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_log_user_idx ON audit_log (db_user);

-- Arguments: the row's column holding the appointment id, then the one holding the patient id ('' for none),
-- so the trail can be searched by appointment and by patient. SECURITY DEFINER: it writes as the owner, while
-- session_user still names who logged in. Every function that runs as the owner searches pg_catalog only and
-- names this schema's objects in full, so nobody's objects in public can stand in for them.
CREATE FUNCTION audit_change() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    before_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    after_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    changed jsonb := COALESCE(after_row, before_row);
BEGIN
    INSERT INTO public.audit_log (at, db_user, workstation, table_name, action, row_id, appointment_id, patient_id,
                                  before, after)
    VALUES (now(), session_user, current_setting('application_name'), TG_TABLE_NAME, TG_OP,
            (changed ->> 'id')::bigint,
            (changed ->> NULLIF(TG_ARGV[0], ''))::bigint,
            (changed ->> NULLIF(TG_ARGV[1], ''))::integer,
            before_row, after_row);
    RETURN NULL;
END
$$;

CREATE TRIGGER appointments_audit AFTER INSERT OR UPDATE OR DELETE ON appointments
    FOR EACH ROW EXECUTE FUNCTION audit_change('id', 'patient_id');
CREATE TRIGGER patients_audit AFTER INSERT OR UPDATE OR DELETE ON patients
    FOR EACH ROW EXECUTE FUNCTION audit_change('', 'id');
-- A slot row is created by the booking that first uses it (that booking's own audit row covers it) and its
-- end follows the slot length at booking; moving or removing a slot is what the trail must show.
CREATE TRIGGER time_slots_audit AFTER UPDATE OF provider_id, start_time OR DELETE ON time_slots
    FOR EACH ROW EXECUTE FUNCTION audit_change('', '');
-- The admins' changes to the schedule's set-up: one row per row changed.
CREATE TRIGGER providers_audit AFTER INSERT OR UPDATE OR DELETE ON providers
    FOR EACH ROW EXECUTE FUNCTION audit_change('', '');
CREATE TRIGGER working_hours_audit AFTER INSERT OR UPDATE OR DELETE ON working_hours
    FOR EACH ROW EXECUTE FUNCTION audit_change('', '');
CREATE TRIGGER time_off_audit AFTER INSERT OR UPDATE OR DELETE ON time_off
    FOR EACH ROW EXECUTE FUNCTION audit_change('', '');
CREATE TRIGGER appointment_types_audit AFTER INSERT OR UPDATE OR DELETE ON appointment_types
    FOR EACH ROW EXECUTE FUNCTION audit_change('', '');

-- An appointment's history for anyone who may see the appointment; the whole trail is for managers and admins.
CREATE FUNCTION appointment_history(appointment bigint)
RETURNS TABLE (at timestamptz, db_user text, workstation text, action text, before jsonb, after jsonb)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT at, db_user, workstation, action, before, after
    FROM public.audit_log WHERE table_name = 'appointments' AND appointment_id = appointment ORDER BY id
$$;
"""

# Staff management runs as the schema's owner (who needs CREATEROLE), and can do only this: create a login role
# in one clinic group, enable or disable it, set its password; each leaves a row in the audit trail. Passwords
# arrive as SCRAM verifiers computed by the client, so a plain password is never sent to the server or logged.
STAFF = rf"""
CREATE FUNCTION staff_check_name(staff_name text) RETURNS void LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF staff_name IS NULL OR staff_name !~ '^[a-z][a-z0-9._-]{{0,62}}$' THEN
        RAISE EXCEPTION 'name: use 1 to 63 lower-case letters, digits, dots, dashes or underscores, starting'
            ' with a letter' USING ERRCODE = '22023';
    END IF;
    IF staff_name ~ '^pg_' OR staff_name IN ({RESERVED_SQL}) THEN
        RAISE EXCEPTION 'name: "%" is reserved by the database', staff_name USING ERRCODE = '22023';
    END IF;
END
$$;

CREATE FUNCTION staff_check_verifier(password_verifier text) RETURNS void LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF password_verifier IS NULL
       OR password_verifier !~ '^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' THEN
        RAISE EXCEPTION 'password: must be sent as a SCRAM-SHA-256 verifier' USING ERRCODE = '22023';
    END IF;
END
$$;

-- Staff are plain logins in a clinic group and nothing else. Never a superuser, a role that may create roles,
-- replicate or bypass row security, this database's owner or the schema's owner (in PostgreSQL 16 and later
-- the owner is an ADMIN member of the groups it created), nor a login that belongs to any other role (through
-- which it could reach the owner's or a superuser's rights): an admin must not be able to set their passwords.
CREATE FUNCTION staff_list() RETURNS TABLE (name text, role text, enabled boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT member.rolname::text, grp.rolname::text, member.rolcanlogin
    FROM pg_auth_members m
    JOIN pg_roles grp ON grp.oid = m.roleid
    JOIN pg_roles member ON member.oid = m.member
    WHERE grp.rolname IN ({GROUP_LIST_SQL}) AND member.rolname NOT IN ({GROUP_LIST_SQL})
      AND NOT m.admin_option
      AND NOT (member.rolsuper OR member.rolcreaterole OR member.rolreplication OR member.rolbypassrls)
      AND member.oid <> (SELECT datdba FROM pg_database WHERE datname = current_database())
      AND member.rolname <> current_user
      AND NOT EXISTS (SELECT 1 FROM pg_auth_members other JOIN pg_roles r ON r.oid = other.roleid
                      WHERE other.member = member.oid AND r.rolname NOT IN ({GROUP_LIST_SQL}))
    ORDER BY 1, 2
$$;

-- The member's audit picture: name, group and whether it may sign in (never anything about its password).
CREATE FUNCTION staff_state(staff_name text) RETURNS jsonb LANGUAGE sql STABLE
SET search_path = pg_catalog, pg_temp AS $$
    SELECT jsonb_build_object('name', s.name, 'role', s.role, 'enabled', s.enabled)
    FROM public.staff_list() s WHERE s.name = staff_name ORDER BY s.role LIMIT 1
$$;

CREATE FUNCTION staff_audit(staff_name text, action text, before_state jsonb, after_state jsonb) RETURNS void
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
    INSERT INTO public.audit_log (at, db_user, workstation, table_name, action, row_id, before, after)
    SELECT now(), session_user, current_setting('application_name'), 'staff', action, oid, before_state, after_state
    FROM pg_roles WHERE rolname = staff_name
$$;

CREATE FUNCTION staff_require_member(staff_name text) RETURNS jsonb LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    state jsonb := public.staff_state(staff_name);
BEGIN
    IF state IS NULL THEN
        RAISE EXCEPTION 'name: no staff member is called "%"', staff_name USING ERRCODE = '42704';
    END IF;
    RETURN state;
END
$$;

CREATE FUNCTION staff_add(staff_name text, staff_role text, password_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM public.staff_check_name(staff_name);
    IF staff_role IS NULL OR staff_role NOT IN ({GROUP_LIST_SQL}) THEN
        RAISE EXCEPTION 'role: must be one of {", ".join(GROUPS)}' USING ERRCODE = '22023';
    END IF;
    PERFORM public.staff_check_verifier(password_verifier);
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = staff_name) THEN
        RAISE EXCEPTION 'name: "%" is already taken on this server', staff_name USING ERRCODE = '42710';
    END IF;
    EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L IN ROLE %I', staff_name, password_verifier, staff_role);
    PERFORM public.staff_audit(staff_name, 'INSERT', NULL, public.staff_state(staff_name));
END
$$;

-- Returns how many of the member's open sessions were ended (a disabled account is cut off at once where the
-- owner may signal its sessions; elsewhere its open desks keep working until they reconnect).
CREATE FUNCTION staff_set_enabled(staff_name text, enabled boolean) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    before_state jsonb := public.staff_require_member(staff_name);
    ended integer := 0;
BEGIN
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

CREATE FUNCTION staff_set_password(staff_name text, password_verifier text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    before_state jsonb := public.staff_require_member(staff_name);
BEGIN
    PERFORM public.staff_check_verifier(password_verifier);
    EXECUTE format('ALTER ROLE %I PASSWORD %L', staff_name, password_verifier);
    PERFORM public.staff_audit(staff_name, 'UPDATE', before_state, before_state || '{{"password_set": true}}');
END
$$;
"""

FUNCTIONS = (
    "audit_change()",
    "appointment_history(bigint)",
    "staff_check_name(text)",
    "staff_check_verifier(text)",
    "staff_list()",
    "staff_state(text)",
    "staff_audit(text, text, jsonb, jsonb)",
    "staff_require_member(text)",
    "staff_add(text, text, text)",
    "staff_set_enabled(text, boolean)",
    "staff_set_password(text, text)",
)
STAFF_API = ("staff_list()", "staff_add(text, text, text)", "staff_set_enabled(text, boolean)",
             "staff_set_password(text, text)")  # fmt: skip

READABLE = (
    "alembic_version, providers, working_hours, time_off, appointment_types, time_slots, appointments, patients,"
    " appointment_details"
)
GRANTS = "\n".join(
    [
        *(f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC;" for function in FUNCTIONS),
        f"GRANT USAGE ON SCHEMA public TO {ALL_GROUPS};",
        # Managers read everything, including the whole audit trail, and change nothing.
        f"GRANT SELECT ON {READABLE} TO {ALL_GROUPS};",
        f"GRANT EXECUTE ON FUNCTION appointment_history(bigint) TO {ALL_GROUPS};",
        "GRANT SELECT ON audit_log TO clinic_manager, clinic_admin;",
        # Receptionists book, move, cancel and change status, and create or edit patients. Column lists keep
        # bookkeeping columns (ids, created_at, request ids of existing rows) out of their reach. A slot's end
        # is theirs because booking locks the slot row (FOR UPDATE needs an UPDATE privilege) and resizes it.
        f"GRANT INSERT (provider_id, start_time, end_time), UPDATE (end_time) ON time_slots TO {WRITERS};",
        "GRANT INSERT (slot_id, provider_id, starts_at, ends_at, patient_id, type_id, notes, request_id),"
        f" UPDATE (slot_id, starts_at, ends_at, status, notes, type_id) ON appointments TO {WRITERS};",
        "GRANT INSERT (first_name, last_name, date_of_birth, phone, email),"
        f" UPDATE (first_name, last_name, date_of_birth, phone, email) ON patients TO {WRITERS};",
        # Admins also set up the schedule and manage staff.
        "GRANT INSERT, UPDATE, DELETE ON providers, working_hours, time_off, appointment_types TO clinic_admin;",
        *(f"GRANT EXECUTE ON FUNCTION {function} TO clinic_admin;" for function in STAFF_API),
    ]
)

DOWNGRADE = "\n".join(
    [
        f"REVOKE ALL ON {READABLE} FROM {ALL_GROUPS};",
        f"REVOKE USAGE ON SCHEMA public FROM {ALL_GROUPS};",
        *(
            f"DROP TRIGGER {table}_audit ON {table};"
            for table in ("appointment_types", "time_off", "working_hours", "providers")
        ),
        "DROP TRIGGER time_slots_audit ON time_slots;",
        "DROP TRIGGER patients_audit ON patients;",
        "DROP TRIGGER appointments_audit ON appointments;",
        *(f"DROP FUNCTION {function};" for function in reversed(FUNCTIONS)),
        "DROP TABLE audit_log;",
    ]
)


def upgrade() -> None:
    op.execute(CREATE_GROUPS)
    op.execute(AUDIT)
    op.execute(STAFF)
    op.execute(GRANTS)


def downgrade() -> None:
    op.execute(DOWNGRADE)
