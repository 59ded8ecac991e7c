-- Lead import, fewer calls a row: the leads row triggers are not called where
-- they would do nothing, and the time zone's domain check runs once a zone.
--
-- Measured on a 5,000-row batch against 1,000,000 leads (pg_stat_user_functions,
-- track_functions = all): the four plpgsql row triggers, each a call with its own
-- search_path, cost ~45 ms a batch though none changes an imported row, and the
-- public.time_zone_name check (private.assert_time_zone -> is_time_zone, two
-- lookups) ~37 ms, on 5,000 equal values. A trigger's WHEN is a plain expression
-- evaluated in the row's executor, and an AFTER trigger whose WHEN is false is
-- not queued. Each WHEN below is true in every case where its function changes
-- NEW, raises or writes (and sometimes more), so every insert, update and delete
-- ends as before, whoever makes it:
--
-- * guard_lead_columns returns NEW untouched unless current_user is
--   authenticated; it is not security definer, so current_user in it is the
--   statement's, as in the WHEN.
-- * set_lead_time_zone on INSERT sets time_zone only when phone is not null and
--   time_zone is null. Updates keep their trigger as it was (a trigger's WHEN
--   cannot read OLD on INSERT, hence two triggers; their names keep the order
--   of the BEFORE triggers: guard, time zone, validate).
-- * validate_lead changes NEW only when time_zone is null, or next_call_at is
--   not what the status asks (null unless new, retry or callback; set when one
--   of those); it raises only when owner_id is not null. Otherwise it returns
--   NEW as it came.
-- * write_lead_history returns at once for an INSERT while
--   crm.lead_history_written_by is lead_import_write_batch (migration
--   20261206000202); that setting is set around a whole statement, so the WHEN
--   (evaluated per row during it) and the function (at its end) read the same
--   value. Updates and deletes keep their trigger as it was.
--
-- The batch function now inserts next_call_at as validate_lead would
-- (private.now(): status is new), and casts each distinct time zone of the
-- batch to the domain once (the same check on the same value) rather than each
-- row's text; otherwise it is as in migration 20261206000203.

drop trigger leads_guard_columns on public.leads;
create trigger leads_guard_columns
before insert or update on public.leads
for each row
when (current_user = 'authenticated')
execute function private.guard_lead_columns();

drop trigger leads_time_zone_from_phone on public.leads;
create trigger leads_time_zone_from_phone
before insert on public.leads
for each row
when (new.phone is not null and new.time_zone is null)
execute function private.set_lead_time_zone();
create trigger leads_time_zone_from_phone_update
before update of phone on public.leads
for each row
execute function private.set_lead_time_zone();

drop trigger leads_validate on public.leads;
create trigger leads_validate
before insert or update on public.leads
for each row
when (
  new.time_zone is null
  or new.owner_id is not null
  or new.status is null
  or (new.status in ('new', 'retry', 'callback')) = (new.next_call_at is null)
)
execute function private.validate_lead();

drop trigger leads_write_history on public.leads;
create trigger leads_write_history
after delete or update on public.leads
for each row
when (coalesce(current_setting('crm.via', true), '') not like 'rpc/bulk\_%')
execute function private.write_lead_history();
create trigger leads_write_history_insert
after insert on public.leads
for each row
when (
  coalesce(current_setting('crm.via', true), '') not like 'rpc/bulk\_%'
  and coalesce(current_setting('crm.lead_history_written_by', true), '') <> 'lead_import_write_batch'
)
execute function private.write_lead_history();

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
  v_default_zone public.time_zone_name;
  v_now timestamptz := private.now();
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

  -- The campaign's leads with the batch's numbers: looked up by phone alone (leads_phone_idx;
  -- offset 0 keeps the campaign filter outside, so that the planner, whose statistics lag
  -- behind a growing import, never walks the campaign's leads once per row instead).
  by_phone as materialized (
    select distinct on (x.phone) x.phone::text as phone, x.id, x.import_id
    from (
      select l.phone, l.id, l.import_id, l.campaign_id, l.erased_at
      from public.leads as l
      where l.phone = any(array(select b.phone from batch as b))
      offset 0
    ) as x
    where x.campaign_id = v_import.campaign_id and x.erased_at is null
    order by x.phone, x.id
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
      coalesce(p.id, r.id) as match_id,
      case when p.id is not null then p.import_id else r.import_id end as match_import,
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
        when p.id is null and r.id is not null then 'external_ref'
        else 'phone'
      end as dup_field,
      case
        when b.phone_rank > 1 or (b.ref is not null and b.ref_rank > 1) then 'duplicate_in_file'
        when exists (
          select 1 from public.do_not_call as d
          where d.phone = b.phone and (d.campaign_id is null or d.campaign_id = v_import.campaign_id)
        ) then 'do_not_call'
        when coalesce(p.id, r.id) is not null
          and (case when p.id is not null then p.import_id else r.import_id end) is not distinct from p_id
          then 'duplicate_in_file'
        when coalesce(p.id, r.id) is not null and v_update then 'update'
        when coalesce(p.id, r.id) is not null then 'duplicate_in_campaign'
        else 'new'
      end as outcome
    from batch as b
    left join by_phone as p on b.phone = p.phone
    left join by_ref as r on b.ref = r.external_ref
  ),

  -- The batch's distinct zones, each cast to the domain (its check, private.assert_time_zone)
  -- once instead of once a row: the same check on the same values.
  zone_names as materialized (
    select d.zone, d.zone::public.time_zone_name as checked
    from (
      select distinct c.zones ->> 0 as zone from classified as c
      where c.outcome = 'new' and jsonb_array_length(c.zones) = 1
    ) as d
  ),

  inserted as (
    insert into public.leads (
      campaign_id, first_name, last_name, phone, email, birth_date, address_line, city, region,
      postal_code, country_code, external_ref, source, notes, custom, created_by, import_id, time_zone,
      next_call_at
    )
    select
      v_import.campaign_id, c.first_name, coalesce(c.last_name, ''), c.phone, nullif(c.email, ''), c.birth_date,
      coalesce(c.address_line, ''), coalesce(c.city, ''), coalesce(c.region, ''),
      coalesce(c.postal_code, ''), nullif(c.country_code, ''), c.ref, coalesce(c.source, ''),
      coalesce(c.notes, ''), coalesce(c.custom, '{}'), v_import.requested_by, p_id,
      -- private.lead_time_zone(phone, campaign): see zones in classified; already a
      -- checked public.time_zone_name (zone_names), so not checked again per row.
      coalesce(z.checked, v_default_zone),
      -- What validate_lead sets for a new lead (status new, next_call_at null), so it is not called.
      v_now
    from classified as c
    left join zone_names as z on jsonb_array_length(c.zones) = 1 and z.zone = c.zones ->> 0
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
