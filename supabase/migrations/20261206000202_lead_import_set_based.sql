-- Lead import, faster batches: the lead rules run set-based in the batch.
--
-- Measured on 5000-row batches, the per-row triggers cost most of an import:
-- leads_time_zone_from_phone ~200 µs a row (private.lead_time_zone, a
-- plpgsql call per row) and leads_write_history ~300 µs a row. Both now do
-- their work for the whole batch inside private.lead_import_write_batch, with
-- the same result:
--
-- * Time zone: the batch computes private.lead_time_zone's answer inline
--   (the same longest-prefix lookup in private.phone_time_zones, read once
--   per batch as a jsonb object, over the same prefixes of up to 15 digits,
--   the same "exactly one zone, else the campaign's default_time_zone") and
--   inserts it; set_lead_time_zone only fills a null
--   time_zone on insert, so it does nothing more, and validate_lead's default
--   never applies (the value is never null).
-- * History: write_lead_history returns at once for an INSERT while
--   crm.lead_history_written_by is set, which only the batch function sets,
--   transaction-local, around its one insert statement; that statement writes
--   the same history rows itself from the inserted rows (RETURNING *: the
--   rows after every BEFORE trigger, as NEW is): the same lead_id,
--   campaign_id, operation, changed_fields (the non-null keys, sorted),
--   new_values (the row less updated_at and search_text), changed_by
--   (auth.uid()), actor, via and db_role. The batch fails if the counts of
--   leads and history rows differ. API roles cannot set a GUC (PostgREST sets
--   only request.*), and updates and deletes are untouched.
--
-- write_lead_history is otherwise as in migration 20261206000100 of the
-- lead search (its history leaves out search_text; '- search_text' is a
-- no-op where that column does not exist).

create or replace function private.write_lead_history() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_old jsonb;
  v_new jsonb;
  v_fields text[];
begin
  -- private.lead_import_write_batch writes these rows itself, set-based (see above).
  if tg_op = 'INSERT' and current_setting('crm.lead_history_written_by', true) = 'lead_import_write_batch' then
    return null;
  end if;
  v_old := case when tg_op <> 'INSERT' then to_jsonb(old) - 'updated_at' - 'search_text' end;
  v_new := case when tg_op <> 'DELETE' then to_jsonb(new) - 'updated_at' - 'search_text' end;
  if tg_op = 'UPDATE' then
    v_fields := private.changed_columns(v_old, v_new);
    if cardinality(v_fields) = 0 then
      return null;
    end if;
    select
      jsonb_object_agg(o.key, o.value) filter (where o.key = any(v_fields)),
      jsonb_object_agg(n.key, n.value) filter (where n.key = any(v_fields))
    into v_old, v_new
    from jsonb_each(v_old) as o
    inner join jsonb_each(v_new) as n on o.key = n.key;
  elsif tg_op = 'INSERT' then
    select coalesce(array_agg(n.key order by n.key), '{}') into v_fields
    from jsonb_each(v_new) as n
    where n.value <> 'null'::jsonb;
  else
    select coalesce(array_agg(o.key order by o.key), '{}') into v_fields
    from jsonb_each(v_old) as o
    where o.value <> 'null'::jsonb;
  end if;

  insert into public.lead_history (
    lead_id, campaign_id, operation, changed_fields, old_values, new_values,
    changed_by, actor, via
  ) values (
    coalesce(new.id, old.id),
    coalesce(new.campaign_id, old.campaign_id),
    lower(tg_op),
    v_fields,
    v_old,
    v_new,
    (select auth.uid()),
    private.current_actor(),
    nullif(current_setting('crm.via', true), '')
  );
  return null;
end;
$$;

-- One batch of import p_id in one transaction: the rows the worker parsed
-- (p_rows: [{line, first_name, phone (E.164), ..., custom}]) are checked for
-- duplicates (in the file: an earlier line of this batch, or a lead this
-- import already made; in the campaign: by phone, and by external_ref when
-- given) and against do-not-call (company-wide and the campaign's), then
-- inserted (or, with duplicates=update, written over the existing lead's
-- contact fields); every refused row, the worker's (p_errors: [{line, field,
-- code, message, raw}]) and these, becomes a lead_import_errors row; and the
-- checkpoint moves from p_from_row to p_to_row with the counts. Null (and
-- nothing written) when the claim was lost or the checkpoint is not
-- p_from_row (the batch was already written). Returns the new counts and
-- whether a cancel was asked.
create or replace function private.lead_import_write_batch(
  p_id uuid, p_worker text, p_from_row bigint, p_to_row bigint, p_rows jsonb, p_errors jsonb default '[]'
) returns jsonb
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_import public.lead_imports;
  v_update boolean;
  v_refs boolean;
  v_counts record;
  v_default_zone text;
  v_zones jsonb;
  v_actor text;
