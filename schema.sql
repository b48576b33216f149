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

CREATE TABLE public.appointment_types (
    id integer NOT NULL,
    code text NOT NULL,
    name text NOT NULL,
    color text NOT NULL,
    is_default boolean DEFAULT false NOT NULL,
    CONSTRAINT appointment_types_color_hex CHECK ((color ~ '^#[0-9a-f]{6}$'::text))
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
    CONSTRAINT appointments_end_after_start CHECK ((ends_at > starts_at)),
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
    t.color AS type_color
   FROM (((public.appointments a
     JOIN public.providers p ON ((p.id = a.provider_id)))
     JOIN public.patients pt ON ((pt.id = a.patient_id)))
     JOIN public.appointment_types t ON ((t.id = a.type_id)));

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

ALTER TABLE public.patients ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.patients_id_seq
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

ALTER TABLE ONLY public.alembic_version
    ADD CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num);

ALTER TABLE ONLY public.appointment_types
    ADD CONSTRAINT appointment_types_code_key UNIQUE (code);

ALTER TABLE ONLY public.appointment_types
    ADD CONSTRAINT appointment_types_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_no_patient_overlap EXCLUDE USING gist (int4range(patient_id, patient_id, '[]'::text) WITH &&, tstzrange(starts_at, ends_at) WITH &&) WHERE ((status <> 'cancelled'::text));

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_no_provider_overlap EXCLUDE USING gist (int4range(provider_id, provider_id, '[]'::text) WITH &&, tstzrange(starts_at, ends_at) WITH &&) WHERE ((status <> 'cancelled'::text));

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_request_id_key UNIQUE (request_id);

ALTER TABLE ONLY public.patients
    ADD CONSTRAINT patients_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.providers
    ADD CONSTRAINT providers_name_key UNIQUE (name);

ALTER TABLE ONLY public.providers
    ADD CONSTRAINT providers_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.time_off
    ADD CONSTRAINT time_off_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.time_slots
    ADD CONSTRAINT time_slots_identity_key UNIQUE (id, provider_id, start_time);

ALTER TABLE ONLY public.time_slots
    ADD CONSTRAINT time_slots_pkey PRIMARY KEY (id);

ALTER TABLE ONLY public.time_slots
    ADD CONSTRAINT time_slots_provider_start_key UNIQUE (provider_id, start_time);

ALTER TABLE ONLY public.working_hours
    ADD CONSTRAINT working_hours_no_overlap EXCLUDE USING gist (int4range(provider_id, provider_id, '[]'::text) WITH &&, int4range((weekday)::integer, (weekday)::integer, '[]'::text) WITH &&, tsrange(('2000-01-01'::date + start_time), ('2000-01-01'::date + end_time)) WITH &&);

ALTER TABLE ONLY public.working_hours
    ADD CONSTRAINT working_hours_pkey PRIMARY KEY (id);

CREATE UNIQUE INDEX appointment_types_one_default ON public.appointment_types USING btree (is_default) WHERE is_default;

CREATE UNIQUE INDEX appointments_one_live_per_slot ON public.appointments USING btree (slot_id) WHERE (status <> 'cancelled'::text);

CREATE INDEX appointments_patient_idx ON public.appointments USING btree (patient_id);

CREATE INDEX appointments_starts_at_idx ON public.appointments USING btree (starts_at);

CREATE INDEX patients_date_of_birth_idx ON public.patients USING btree (date_of_birth);

CREATE INDEX patients_first_name_idx ON public.patients USING btree (lower(first_name) text_pattern_ops);

CREATE INDEX patients_last_name_idx ON public.patients USING btree (lower(last_name) text_pattern_ops);

CREATE INDEX patients_phone_digits_idx ON public.patients USING btree (regexp_replace(phone, '[^0-9]'::text, ''::text, 'g'::text) text_pattern_ops);

CREATE INDEX time_off_provider_range_idx ON public.time_off USING gist (int4range(provider_id, provider_id, '[]'::text), tstzrange(starts_at, ends_at));

CREATE TRIGGER appointments_announce AFTER INSERT OR DELETE OR UPDATE ON public.appointments FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('provider_id', 'starts_at', 'ends_at');

CREATE TRIGGER appointments_touch_updated_at BEFORE UPDATE ON public.appointments FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();

CREATE TRIGGER patients_touch_updated_at BEFORE UPDATE ON public.patients FOR EACH ROW EXECUTE FUNCTION public.touch_updated_at();

CREATE TRIGGER providers_announce AFTER INSERT OR DELETE OR UPDATE ON public.providers FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('id');

CREATE TRIGGER time_off_announce AFTER INSERT OR DELETE OR UPDATE ON public.time_off FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('provider_id', 'starts_at', 'ends_at');

CREATE TRIGGER time_slots_announce AFTER INSERT OR DELETE OR UPDATE ON public.time_slots FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('provider_id', 'start_time', 'end_time');

CREATE TRIGGER working_hours_announce AFTER INSERT OR DELETE OR UPDATE ON public.working_hours FOR EACH ROW EXECUTE FUNCTION public.announce_schedule_change('provider_id');

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_patient_id_fkey FOREIGN KEY (patient_id) REFERENCES public.patients(id);

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_slot_fkey FOREIGN KEY (slot_id, provider_id, starts_at) REFERENCES public.time_slots(id, provider_id, start_time);

ALTER TABLE ONLY public.appointments
    ADD CONSTRAINT appointments_type_id_fkey FOREIGN KEY (type_id) REFERENCES public.appointment_types(id);

ALTER TABLE ONLY public.time_off
    ADD CONSTRAINT time_off_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES public.providers(id) ON DELETE CASCADE;

ALTER TABLE ONLY public.time_slots
    ADD CONSTRAINT time_slots_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES public.providers(id);

ALTER TABLE ONLY public.working_hours
    ADD CONSTRAINT working_hours_provider_id_fkey FOREIGN KEY (provider_id) REFERENCES public.providers(id) ON DELETE CASCADE;
