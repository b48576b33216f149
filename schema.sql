CREATE FUNCTION public.announce_schedule_change() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
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
    PERFORM pg_notify('clinic_schedule', jsonb_build_object(
        'table', TG_TABLE_NAME,
        'op', TG_OP,
        'id', affected_row -> 'id',
        'provider_id', affected_row -> provider_column,
        'spans', CASE WHEN start_column IS NULL THEN NULL ELSE spans END
    )::text);
    RETURN NULL;
END
$$;

CREATE FUNCTION public.appointment_history(appointment bigint) RETURNS TABLE(at timestamp with time zone, db_user text, workstation text, action text, before jsonb, after jsonb, client_addr inet)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
    SELECT at, db_user, workstation, action, before, after, client_addr
    FROM public.audit_log WHERE table_name = 'appointments' AND appointment_id = appointment ORDER BY id
$$;

CREATE FUNCTION public.appointments_default_busy_until() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    IF NEW.busy_until IS NULL THEN
        NEW.busy_until := NEW.ends_at + make_interval(mins => COALESCE(
            (SELECT buffer_minutes FROM appointment_types WHERE id = NEW.type_id), 0));
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION public.appointments_follow_the_schedule() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    zone text;
    local_start timestamp;
    local_busy_until timestamp;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status
       AND (OLD.status, NEW.status) NOT IN (('booked', 'checked_in'), ('booked', 'no_show'), ('booked', 'cancelled'), ('checked_in', 'booked'), ('checked_in', 'completed'), ('no_show', 'booked')) THEN
        RAISE EXCEPTION 'a % appointment cannot become %', OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_status_transition';
    END IF;
    IF NEW.status = 'cancelled' OR (TG_OP = 'UPDATE' AND (NEW.provider_id, NEW.starts_at, NEW.busy_until, NEW.room_id, NEW.type_id)
                                    IS NOT DISTINCT FROM (OLD.provider_id, OLD.starts_at, OLD.busy_until, OLD.room_id, OLD.type_id)) THEN
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
    IF EXISTS (SELECT 1 FROM public.closures c
               WHERE c.starts_at < NEW.busy_until AND c.ends_at > NEW.starts_at) THEN
        RAISE EXCEPTION 'the clinic is closed at that time'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_outside_closures';
    END IF;
    IF NOT EXISTS (
        SELECT 1 FROM public.appointment_types t
        WHERE t.id = NEW.type_id AND (
            (t.room_kind IS NULL AND NEW.room_id IS NULL)
            OR EXISTS (SELECT 1 FROM public.rooms r
                       WHERE r.id = NEW.room_id AND r.active AND r.kind = t.room_kind))) THEN
        RAISE EXCEPTION 'the appointment needs a room in use of the kind its type needs, and no other'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_room_of_its_kind';
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

CREATE FUNCTION public.appointments_stamp_status() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NEW.status = 'checked_in' AND OLD.status = 'booked' THEN
            NEW.checked_in_at := now();
        ELSIF NEW.status = 'booked' THEN
            NEW.checked_in_at := NULL;
            NEW.seen_at := NULL;
        ELSIF NEW.status = 'cancelled' THEN
            NEW.cancelled_at := now();
        END IF;
    END IF;
    IF NEW.seen_at IS NOT NULL AND OLD.seen_at IS NULL AND NEW.status <> 'checked_in' THEN
        RAISE EXCEPTION 'only a checked-in patient can be seen'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'appointments_seen_after_arrival';
    END IF;
    RETURN NEW;
END
$$;

CREATE FUNCTION public.audit_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    before_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
    after_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
    changed jsonb := COALESCE(after_row, before_row);
BEGIN
    INSERT INTO public.audit_log (at, db_user, workstation, table_name, action, row_id, appointment_id, patient_id,
                                  before, after, client_addr)
    VALUES (now(), session_user, current_setting('application_name'), TG_TABLE_NAME, TG_OP,
            (changed ->> 'id')::bigint,
            (changed ->> NULLIF(TG_ARGV[0], ''))::bigint,
            (changed ->> NULLIF(TG_ARGV[1], ''))::integer,
            before_row, after_row, inet_client_addr());
    RETURN NULL;
END
$$;

CREATE FUNCTION public.lock_provider_schedule(provider integer) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    found integer;
BEGIN
    IF provider IS NULL THEN
        RAISE EXCEPTION 'provider: must be given' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT id INTO found FROM public.providers WHERE id = provider FOR SHARE;
    RETURN found;
END $$;

