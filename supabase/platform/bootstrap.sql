-- The Supabase platform on plain PostgreSQL 15.
--
-- What a Supabase database already has before any app migration runs: its
-- roles, the extensions/auth/storage schemas, auth.users and its helpers, the
-- storage tables, the supabase_realtime publication and Realtime's Broadcast
-- objects (realtime.messages, send, broadcast_changes). Applied only by the
-- embedded stack (stack/), as the cluster's superuser supabase_admin, and
-- never on a real Supabase project: supabase/migrations/ must run unchanged
-- on both. Idempotent, so `scripts/up` can apply it on every start.
--
-- Sources: supabase/postgres init scripts, supabase/auth, supabase/storage and
-- supabase/realtime (tenant) migrations (see ../shared/REFERENCE.md). Only
-- the parts the project and the official clients touch are reproduced.

set client_min_messages = warning;

-- ============================================================================
-- Section - Roles
-- ============================================================================

do $roles$
declare
  r record;
begin
  for r in
    select *
    from (values
      ('anon', 'nologin noinherit'),
      ('authenticated', 'nologin noinherit'),
      ('service_role', 'nologin noinherit bypassrls'),
      ('authenticator', 'login noinherit'),
      ('postgres', 'login createdb createrole replication bypassrls'),
      ('supabase_auth_admin', 'login noinherit createrole'),
      ('supabase_storage_admin', 'login noinherit createrole'),
      ('supabase_realtime_admin', 'nologin noinherit'),
      ('dashboard_user', 'nologin createdb createrole replication'),
      ('pgbouncer', 'login')
    ) as v (name, attrs)
  loop
    if not exists (select 1 from pg_roles where rolname = r.name) then
      execute format('create role %I %s', r.name, r.attrs);
    end if;
  end loop;
end
$roles$;

-- On Supabase `postgres` is not a superuser; keep it that way here so that a
-- privilege bug in a migration fails locally too.
alter role postgres nosuperuser;

grant anon to authenticator;
grant authenticated to authenticator;
grant service_role to authenticator;
grant anon to postgres;
grant authenticated to postgres;
grant service_role to postgres;
grant supabase_auth_admin to postgres;
-- Storage runs each request as the caller's role, as PostgREST does.
grant anon to supabase_storage_admin;
grant authenticated to supabase_storage_admin;
grant service_role to supabase_storage_admin;
grant supabase_storage_admin to postgres;

alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role authenticator set statement_timeout = '8s';
alter role authenticator set lock_timeout = '8s';
alter role postgres set search_path = "$user", public, extensions;
alter role supabase_auth_admin set search_path = auth;
alter role supabase_storage_admin set search_path = storage;
-- Supabase's supautils lets postgres set PostgREST's in-database settings on
-- authenticator (its docs: `alter role authenticator set pgrst.db_pre_request`).
grant set on parameter pgrst.db_pre_request to postgres; -- noqa: PRS

grant all on database postgres to postgres;
grant connect, temporary on database postgres to anon, authenticated, service_role;

-- ============================================================================
-- Section - Extensions
-- ============================================================================

create schema if not exists extensions;
grant usage on schema extensions
to postgres, anon, authenticated, service_role, supabase_auth_admin, supabase_storage_admin;
alter default privileges in schema extensions
grant execute on functions to postgres, anon, authenticated, service_role;

create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;
create extension if not exists pg_stat_statements with schema extensions;
-- Supabase lets postgres create plpgsql_check (supautils); here it exists
-- ahead of time, so that `supabase db lint` (which runs as postgres) works.
create extension if not exists plpgsql_check with schema extensions;
-- pg_cron lives in its own schema `cron`, as on Supabase.
create extension if not exists pg_cron;
grant usage on schema cron to postgres;
grant all on all tables in schema cron to postgres;
grant all on all sequences in schema cron to postgres;
grant execute on all functions in schema cron to postgres;

-- ============================================================================
-- Section - Auth
-- ============================================================================

create schema if not exists auth authorization supabase_admin;
grant usage on schema auth to postgres, anon, authenticated, service_role;
grant all on schema auth to supabase_auth_admin;