begin
  select i.* into v_import from public.lead_imports as i
  where i.id = p_id and i.worker = p_worker and i.status = 'running'
  for update;
  if not found or v_import.processed_rows <> p_from_row then
    return null;
  end if;
  select c.default_time_zone into v_default_zone from public.campaigns as c where c.id = v_import.campaign_id;
  select coalesce(jsonb_object_agg(z.prefix, to_jsonb(z.time_zones)), '{}') into v_zones
  from private.phone_time_zones as z;
  perform set_config('crm.via', 'lead_import', true);
  -- The history of each lead names the importer as who made it (auth.uid()).
  perform set_config(
    'request.jwt.claims', jsonb_build_object('sub', v_import.requested_by, 'role', 'authenticated')::text, true
  );
  v_actor := private.current_actor();
  -- The inserts' history is written below, set-based (see private.write_lead_history).
  perform set_config('crm.lead_history_written_by', 'lead_import_write_batch', true);
  v_update := coalesce(v_import.options ->> 'duplicates', 'skip') = 'update';
  v_refs := exists (
    select 1 from jsonb_array_elements(p_rows) as e (r) where coalesce(e.r ->> 'external_ref', '') <> ''
  );

  with batch as materialized (
    select
      b.*,
      nullif(b.external_ref, '') as ref,
      row_number() over (partition by b.phone order by b.line) as phone_rank,
      row_number() over (partition by nullif(b.external_ref, '') order by b.line) as ref_rank
    from jsonb_to_recordset(p_rows) as b (
      line integer, first_name text, last_name text, phone text, email text, birth_date date,
      address_line text, city text, region text, postal_code text, country_code text,
      external_ref text, source text, notes text, custom jsonb
    )
  ),

  by_ref as materialized (
    select distinct on (l.external_ref) l.external_ref, l.id, l.import_id
    from public.leads as l
    where
      v_refs and l.campaign_id = v_import.campaign_id and l.erased_at is null
      and l.external_ref in (select b.ref from batch as b where b.ref is not null)
    order by l.external_ref, l.created_at
  ),

  classified as materialized (
    select
      b.*,
      m.id as match_id,
      m.import_id as match_import,
      -- The zones of the longest prefix of the number's digits (up to 15) found in
      -- private.phone_time_zones (v_zones: the same table as one object), as
      -- private.lead_time_zone looks them up; null when none.
      coalesce(
        v_zones -> left(substr(b.phone, 2), 15), v_zones -> left(substr(b.phone, 2), 14),
        v_zones -> left(substr(b.phone, 2), 13), v_zones -> left(substr(b.phone, 2), 12),
        v_zones -> left(substr(b.phone, 2), 11), v_zones -> left(substr(b.phone, 2), 10),
        v_zones -> left(substr(b.phone, 2), 9), v_zones -> left(substr(b.phone, 2), 8),
        v_zones -> left(substr(b.phone, 2), 7), v_zones -> left(substr(b.phone, 2), 6),
        v_zones -> left(substr(b.phone, 2), 5), v_zones -> left(substr(b.phone, 2), 4),
        v_zones -> left(substr(b.phone, 2), 3), v_zones -> left(substr(b.phone, 2), 2),
        v_zones -> left(substr(b.phone, 2), 1)
      ) as zones,
      case
        when b.phone_rank > 1 then 'phone'
        when b.ref is not null and b.ref_rank > 1 then 'external_ref'
        when m.rank = 2 then 'external_ref'
        else 'phone'
      end as dup_field,
      case
        when b.phone_rank > 1 or (b.ref is not null and b.ref_rank > 1) then 'duplicate_in_file'
        when exists (
          select 1 from public.do_not_call as d
          where d.phone = b.phone and (d.campaign_id is null or d.campaign_id = v_import.campaign_id)
        ) then 'do_not_call'
        when m.import_id is not distinct from p_id and m.id is not null then 'duplicate_in_file'
        when m.id is not null and v_update then 'update'
        when m.id is not null then 'duplicate_in_campaign'
        else 'new'
      end as outcome
    from batch as b
    left join lateral (
      select x.id, x.import_id, x.rank from (
        select l.id, l.import_id, 1 as rank
        from public.leads as l
        where l.phone = b.phone and l.campaign_id = v_import.campaign_id and l.erased_at is null
        union all
        select r.id, r.import_id, 2 from by_ref as r where r.external_ref = b.ref
      ) as x
      order by x.rank, x.id
      limit 1
    ) as m on true
  ),

  inserted as (
    insert into public.leads (
      campaign_id, first_name, last_name, phone, email, birth_date, address_line, city, region,
      postal_code, country_code, external_ref, source, notes, custom, created_by, import_id, time_zone
    )
    select
      v_import.campaign_id, c.first_name, coalesce(c.last_name, ''), c.phone, nullif(c.email, ''), c.birth_date,
      coalesce(c.address_line, ''), coalesce(c.city, ''), coalesce(c.region, ''),
      coalesce(c.postal_code, ''), nullif(c.country_code, ''), c.ref, coalesce(c.source, ''),
      coalesce(c.notes, ''), coalesce(c.custom, '{}'), v_import.requested_by, p_id,
      -- private.lead_time_zone(phone, campaign): see zones in classified.
      coalesce(case when jsonb_array_length(c.zones) = 1 then c.zones ->> 0 end, v_default_zone)
    from classified as c
    where c.outcome = 'new'
    order by c.line
    returning *
  ),

  -- What private.write_lead_history writes for an insert, for every inserted lead at once.
  inserted_history as (
    insert into public.lead_history (
      lead_id, campaign_id, operation, changed_fields, old_values, new_values, changed_by, actor, via
    )
    select
      n.id, n.campaign_id, 'insert', f.fields, null, j.v_new, (select auth.uid()), v_actor,
      nullif(current_setting('crm.via', true), '')
    from inserted as n
    cross join lateral (select to_jsonb(n) - 'updated_at' - 'search_text' as v_new) as j
    cross join lateral (
      select coalesce(array_agg(e.key order by e.key), '{}') as fields
      from jsonb_each(j.v_new) as e
      where e.value <> 'null'::jsonb
    ) as f
    returning 1
  ),

  updated as (
    update public.leads as l set
      first_name = coalesce(nullif(c.first_name, ''), l.first_name),
      last_name = coalesce(nullif(c.last_name, ''), l.last_name),
      phone = coalesce(c.phone, l.phone),
      email = coalesce(nullif(c.email, ''), l.email),
      birth_date = coalesce(c.birth_date, l.birth_date),
      address_line = coalesce(nullif(c.address_line, ''), l.address_line),
      city = coalesce(nullif(c.city, ''), l.city),
      region = coalesce(nullif(c.region, ''), l.region),
      postal_code = coalesce(nullif(c.postal_code, ''), l.postal_code),
      external_ref = coalesce(c.ref, l.external_ref),
      notes = coalesce(nullif(c.notes, ''), l.notes),
      custom = l.custom || coalesce(c.custom, '{}')
    from classified as c
    where c.outcome = 'update' and l.id = c.match_id
    returning 1
  ),

  refused as (
    insert into public.lead_import_errors (import_id, line, field, code, message, raw)
    select
      p_id, c.line,
      case when c.outcome = 'do_not_call' then 'phone' else c.dup_field end,
      c.outcome,
      case
        when c.outcome = 'do_not_call' then format('%s is on the do-not-call list', c.phone)
        when c.outcome = 'duplicate_in_file' and c.dup_field = 'phone' then
          format('phone %s appears earlier in the file', c.phone)
        when c.outcome = 'duplicate_in_file' then format('external_ref %s appears earlier in the file', c.ref)
        when c.dup_field = 'phone' then format('phone %s is already a lead of the campaign', c.phone)
        else format('external_ref %s is already a lead of the campaign', c.ref)
      end,
      jsonb_strip_nulls(
        to_jsonb(c)
        - array['phone_rank', 'ref_rank', 'match_id', 'match_import', 'outcome', 'ref', 'line', 'dup_field', 'zones']
      )
    from classified as c
    where c.outcome in ('duplicate_in_file', 'do_not_call', 'duplicate_in_campaign')
    union all
    select p_id, e.line, coalesce(e.field, ''), e.code, coalesce(e.message, ''), e.raw
    from jsonb_to_recordset(coalesce(p_errors, '[]')) as e (line integer, field text, code text, message text, raw jsonb)
    returning 1
  )

  select
    (select count(*) from inserted) as imported,
    (select count(*) from inserted_history) as history,
    (select count(*) from updated) as updated,
    (select count(*) from classified as c where c.outcome in ('duplicate_in_file', 'duplicate_in_campaign'))
    as duplicates,
    (select count(*) from classified as c where c.outcome = 'do_not_call') as do_not_call,
    (select count(distinct e.r ->> 'line') from jsonb_array_elements(coalesce(p_errors, '[]')) as e (r)) as invalid,
    (select count(*) from refused) as errors
  into v_counts;

  perform set_config('crm.lead_history_written_by', '', true);
  if v_counts.history <> v_counts.imported then
    raise exception 'lead_import_write_batch: % leads but % history rows', v_counts.imported, v_counts.history;
  end if;

  update public.lead_imports as i set
    processed_rows = p_to_row,
    imported = i.imported + v_counts.imported,
    updated = i.updated + v_counts.updated,
    duplicates = i.duplicates + v_counts.duplicates,
    do_not_call = i.do_not_call + v_counts.do_not_call,
    invalid = i.invalid + v_counts.invalid,
    total_rows = greatest(i.total_rows, p_to_row),
    heartbeat_at = private.now()
  where i.id = p_id
  returning * into v_import;

  return jsonb_build_object(
    'processed_rows', v_import.processed_rows, 'imported', v_import.imported, 'updated', v_import.updated,
    'duplicates', v_import.duplicates, 'do_not_call', v_import.do_not_call, 'invalid', v_import.invalid,
    'cancel_requested', v_import.cancel_requested
  );
end;
$$;
comment on function private.lead_import_write_batch(uuid, text, bigint, bigint, jsonb, jsonb) is
'Lead import worker: write one batch of import p_id with its checkpoint, in one transaction; null when not its own.';
revoke execute on function private.lead_import_write_batch(uuid, text, bigint, bigint, jsonb, jsonb) from public;
grant execute on function private.lead_import_write_batch(uuid, text, bigint, bigint, jsonb, jsonb) to crm_lead_import;