CREATE FUNCTION public.staff_add(staff_name text, staff_role text, password_verifier text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    PERFORM public.staff_require_owner_management();
    PERFORM public.staff_check_name(staff_name);
    IF staff_role IS NULL OR staff_role NOT IN ('clinic_admin', 'clinic_receptionist', 'clinic_manager') THEN
        RAISE EXCEPTION 'role: must be one of clinic_admin, clinic_receptionist, clinic_manager' USING ERRCODE = '22023';
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

CREATE FUNCTION public.staff_apply_bounds(staff_name text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    EXECUTE format('ALTER ROLE %I CONNECTION LIMIT 16', staff_name);
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', staff_name,
                   '30s');
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', staff_name, '60s');
END
$$;

CREATE FUNCTION public.staff_audit(staff_name text, action text, before_state jsonb, after_state jsonb) RETURNS void
    LANGUAGE sql
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
    INSERT INTO public.audit_log (at, db_user, workstation, table_name, action, row_id, before, after
                                  , client_addr)
    SELECT now(), session_user, current_setting('application_name'), 'staff', action, oid, before_state, after_state
           , inet_client_addr()
    FROM pg_roles WHERE rolname = staff_name
$$;

CREATE FUNCTION public.staff_change_own_password(password_verifier text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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
    PERFORM public.staff_audit(session_user, 'UPDATE', before_state, before_state || '{"password_set": true}');
END
$$;

CREATE FUNCTION public.staff_check_name(staff_name text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
BEGIN
    IF staff_name IS NULL OR staff_name !~ '^[a-z][a-z0-9._-]{0,62}$' THEN
        RAISE EXCEPTION 'name: use 1 to 63 lower-case letters, digits, dots, dashes or underscores, starting'
            ' with a letter' USING ERRCODE = '22023';
    END IF;
    IF staff_name ~ '^pg_' OR staff_name IN ('public', 'none', 'current_user', 'session_user', 'current_role', 'clinic_admin', 'clinic_receptionist', 'clinic_manager') THEN
        RAISE EXCEPTION 'name: "%" is reserved by the database', staff_name USING ERRCODE = '22023';
    END IF;
END
$_$;

CREATE FUNCTION public.staff_check_verifier(password_verifier text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $_$
DECLARE
    parts text[] := regexp_match(password_verifier,
        '^SCRAM-SHA-256\$([1-9][0-9]{0,8}):((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)'
        '\$([A-Za-z0-9+/]{43}=):([A-Za-z0-9+/]{43}=)$');
BEGIN
    IF parts IS NULL OR parts[2] = '' THEN
        RAISE EXCEPTION 'password: must be sent as a SCRAM-SHA-256 verifier' USING ERRCODE = '22023';
    END IF;
END
$_$;

CREATE FUNCTION public.staff_list() RETURNS TABLE(name text, role text, enabled boolean)
    LANGUAGE sql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
    SELECT member.rolname::text, grp.rolname::text, member.rolcanlogin
    FROM pg_auth_members m
    JOIN pg_roles grp ON grp.oid = m.roleid
    JOIN pg_roles member ON member.oid = m.member
    WHERE grp.rolname IN ('clinic_admin', 'clinic_receptionist', 'clinic_manager') AND member.rolname NOT IN ('clinic_admin', 'clinic_receptionist', 'clinic_manager')
      AND NOT m.admin_option
      AND NOT (member.rolsuper OR member.rolcreaterole OR member.rolreplication OR member.rolbypassrls)
      AND member.oid <> (SELECT datdba FROM pg_database WHERE datname = current_database())
      AND member.rolname <> current_user
      AND NOT EXISTS (SELECT 1 FROM pg_auth_members other JOIN pg_roles r ON r.oid = other.roleid
                      WHERE other.member = member.oid AND r.rolname NOT IN ('clinic_admin', 'clinic_receptionist', 'clinic_manager'))
    ORDER BY 1, 2
$$;

CREATE FUNCTION public.staff_require_member(staff_name text) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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

CREATE FUNCTION public.staff_require_owner_management() RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
BEGIN
    IF current_setting('server_version_num')::integer < 160000 THEN
        RAISE EXCEPTION 'staff: on PostgreSQL % IT manages staff accounts (PostgreSQL 16 or later lets admins do'
            ' it safely); ask IT', split_part(current_setting('server_version'), ' ', 1) USING ERRCODE = '0A000';
    END IF;
END
$$;

CREATE FUNCTION public.staff_set_enabled(staff_name text, enabled boolean) RETURNS integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
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

CREATE FUNCTION public.staff_set_password(staff_name text, password_verifier text) RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
DECLARE
    before_state jsonb;
BEGIN
    PERFORM public.staff_require_owner_management();
    before_state := public.staff_require_member(staff_name);
    PERFORM public.staff_check_verifier(password_verifier);
    EXECUTE format('ALTER ROLE %I PASSWORD %L', staff_name, password_verifier);
    PERFORM public.staff_audit(staff_name, 'UPDATE', before_state, before_state || '{"password_set": true}');
END
$$;

CREATE FUNCTION public.staff_state(staff_name text) RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog', 'pg_temp'
    AS $$
    SELECT jsonb_build_object('name', s.name, 'role', s.role, 'enabled', s.enabled)
    FROM public.staff_list() s WHERE s.name = staff_name ORDER BY s.role LIMIT 1
$$;

CREATE FUNCTION public.touch_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

CREATE TABLE public.alembic_version (
    version_num character varying(32) NOT NULL
);

CREATE TABLE public.appointment_series (
    id integer NOT NULL,
    patient_id integer NOT NULL,
    provider_id integer,
    specialty text,
    type_id integer NOT NULL,
    rule jsonb NOT NULL,
    description text NOT NULL,
    occurrences smallint NOT NULL,
    request_id uuid NOT NULL,
    created_by text DEFAULT SESSION_USER NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT appointment_series_description_not_blank CHECK ((btrim(description) <> ''::text)),
    CONSTRAINT appointment_series_occurrences_range CHECK (((occurrences >= 1) AND (occurrences <= 104))),
    CONSTRAINT appointment_series_provider_or_specialty CHECK (((provider_id IS NULL) <> (specialty IS NULL)))
);

CREATE TABLE public.appointment_types (
    id integer NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    color text NOT NULL,
    is_default boolean DEFAULT false NOT NULL,
    minutes integer DEFAULT 30 NOT NULL,
    buffer_minutes integer DEFAULT 0 NOT NULL,
    room_kind text,
    CONSTRAINT appointment_types_buffer_minutes_range CHECK (((buffer_minutes >= 0) AND (buffer_minutes <= 120))),
    CONSTRAINT appointment_types_color_hex CHECK ((color ~ '^#[0-9a-f]{6}$'::text)),
    CONSTRAINT appointment_types_minutes_range CHECK (((minutes >= 5) AND (minutes <= 480))),
    CONSTRAINT appointment_types_room_kind_not_blank CHECK ((btrim(room_kind) <> ''::text))
);

CREATE TABLE public.appointments (
    id bigint NOT NULL,
    slot_id bigint NOT NULL,
    provider_id integer NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    patient_id integer NOT NULL,
    type_id integer NOT NULL,
    status text DEFAULT 'booked'::text NOT NULL,
    notes text DEFAULT ''::text NOT NULL,
    request_id uuid NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    busy_until timestamp with time zone NOT NULL,
    room_id integer,
    series_id integer,
    series_index smallint,
    checked_in_at timestamp with time zone,
    seen_at timestamp with time zone,
    cancelled_at timestamp with time zone,
    CONSTRAINT appointments_busy_until_after_end CHECK ((busy_until >= ends_at)),
    CONSTRAINT appointments_end_after_start CHECK ((ends_at > starts_at)),
    CONSTRAINT appointments_seen_after_arrival CHECK (((seen_at IS NULL) OR (checked_in_at IS NOT NULL))),
    CONSTRAINT appointments_series_place CHECK ((((series_id IS NULL) = (series_index IS NULL)) AND (series_index >= 1))),
    CONSTRAINT appointments_status_check CHECK ((status = ANY (ARRAY['booked'::text, 'checked_in'::text, 'completed'::text, 'no_show'::text, 'cancelled'::text])))
);

CREATE TABLE public.patients (
    id integer NOT NULL,
    first_name text NOT NULL,
    last_name text NOT NULL,
    date_of_birth date NOT NULL,
    phone text NOT NULL,
    email text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT patients_date_of_birth_range CHECK ((date_of_birth >= '1900-01-01'::date)),
    CONSTRAINT patients_first_name_not_blank CHECK ((btrim(first_name) <> ''::text)),
    CONSTRAINT patients_last_name_not_blank CHECK ((btrim(last_name) <> ''::text))
);

CREATE TABLE public.providers (
    id integer NOT NULL,
    name text NOT NULL,
    specialty text DEFAULT ''::text NOT NULL,
    active boolean DEFAULT true NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT providers_name_not_blank CHECK ((btrim(name) <> ''::text))
);

CREATE TABLE public.rooms (
    id integer NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    active boolean DEFAULT true NOT NULL,
    CONSTRAINT rooms_kind_not_blank CHECK ((btrim(kind) <> ''::text)),
    CONSTRAINT rooms_name_not_blank CHECK ((btrim(name) <> ''::text))
);

CREATE VIEW public.appointment_details AS
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
    t.color AS type_color,
    a.busy_until,
    a.room_id,
    r.name AS room_name,
    pt.email AS patient_email,
    a.series_id,
    a.series_index,
    s.occurrences AS series_occurrences,
    s.description AS series_description
   FROM (((((public.appointments a
     JOIN public.providers p ON ((p.id = a.provider_id)))
     JOIN public.patients pt ON ((pt.id = a.patient_id)))
     JOIN public.appointment_types t ON ((t.id = a.type_id)))
     LEFT JOIN public.rooms r ON ((r.id = a.room_id)))
     LEFT JOIN public.appointment_series s ON ((s.id = a.series_id)));

CREATE TABLE public.appointment_reminders (
    appointment_id bigint NOT NULL,
    state text DEFAULT 'pending'::text NOT NULL,
    attempts smallint DEFAULT 0 NOT NULL,
    sent_to text,
    sent_at timestamp with time zone,
    last_error text DEFAULT ''::text NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    claimed_at timestamp with time zone,
    reminded_for timestamp with time zone,
    CONSTRAINT appointment_reminders_sent_has_address CHECK (((state = 'sent'::text) = (sent_at IS NOT NULL))),
    CONSTRAINT appointment_reminders_state_known CHECK ((state = ANY (ARRAY['pending'::text, 'sending'::text, 'sent'::text, 'failed'::text, 'no_email'::text])))
);

ALTER TABLE public.appointment_series ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.appointment_series_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE public.appointment_types ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.appointment_types_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE public.appointments ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.appointments_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    db_user text NOT NULL,
    workstation text NOT NULL,
    table_name text NOT NULL,
    action text NOT NULL,
    row_id bigint NOT NULL,
    appointment_id bigint,
    patient_id integer,
    before jsonb,
    after jsonb,
    client_addr inet,
    CONSTRAINT audit_log_action_check CHECK ((action = ANY (ARRAY['INSERT'::text, 'UPDATE'::text, 'DELETE'::text])))
);

ALTER TABLE public.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.clinic_settings (
    only_row boolean DEFAULT true NOT NULL,
    time_zone text NOT NULL,
    CONSTRAINT clinic_settings_one_row CHECK (only_row),
    CONSTRAINT clinic_settings_time_zone_known CHECK ((('2000-01-01 00:00:00+00'::timestamp with time zone AT TIME ZONE time_zone) IS NOT NULL))
);

CREATE TABLE public.closures (
    id integer NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    reason text DEFAULT ''::text NOT NULL,
    CONSTRAINT closures_end_after_start CHECK ((ends_at > starts_at))
);

ALTER TABLE public.closures ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.closures_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE public.patients ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.patients_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.provider_type_lengths (
    id integer NOT NULL,
    provider_id integer NOT NULL,
    type_id integer NOT NULL,
    minutes integer NOT NULL,
    CONSTRAINT provider_type_lengths_minutes_range CHECK (((minutes >= 5) AND (minutes <= 480)))
);

ALTER TABLE public.provider_type_lengths ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.provider_type_lengths_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

ALTER TABLE public.providers ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.providers_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.room_days (
    room_id integer NOT NULL,
    day date NOT NULL
);

ALTER TABLE public.rooms ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.rooms_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.time_off (
    id integer NOT NULL,
    provider_id integer NOT NULL,
    starts_at timestamp with time zone NOT NULL,
    ends_at timestamp with time zone NOT NULL,
    reason text DEFAULT ''::text NOT NULL,
    CONSTRAINT time_off_end_after_start CHECK ((ends_at > starts_at))
);

ALTER TABLE public.time_off ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.time_off_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.time_slots (
    id bigint NOT NULL,
    provider_id integer NOT NULL,
    start_time timestamp with time zone NOT NULL,
    end_time timestamp with time zone NOT NULL,
    CONSTRAINT time_slots_end_after_start CHECK ((end_time > start_time))
);

ALTER TABLE public.time_slots ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.time_slots_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.waitlist (
    id integer NOT NULL,
    patient_id integer NOT NULL,
    provider_id integer,
    specialty text,
    type_id integer NOT NULL,
    earliest date NOT NULL,
    latest date NOT NULL,
    weekdays smallint[] DEFAULT '{}'::smallint[] NOT NULL,
    part_of_day text,
    priority smallint DEFAULT 2 NOT NULL,
    note text DEFAULT ''::text NOT NULL,
    added_by text DEFAULT SESSION_USER NOT NULL,
    added_at timestamp with time zone DEFAULT now() NOT NULL,
    closed_at timestamp with time zone,
    appointment_id bigint,
    CONSTRAINT waitlist_closed_by_a_booking CHECK (((closed_at IS NULL) = (appointment_id IS NULL))),
    CONSTRAINT waitlist_days_in_order CHECK ((latest >= earliest)),
    CONSTRAINT waitlist_part_of_day_known CHECK ((part_of_day = ANY (ARRAY['morning'::text, 'afternoon'::text]))),
    CONSTRAINT waitlist_priority_range CHECK (((priority >= 1) AND (priority <= 3))),
    CONSTRAINT waitlist_provider_or_specialty CHECK (((provider_id IS NULL) OR (specialty IS NULL))),
    CONSTRAINT waitlist_specialty_not_blank CHECK ((btrim(specialty) <> ''::text)),
    CONSTRAINT waitlist_weekdays_range CHECK ((weekdays <@ ARRAY[(1)::smallint, (2)::smallint, (3)::smallint, (4)::smallint, (5)::smallint, (6)::smallint, (7)::smallint]))
);

ALTER TABLE public.waitlist ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.waitlist_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.working_hours (
    id integer NOT NULL,
    provider_id integer NOT NULL,
    weekday smallint NOT NULL,
    start_time time without time zone NOT NULL,
    end_time time without time zone NOT NULL,
    slot_minutes integer NOT NULL,
    CONSTRAINT working_hours_end_after_start CHECK ((end_time > start_time)),
    CONSTRAINT working_hours_slot_minutes_range CHECK (((slot_minutes >= 5) AND (slot_minutes <= 480))),
    CONSTRAINT working_hours_weekday_range CHECK (((weekday >= 1) AND (weekday <= 7)))
);

ALTER TABLE public.working_hours ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.working_hours_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

CREATE TABLE public.write_requests (
    request_id uuid NOT NULL,
    db_user text DEFAULT SESSION_USER NOT NULL,
    at timestamp with time zone DEFAULT now() NOT NULL,
    result jsonb
);

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);

ALTER TABLE ONLY public.appointment_reminders
    ADD CONSTRAINT appointment_reminders_pkey PRIMARY KEY (appointment_id);

ALTER TABLE ONLY public.appointment_series
    ADD CONSTRAINT appointment_series_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.appointment_series
    ADD CONSTRAINT appointment_series_request_id_key UNIQUE (request_id);

ALTER TABLE ONLY public.appointment_types
    ADD CONSTRAINT appointment_types_code_key UNIQUE (code);

ALTER TABLE ONLY public.appointment_types
    ADD CONSTRAINT appointment_types_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_no_patient_overlap EXCLUDE USING gist (int4range(patient_id, patient_id, '[]'::text) WITH &&, tstzrange(starts_at, ends_at) WITH &&) WHERE ((status <> 'cancelled'::text));

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_no_provider_overlap EXCLUDE USING gist (int4range(provider_id, provider_id, '[]'::text) WITH &&, tstzrange(starts_at, busy_until) WITH &&) WHERE ((status <> 'cancelled'::text));

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_no_room_overlap EXCLUDE USING gist (int4range(room_id, room_id, '[]'::text) WITH &&, tstzrange(starts_at, busy_until) WITH &&) WHERE (((status <> 'cancelled'::text) AND (room_id IS NOT NULL)));

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_request_id_key UNIQUE (request_id);

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.clinic_settings
    ADD CONSTRAINT clinic_settings_pkey PRIMARY KEY (only_row);

ALTER TABLE ONLY public.closures
    ADD CONSTRAINT closures_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.patients
    ADD CONSTRAINT patients_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.provider_type_lengths
    ADD CONSTRAINT provider_type_lengths_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.provider_type_lengths
    ADD CONSTRAINT provider_type_lengths_provider_type_key UNIQUE (provider_id, type_id);

ALTER TABLE ONLY public.providers
    ADD CONSTRAINT providers_name_key UNIQUE (name);

ALTER TABLE ONLY public.providers
    ADD CONSTRAINT providers_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.room_days
    ADD CONSTRAINT room_days_pkey PRIMARY KEY (room_id, day);

ALTER TABLE ONLY public.rooms
    ADD CONSTRAINT rooms_name_key UNIQUE (name);

ALTER TABLE ONLY public.rooms
    ADD CONSTRAINT rooms_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.time_off
    ADD CONSTRAINT time_off_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.time_slots
    ADD CONSTRAINT time_slots_identity_key UNIQUE (id, provider_id, start_time);

ALTER TABLE ONLY public.time_slots
    ADD CONSTRAINT time_slots_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.time_slots
    ADD CONSTRAINT time_slots_provider_start_key UNIQUE (provider_id, start_time);

ALTER TABLE ONLY public.waitlist
    ADD CONSTRAINT waitlist_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.working_hours
    ADD CONSTRAINT working_hours_no_overlap EXCLUDE USING gist (int4range(provider_id, provider_id, '[]'::text) WITH &&, int4range((weekday)::integer, (weekday)::integer, '[]'::text) WITH &&, tsrange(('2000-01-01'::date + start_time), ('2000-01-01'::date + end_time)) WITH &&);

ALTER TABLE ONLY public.working_hours
    ADD CONSTRAINT working_hours_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.write_requests
    ADD CONSTRAINT write_requests_pkey PRIMARY KEY (request_id);

CREATE INDEX appointment_series_patient_idx ON public.appointment_series USING btree (patient_id);

CREATE UNIQUE INDEX appointment_types_one_default ON public.appointment_types USING btree (is_default) WHERE is_default;

CREATE UNIQUE INDEX appointments_one_live_per_slot ON public.appointments USING btree (slot_id) WHERE (status <> 'cancelled'::text);

CREATE INDEX appointments_patient_idx ON public.appointments USING btree (patient_id);

CREATE INDEX appointments_provider_starts_at_idx ON public.appointments USING btree (provider_id, starts_at);

CREATE INDEX appointments_room_starts_at_idx ON public.appointments USING btree (room_id, starts_at) WHERE (room_id IS NOT NULL);

CREATE INDEX appointments_series_idx ON public.appointments USING btree (series_id, series_index) WHERE (series_id IS NOT NULL);

CREATE INDEX appointments_starts_at_idx ON public.appointments USING btree (starts_at);

CREATE INDEX audit_log_appointment_idx ON public.audit_log USING btree (appointment_id) WHERE (appointment_id IS NOT NULL);

CREATE INDEX audit_log_at_idx ON public.audit_log USING btree (at);

CREATE INDEX audit_log_patient_idx ON public.audit_log USING btree (patient_id) WHERE (patient_id IS NOT NULL);

CREATE INDEX audit_log_user_idx ON public.audit_log USING btree (db_user);

CREATE INDEX closures_range_idx ON public.closures USING gist (tstzrange(starts_at, ends_at));

CREATE INDEX patients_date_of_birth_idx ON public.patients USING btree (date_of_birth);

CREATE INDEX patients_first_name_idx ON public.patients USING btree (lower(first_name) text_pattern_ops);

CREATE INDEX patients_last_name_idx ON public.patients USING btree (lower(last_name) text_pattern_ops);

CREATE INDEX patients_phone_digits_idx ON public.patients USING btree (regexp_replace(phone, '[^0-9]'::text, ''::text, 'g'::text) text_pattern_ops);

CREATE INDEX rooms_kind_idx ON public.rooms USING btree (kind) WHERE active;

CREATE INDEX time_off_provider_range_idx ON public.time_off USING gist (int4range(provider_id, provider_id, '[]'::text), tstzrange(starts_at, ends_at));

CREATE INDEX waitlist_open_idx ON public.waitlist USING btree (earliest, latest) WHERE (closed_at IS NULL);

CREATE TRIGGER appointment_series_audit AFTER INSERT OR DELETE OR UPDATE ON public.appointment_series FOR EACH ROW EXECUTE FUNCTION public.audit_change('', 'patient_id');

CREATE TRIGGER appointment_types_announce AFTER INSERT OR DELETE OR UPDATE ON public.appointment_types FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('');

CREATE TRIGGER appointment_types_audit AFTER INSERT OR DELETE OR UPDATE ON public.appointment_types FOR EACH ROW EXECUTE FUNCTION public.audit_change('', '');

CREATE TRIGGER appointments_announce AFTER INSERT OR DELETE OR UPDATE ON public.appointments FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('provider_id', 'starts_at', 'ends_at');

CREATE TRIGGER appointments_audit AFTER INSERT OR DELETE OR UPDATE ON public.appointments FOR EACH ROW EXECUTE FUNCTION public.audit_change('id', 'patient_id');

CREATE TRIGGER appointments_default_busy_until BEFORE INSERT ON public.appointments FOR EACH ROW EXECUTE FUNCTION public.appointments_default_busy_until();

CREATE TRIGGER appointments_follow_the_schedule BEFORE INSERT OR UPDATE ON public.appointments FOR EACH ROW EXECUTE FUNCTION public.appointments_follow_the_schedule();

CREATE TRIGGER appointments_stamp_status BEFORE UPDATE ON public.appointments FOR EACH ROW EXECUTE FUNCTION public.appointments_stamp_status();

CREATE TRIGGER appointments_touch_updated_at BEFORE UPDATE ON public.appointments FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();

CREATE TRIGGER closures_announce AFTER INSERT OR DELETE OR UPDATE ON public.closures FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('', 'starts_at', 'ends_at');

CREATE TRIGGER closures_audit AFTER INSERT OR DELETE OR UPDATE ON public.closures FOR EACH ROW EXECUTE FUNCTION public.audit_change('', '');

CREATE TRIGGER patients_announce AFTER INSERT OR DELETE OR UPDATE ON public.patients FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('');

CREATE TRIGGER patients_audit AFTER INSERT OR DELETE OR UPDATE ON public.patients FOR EACH ROW EXECUTE FUNCTION public.audit_change('', 'id');

CREATE TRIGGER patients_touch_updated_at BEFORE UPDATE ON public.patients FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();

CREATE TRIGGER provider_type_lengths_announce AFTER INSERT OR DELETE OR UPDATE ON public.provider_type_lengths FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('provider_id');

CREATE TRIGGER provider_type_lengths_audit AFTER INSERT OR DELETE OR UPDATE ON public.provider_type_lengths FOR EACH ROW EXECUTE FUNCTION public.audit_change('', '');

CREATE TRIGGER providers_announce AFTER INSERT OR DELETE OR UPDATE ON public.providers FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('id');

CREATE TRIGGER providers_audit AFTER INSERT OR DELETE OR UPDATE ON public.providers FOR EACH ROW EXECUTE FUNCTION public.audit_change('', '');

CREATE TRIGGER rooms_announce AFTER INSERT OR DELETE OR UPDATE ON public.rooms FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('');

CREATE TRIGGER rooms_audit AFTER INSERT OR DELETE OR UPDATE ON public.rooms FOR EACH ROW EXECUTE FUNCTION public.audit_change('', '');

CREATE TRIGGER time_off_announce AFTER INSERT OR DELETE OR UPDATE ON public.time_off FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('provider_id', 'starts_at', 'ends_at');

CREATE TRIGGER time_off_audit AFTER INSERT OR DELETE OR UPDATE ON public.time_off FOR EACH ROW EXECUTE FUNCTION public.audit_change('', '');

CREATE TRIGGER time_slots_announce AFTER INSERT OR DELETE OR UPDATE ON public.time_slots FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('provider_id', 'start_time', 'end_time');

CREATE TRIGGER time_slots_audit AFTER DELETE OR UPDATE OF provider_id, start_time ON public.time_slots FOR EACH ROW EXECUTE FUNCTION public.audit_change('', '');

CREATE TRIGGER waitlist_announce AFTER INSERT OR DELETE OR UPDATE ON public.waitlist FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('provider_id');

CREATE TRIGGER waitlist_audit AFTER INSERT OR DELETE OR UPDATE ON public.waitlist FOR EACH ROW EXECUTE FUNCTION public.audit_change('', 'patient_id');

CREATE TRIGGER working_hours_announce AFTER INSERT OR DELETE OR UPDATE ON public.working_hours FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('provider_id');

CREATE TRIGGER working_hours_audit AFTER INSERT OR DELETE OR UPDATE ON public.working_hours FOR EACH ROW EXECUTE FUNCTION public.audit_change('', '');

ALTER TABLE ONLY public.appointment_reminders
    ADD CONSTRAINT appointment_reminders_appointment_id_fkey FOREIGN KEY (appointment_id) REFERENCES public.appointments(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.appointment_series
    ADD CONSTRAINT appointment_series_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES public.patients(id);

ALTER TABLE ONLY public.appointment_series
    ADD CONSTRAINT appointment_series_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES public.providers(id);

ALTER TABLE ONLY public.appointment_series
    ADD CONSTRAINT appointment_series_type_id_fkey FOREIGN KEY (type_id) REFERENCES public.appointment_types(id);

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES public.patients(id);

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_room_id_fkey FOREIGN KEY (room_id) REFERENCES public.rooms(id);

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_series_id_fkey FOREIGN KEY (series_id) REFERENCES public.appointment_series(id);

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_slot_fkey FOREIGN KEY (slot_id, provider_id, starts_at) REFERENCES public.time_slots(id, provider_id, start_time);

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_type_id_fkey FOREIGN KEY (type_id) REFERENCES public.appointment_types(id);

ALTER TABLE ONLY public.provider_type_lengths
    ADD CONSTRAINT provider_type_lengths_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES public.providers(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.provider_type_lengths
    ADD CONSTRAINT provider_type_lengths_type_id_fkey FOREIGN KEY (type_id) REFERENCES public.appointment_types(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.room_days
    ADD CONSTRAINT room_days_room_id_fkey FOREIGN KEY (room_id) REFERENCES public.rooms(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.time_off
    ADD CONSTRAINT time_off_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES public.providers(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.time_slots
    ADD CONSTRAINT time_slots_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES public.providers(id);

ALTER TABLE ONLY public.waitlist
    ADD CONSTRAINT waitlist_appointment_id_fkey FOREIGN KEY (appointment_id) REFERENCES public.appointments(id);

ALTER TABLE ONLY public.waitlist
    ADD CONSTRAINT waitlist_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES public.patients(id);

ALTER TABLE ONLY public.waitlist
    ADD CONSTRAINT waitlist_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES public.providers(id);

ALTER TABLE ONLY public.waitlist
    ADD CONSTRAINT waitlist_type_id_fkey FOREIGN KEY (type_id) REFERENCES public.appointment_types(id);

ALTER TABLE ONLY public.working_hours
    ADD CONSTRAINT working_hours_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES public.providers(id) ON DELETE CASCADE;

CREATE POLICY own_requests ON public.write_requests USING ((db_user = SESSION_USER));

ALTER TABLE public.write_requests ENABLE ROW LEVEL SECURITY;

GRANT USAGE ON SCHEMA public TO clinic_admin;
GRANT USAGE ON SCHEMA public TO clinic_receptionist;
GRANT USAGE ON SCHEMA public TO clinic_manager;

REVOKE ALL ON FUNCTION public.appointment_history(appointment bigint) FROM PUBLIC;
GRANT ALL ON FUNCTION public.appointment_history(appointment bigint) TO clinic_admin;
GRANT ALL ON FUNCTION public.appointment_history(appointment bigint) TO clinic_receptionist;
GRANT ALL ON FUNCTION public.appointment_history(appointment bigint) TO clinic_manager;

REVOKE ALL ON FUNCTION public.audit_change() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.lock_provider_schedule(provider integer) FROM PUBLIC;
GRANT ALL ON FUNCTION public.lock_provider_schedule(provider integer) TO clinic_admin;
GRANT ALL ON FUNCTION public.lock_provider_schedule(provider integer) TO clinic_receptionist;
GRANT ALL ON FUNCTION public.lock_provider_schedule(provider integer) TO clinic_manager;

REVOKE ALL ON FUNCTION public.staff_add(staff_name text, staff_role text, password_verifier text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.staff_add(staff_name text, staff_role text, password_verifier text) TO clinic_admin;

REVOKE ALL ON FUNCTION public.staff_apply_bounds(staff_name text) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.staff_audit(staff_name text, action text, before_state jsonb, after_state jsonb) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.staff_change_own_password(password_verifier text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.staff_change_own_password(password_verifier text) TO clinic_admin;
GRANT ALL ON FUNCTION public.staff_change_own_password(password_verifier text) TO clinic_receptionist;
GRANT ALL ON FUNCTION public.staff_change_own_password(password_verifier text) TO clinic_manager;

REVOKE ALL ON FUNCTION public.staff_check_name(staff_name text) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.staff_check_verifier(password_verifier text) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.staff_list() FROM PUBLIC;
GRANT ALL ON FUNCTION public.staff_list() TO clinic_admin;

REVOKE ALL ON FUNCTION public.staff_require_member(staff_name text) FROM PUBLIC;

REVOKE ALL ON FUNCTION public.staff_require_owner_management() FROM PUBLIC;

REVOKE ALL ON FUNCTION public.staff_set_enabled(staff_name text, enabled boolean) FROM PUBLIC;
GRANT ALL ON FUNCTION public.staff_set_enabled(staff_name text, enabled boolean) TO clinic_admin;

REVOKE ALL ON FUNCTION public.staff_set_password(staff_name text, password_verifier text) FROM PUBLIC;
GRANT ALL ON FUNCTION public.staff_set_password(staff_name text, password_verifier text) TO clinic_admin;

REVOKE ALL ON FUNCTION public.staff_state(staff_name text) FROM PUBLIC;

GRANT SELECT ON TABLE public.alembic_version TO clinic_admin;
GRANT SELECT ON TABLE public.alembic_version TO clinic_receptionist;
GRANT SELECT ON TABLE public.alembic_version TO clinic_manager;

GRANT SELECT,INSERT ON TABLE public.appointment_series TO clinic_admin;
GRANT SELECT,INSERT ON TABLE public.appointment_series TO clinic_receptionist;
GRANT SELECT ON TABLE public.appointment_series TO clinic_manager;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.appointment_types TO clinic_admin;
GRANT SELECT ON TABLE public.appointment_types TO clinic_receptionist;
GRANT SELECT ON TABLE public.appointment_types TO clinic_manager;

GRANT SELECT ON TABLE public.appointments TO clinic_admin;
GRANT SELECT ON TABLE public.appointments TO clinic_receptionist;
GRANT SELECT ON TABLE public.appointments TO clinic_manager;

GRANT INSERT(slot_id),UPDATE(slot_id) ON TABLE public.appointments TO clinic_admin;
GRANT INSERT(slot_id),UPDATE(slot_id) ON TABLE public.appointments TO clinic_receptionist;

GRANT INSERT(provider_id),UPDATE(provider_id) ON TABLE public.appointments TO clinic_admin;
GRANT INSERT(provider_id),UPDATE(provider_id) ON TABLE public.appointments TO clinic_receptionist;

GRANT INSERT(starts_at),UPDATE(starts_at) ON TABLE public.appointments TO clinic_admin;
GRANT INSERT(starts_at),UPDATE(starts_at) ON TABLE public.appointments TO clinic_receptionist;

GRANT INSERT(ends_at),UPDATE(ends_at) ON TABLE public.appointments TO clinic_admin;
GRANT INSERT(ends_at),UPDATE(ends_at) ON TABLE public.appointments TO clinic_receptionist;

GRANT INSERT(patient_id) ON TABLE public.appointments TO clinic_admin;
GRANT INSERT(patient_id) ON TABLE public.appointments TO clinic_receptionist;

GRANT INSERT(type_id),UPDATE(type_id) ON TABLE public.appointments TO clinic_admin;
GRANT INSERT(type_id),UPDATE(type_id) ON TABLE public.appointments TO clinic_receptionist;

GRANT UPDATE(status) ON TABLE public.appointments TO clinic_admin;
GRANT UPDATE(status) ON TABLE public.appointments TO clinic_receptionist;

GRANT INSERT(notes),UPDATE(notes) ON TABLE public.appointments TO clinic_admin;
GRANT INSERT(notes),UPDATE(notes) ON TABLE public.appointments TO clinic_receptionist;

GRANT INSERT(request_id) ON TABLE public.appointments TO clinic_admin;
GRANT INSERT(request_id) ON TABLE public.appointments TO clinic_receptionist;

GRANT INSERT(busy_until),UPDATE(busy_until) ON TABLE public.appointments TO clinic_admin;
GRANT INSERT(busy_until),UPDATE(busy_until) ON TABLE public.appointments TO clinic_receptionist;

GRANT INSERT(room_id),UPDATE(room_id) ON TABLE public.appointments TO clinic_admin;
GRANT INSERT(room_id),UPDATE(room_id) ON TABLE public.appointments TO clinic_receptionist;

GRANT INSERT(series_id) ON TABLE public.appointments TO clinic_admin;
GRANT INSERT(series_id) ON TABLE public.appointments TO clinic_receptionist;

GRANT INSERT(series_index) ON TABLE public.appointments TO clinic_admin;
GRANT INSERT(series_index) ON TABLE public.appointments TO clinic_receptionist;

GRANT UPDATE(seen_at) ON TABLE public.appointments TO clinic_admin;
GRANT UPDATE(seen_at) ON TABLE public.appointments TO clinic_receptionist;

GRANT SELECT ON TABLE public.patients TO clinic_admin;
GRANT SELECT ON TABLE public.patients TO clinic_receptionist;
GRANT SELECT ON TABLE public.patients TO clinic_manager;

GRANT INSERT(first_name),UPDATE(first_name) ON TABLE public.patients TO clinic_admin;
GRANT INSERT(first_name),UPDATE(first_name) ON TABLE public.patients TO clinic_receptionist;

GRANT INSERT(last_name),UPDATE(last_name) ON TABLE public.patients TO clinic_admin;
GRANT INSERT(last_name),UPDATE(last_name) ON TABLE public.patients TO clinic_receptionist;

GRANT INSERT(date_of_birth),UPDATE(date_of_birth) ON TABLE public.patients TO clinic_admin;
GRANT INSERT(date_of_birth),UPDATE(date_of_birth) ON TABLE public.patients TO clinic_receptionist;

GRANT INSERT(phone),UPDATE(phone) ON TABLE public.patients TO clinic_admin;
GRANT INSERT(phone),UPDATE(phone) ON TABLE public.patients TO clinic_receptionist;

GRANT INSERT(email),UPDATE(email) ON TABLE public.patients TO clinic_admin;
GRANT INSERT(email),UPDATE(email) ON TABLE public.patients TO clinic_receptionist;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.providers TO clinic_admin;
GRANT SELECT ON TABLE public.providers TO clinic_receptionist;
GRANT SELECT ON TABLE public.providers TO clinic_manager;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.rooms TO clinic_admin;
GRANT SELECT ON TABLE public.rooms TO clinic_receptionist;
GRANT SELECT ON TABLE public.rooms TO clinic_manager;

GRANT SELECT ON TABLE public.appointment_details TO clinic_admin;
GRANT SELECT ON TABLE public.appointment_details TO clinic_receptionist;
GRANT SELECT ON TABLE public.appointment_details TO clinic_manager;

GRANT SELECT,INSERT,UPDATE ON TABLE public.appointment_reminders TO clinic_admin;
GRANT SELECT,INSERT,UPDATE ON TABLE public.appointment_reminders TO clinic_receptionist;
GRANT SELECT ON TABLE public.appointment_reminders TO clinic_manager;

GRANT SELECT ON TABLE public.audit_log TO clinic_manager;
GRANT SELECT ON TABLE public.audit_log TO clinic_admin;

GRANT SELECT ON TABLE public.clinic_settings TO clinic_admin;
GRANT SELECT ON TABLE public.clinic_settings TO clinic_receptionist;
GRANT SELECT ON TABLE public.clinic_settings TO clinic_manager;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.closures TO clinic_admin;
GRANT SELECT ON TABLE public.closures TO clinic_receptionist;
GRANT SELECT ON TABLE public.closures TO clinic_manager;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.provider_type_lengths TO clinic_admin;
GRANT SELECT ON TABLE public.provider_type_lengths TO clinic_receptionist;
GRANT SELECT ON TABLE public.provider_type_lengths TO clinic_manager;

GRANT SELECT,INSERT,UPDATE ON TABLE public.room_days TO clinic_admin;
GRANT SELECT,INSERT,UPDATE ON TABLE public.room_days TO clinic_receptionist;
GRANT SELECT ON TABLE public.room_days TO clinic_manager;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.time_off TO clinic_admin;
GRANT SELECT ON TABLE public.time_off TO clinic_receptionist;
GRANT SELECT ON TABLE public.time_off TO clinic_manager;

GRANT SELECT ON TABLE public.time_slots TO clinic_admin;
GRANT SELECT ON TABLE public.time_slots TO clinic_receptionist;
GRANT SELECT ON TABLE public.time_slots TO clinic_manager;

GRANT INSERT(provider_id) ON TABLE public.time_slots TO clinic_admin;
GRANT INSERT(provider_id) ON TABLE public.time_slots TO clinic_receptionist;

GRANT INSERT(start_time) ON TABLE public.time_slots TO clinic_admin;
GRANT INSERT(start_time) ON TABLE public.time_slots TO clinic_receptionist;

GRANT INSERT(end_time),UPDATE(end_time) ON TABLE public.time_slots TO clinic_admin;
GRANT INSERT(end_time),UPDATE(end_time) ON TABLE public.time_slots TO clinic_receptionist;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.waitlist TO clinic_admin;
GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.waitlist TO clinic_receptionist;
GRANT SELECT ON TABLE public.waitlist TO clinic_manager;

GRANT SELECT,INSERT,DELETE,UPDATE ON TABLE public.working_hours TO clinic_admin;
GRANT SELECT ON TABLE public.working_hours TO clinic_receptionist;
GRANT SELECT ON TABLE public.working_hours TO clinic_manager;

GRANT SELECT ON TABLE public.write_requests TO clinic_admin;
GRANT SELECT ON TABLE public.write_requests TO clinic_receptionist;
GRANT SELECT ON TABLE public.write_requests TO clinic_manager;

GRANT INSERT(request_id) ON TABLE public.write_requests TO clinic_admin;
GRANT INSERT(request_id) ON TABLE public.write_requests TO clinic_receptionist;
GRANT INSERT(request_id) ON TABLE public.write_requests TO clinic_manager;

GRANT INSERT(result),UPDATE(result) ON TABLE public.write_requests TO clinic_admin;
GRANT INSERT(result),UPDATE(result) ON TABLE public.write_requests TO clinic_receptionist;
GRANT INSERT(result),UPDATE(result) ON TABLE public.write_requests TO clinic_manager;