create table if not exists auth.users (
  instance_id uuid,
  id uuid primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  confirmation_sent_at timestamptz,
  recovery_token varchar(255),
  recovery_sent_at timestamptz,
  email_change_token_new varchar(255),
  email_change varchar(255),
  email_change_sent_at timestamptz,
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text unique default null,
  phone_confirmed_at timestamptz,
  phone_change text default '',
  phone_change_token varchar(255) default '',
  phone_change_sent_at timestamptz,
  confirmed_at timestamptz generated always as (
    least(email_confirmed_at, phone_confirmed_at)
  ) stored,
  email_change_token_current varchar(255) default '',
  email_change_confirm_status smallint default 0
  check (email_change_confirm_status between 0 and 2),
  banned_until timestamptz,
  reauthentication_token varchar(255) default '',
  reauthentication_sent_at timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
create unique index if not exists users_email_partial_key
on auth.users (email) where (is_sso_user = false);
create index if not exists users_instance_id_idx on auth.users (instance_id);

create table if not exists auth.sessions (
  id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz,
  updated_at timestamptz,
  factor_id uuid,
  aal text,
  not_after timestamptz,
  refreshed_at timestamp,
  user_agent text,
  ip inet,
  tag text
);
create index if not exists sessions_user_id_idx on auth.sessions (user_id);

create table if not exists auth.refresh_tokens (
  instance_id uuid,
  id bigserial primary key,
  token varchar(255) unique,
  user_id varchar(255),
  revoked boolean,
  created_at timestamptz,
  updated_at timestamptz,
  parent varchar(255),
  session_id uuid references auth.sessions (id) on delete cascade
);
create index if not exists refresh_tokens_parent_idx on auth.refresh_tokens (parent);
create index if not exists refresh_tokens_session_id_revoked_idx
on auth.refresh_tokens (session_id, revoked);

create table if not exists auth.audit_log_entries (
  instance_id uuid,
  id uuid primary key,
  payload json,
  created_at timestamptz,
  ip_address varchar(64) not null default ''
);

-- Triggers on auth.users run as its owner, as on Supabase.
alter table auth.users owner to supabase_auth_admin;
alter table auth.sessions owner to supabase_auth_admin;
alter table auth.refresh_tokens owner to supabase_auth_admin;
alter sequence auth.refresh_tokens_id_seq owner to supabase_auth_admin;
alter table auth.audit_log_entries owner to supabase_auth_admin;
grant all on all tables in schema auth to postgres, dashboard_user;
grant all on all sequences in schema auth to postgres, dashboard_user;

create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;
alter function auth.email() owner to supabase_auth_admin;
alter function auth.jwt() owner to supabase_auth_admin;
grant execute on function auth.uid(), auth.role(), auth.email(), auth.jwt()
to public;

-- ============================================================================
-- Section - Storage
-- ============================================================================

create schema if not exists storage authorization supabase_admin;
grant usage on schema storage to postgres, anon, authenticated, service_role;
grant all on schema storage to supabase_storage_admin;

create table if not exists storage.buckets (
  id text primary key,
  name text not null,
  owner uuid,
  owner_id text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  public boolean default false,
  avif_autodetection boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[]
);
create unique index if not exists bname on storage.buckets (name);

create table if not exists storage.objects (
  id uuid primary key default extensions.gen_random_uuid(),
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  owner_id text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  user_metadata jsonb
);
create unique index if not exists bucketid_objname on storage.objects (bucket_id, name);
create index if not exists name_prefix_search on storage.objects (name text_pattern_ops);

alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;
alter table storage.buckets owner to supabase_storage_admin;
alter table storage.objects owner to supabase_storage_admin;
grant all on storage.buckets, storage.objects
to postgres, anon, authenticated, service_role;

create or replace function storage.foldername(name text) returns text[]
language sql immutable
as $$
  select (string_to_array(name, '/'))[1:array_length(string_to_array(name, '/'), 1) - 1]
$$;

create or replace function storage.filename(name text) returns text
language sql immutable
as $$
  select (string_to_array(name, '/'))[array_length(string_to_array(name, '/'), 1)]
$$;

create or replace function storage.extension(name text) returns text
language sql immutable
as $$
  select reverse(split_part(reverse(storage.filename(name)), '.', 1))
$$;

alter function storage.foldername(text) owner to supabase_storage_admin;
alter function storage.filename(text) owner to supabase_storage_admin;
alter function storage.extension(text) owner to supabase_storage_admin;

-- ============================================================================
-- Section - Realtime
-- ============================================================================

-- What Supabase's Realtime server creates in every project's database for
-- Broadcast and its authorization, as its tenant migrations leave it today
-- (supabase/realtime lib/realtime/tenants/repo/migrations/, the last to touch
-- each object: messages_partitioning, messages_using_uuid,
-- create_messages_replay_index, add_binary_payload_to_messages,
-- rename_broadcast_send_warning, restrict_realtime_schema; checked against its
-- priv/repo/tenant_db_dump_15.sql). The postgres_changes objects
-- (realtime.subscription, apply_rls, list_changes and their types) are not
-- here yet.

create schema if not exists realtime authorization supabase_admin;
grant usage on schema realtime to postgres, anon, authenticated, service_role;
grant all on schema realtime to supabase_realtime_admin with grant option;

-- Realtime's own role: it owns the objects below and becomes the API roles to
-- check a subscriber's rights.
grant anon to supabase_realtime_admin;
grant authenticated to supabase_realtime_admin;
grant service_role to supabase_realtime_admin;
alter role supabase_realtime_admin set search_path = public, extensions, realtime;
-- The embedded stack's Realtime stand-in (stack/realtime) logs in as this role:
-- it reads the WAL through a temporary logical slot (hence replication) and
-- becomes the API roles above to check each subscriber's rights. Supabase's
-- server logs in as its own admin; this role is the closest to it here.
alter role supabase_realtime_admin login replication;
-- Project migrations (run as postgres) write the RLS policies of private
-- channels on realtime.messages. Supabase lets postgres do that through
-- supautils' policy_grants; without supautils, Realtime's migrations leave
-- postgres a member of the owner role, as here (and as for storage above).
grant supabase_realtime_admin to postgres;

-- What supabase_admin creates in realtime (the server's daily partitions)
-- is postgres's and the dashboard's too, as on Supabase.
alter default privileges for role supabase_admin in schema realtime
grant all on tables to postgres, dashboard_user;
alter default privileges for role supabase_admin in schema realtime
grant all on sequences to postgres, dashboard_user;
alter default privileges for role supabase_admin in schema realtime
grant all on functions to postgres, dashboard_user;

do $publication$
begin
  if not exists (select 1 from pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
end
$publication$;
-- Owned by postgres, as on Supabase: the project's migrations add their tables
-- to it (alter publication supabase_realtime add table ...).
alter publication supabase_realtime owner to postgres;

-- Broadcast messages: what realtime.send() writes and what the Realtime
-- server reads back (database broadcasts, replay of private channels). Its
-- RLS policies, written by the project, decide who may join (select) and send
-- (insert) on a private channel; with none, only roles bypassing RLS can.
-- Timestamps are without time zone and the partitions are by UTC day, as
-- Supabase's (the cluster's timezone is UTC).
create table if not exists realtime.messages (
  topic text not null,
  extension text not null,
  payload jsonb,
  event text,
  private boolean default false,
  updated_at timestamp not null default now(),
  inserted_at timestamp not null default now(),
  id uuid not null default gen_random_uuid(),
  binary_payload bytea,
  primary key (id, inserted_at)
) partition by range (inserted_at);

-- A message carries a JSON or a binary payload, never both. Supabase added the
-- check NOT VALID (its tables already had rows); so does this, to match.
do $payload_exclusive$
begin
  if not exists (
    select 1 from pg_constraint
    where conrelid = 'realtime.messages'::regclass and conname = 'messages_payload_exclusive'
  ) then
    alter table realtime.messages
    add constraint messages_payload_exclusive
    check (payload is null or binary_payload is null) not valid;
  end if;
end
$payload_exclusive$;

-- The server's replay of a private channel: latest messages of a topic.
create index if not exists messages_inserted_at_topic_index
on realtime.messages (inserted_at desc, topic)
where extension = 'broadcast' and private is true;

alter table realtime.messages enable row level security;
alter table realtime.messages owner to supabase_realtime_admin;
grant all on realtime.messages to postgres, dashboard_user;
grant select, insert, update on realtime.messages to anon, authenticated, service_role;

-- Daily partitions, named messages_YYYY_MM_DD. Supabase's Realtime server
-- creates yesterday's to three days ahead whenever it connects to a tenant and
-- then on a schedule, and drops those older than 72 hours; realtime.send()
-- creates none (an insert with no partition fails and is only logged). Until
-- the Realtime stand-in (stack/realtime/) does that maintenance, the bootstrap
-- creates the same range at every `scripts/up`, and drops nothing.
do $partitions$
declare
  v_day date;
  v_name text;
begin
  for v_day in
    select (now() at time zone 'utc')::date + d from generate_series(-1, 3) as d
  loop
    v_name := 'messages_' || to_char(v_day, 'YYYY_MM_DD');
    execute format(
      'create table if not exists realtime.%I partition of realtime.messages'
      ' for values from (%L) to (%L)',
      v_name, v_day::timestamp, (v_day + 1)::timestamp
    );
    execute format('alter table realtime.%I owner to supabase_realtime_admin', v_name);
  end loop;
end
$partitions$;

-- The topic of the channel being authorized: the Realtime server sets
-- realtime.topic before it tries a select or insert on realtime.messages as
-- the joining user, so that RLS policies can compare it.
create or replace function realtime.topic() returns text
language sql stable
as $$
  select nullif(current_setting('realtime.topic', true), '')::text
$$;

-- Broadcast from the database (private by default). Security invoker, as on
-- Supabase: the caller's own rights and RLS decide whether the insert goes
-- through. The message id also goes into the payload, unless the payload has
-- an id already, so clients can tell messages apart. The topic is set first so
-- that insert policies using realtime.topic() see it. Any failure is only
-- logged as a warning, so that a trigger's broadcast never undoes the caller's
-- write.
create or replace function realtime.send(
  payload jsonb,
  event text,
  topic text,
  private boolean default true
) returns void
language plpgsql
as $$
declare
  v_id uuid;
  v_payload jsonb;
begin
  begin
    v_id := gen_random_uuid();
    if payload ? 'id' then
      v_payload := payload;
    else
      v_payload := jsonb_set(payload, '{id}', to_jsonb(v_id));
    end if;
    execute format('set local realtime.topic to %L', topic);
    insert into realtime.messages (id, payload, event, topic, private, extension)
    values (v_id, v_payload, event, topic, private, 'broadcast');
  exception
    when others then
      raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end;
$$;

-- The same for a binary payload (delivered to clients as a binary frame):
-- no id is added to it.
create or replace function realtime.send_binary(
  payload bytea,
  event text,
  topic text,
  private boolean default true
) returns void
language plpgsql
as $$
declare
  v_id uuid;
begin
  begin
    v_id := gen_random_uuid();
    execute format('set local realtime.topic to %L', topic);
    insert into realtime.messages (id, binary_payload, event, topic, private, extension)
    values (v_id, payload, event, topic, private, 'broadcast');
  exception
    when others then
      raise warning 'WarnSendingBroadcastMessage: %', sqlerrm;
  end;
end;
$$;

-- For row triggers: broadcasts {schema, table, operation, record, old_record}
-- through realtime.send() on a private topic. Unlike send(), its own errors
-- (a statement-level trigger, an unknown operation) do raise.
create or replace function realtime.broadcast_changes(
  topic_name text,
  event_name text,
  operation text,
  table_name text,
  table_schema text,
  new record,
  old record,
  level text default 'ROW'
) returns void
language plpgsql
as $$
declare
  row_data jsonb := '{}'::jsonb;
begin
  if level = 'STATEMENT' then
    raise exception 'function can only be triggered for each row, not for each statement';
  end if;
  if operation = 'INSERT' or operation = 'UPDATE' or operation = 'DELETE' then
    row_data := jsonb_build_object(
      'old_record', old, 'record', new, 'operation', operation,
      'table', table_name, 'schema', table_schema
    );
    perform realtime.send(row_data, event_name, topic_name);
  else
    raise exception 'Unexpected operation type: %', operation;
  end if;
exception
  when others then
    raise exception 'Failed to process the row: %', sqlerrm;
end;
$$;

-- Owned by Realtime's role; executable by everyone (PUBLIC keeps its default
-- execute), and explicitly by postgres and the dashboard, as on Supabase.
alter function realtime.topic() owner to supabase_realtime_admin;
alter function realtime.send(jsonb, text, text, boolean) owner to supabase_realtime_admin;
alter function realtime.send_binary(bytea, text, text, boolean) owner to supabase_realtime_admin;
alter function realtime.broadcast_changes(text, text, text, text, text, record, record, text)
owner to supabase_realtime_admin;
grant execute on function
realtime.topic(),
realtime.send(jsonb, text, text, boolean),
realtime.send_binary(bytea, text, text, boolean),
realtime.broadcast_changes(text, text, text, text, text, record, record, text)
to postgres, dashboard_user;


-- ============================================================================
-- Section - The public schema
-- ============================================================================

-- New Supabase projects (2026) grant nothing on new objects in public to the
-- API roles: each migration grants what it opens up.
grant usage on schema public to postgres, anon, authenticated, service_role;
grant all on schema public to postgres;
