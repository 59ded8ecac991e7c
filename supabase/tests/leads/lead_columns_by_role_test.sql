-- Every column of public.leads, changed through the API by every role:
-- allowed (the value changed) or refused with the documented SQLSTATE and a
-- message naming the column (never 22004, a NULL RAISE option). The table is
-- docs/interface.md, "Lead columns by role".
begin;
select plan(211);

select tests.create_two_campaigns();

-- One attempted change: the outcome as 'changed', 'unchanged' (the statement
-- succeeded, the database kept its own value), 'hidden' (RLS: no row), or
-- '<sqlstate> <text before the first colon>' for a refusal. The change is
-- always undone, so each case starts from the fixture.
create function tests.lead_column_change(p_lead_id uuid, p_column text, p_value text) returns text
language plpgsql
as $$
declare
  v_before jsonb;
  v_after jsonb;
  v_outcome text;
begin
  execute format('select to_jsonb(l) -> %L from public.leads as l where l.id = %L', p_column, p_lead_id)
  into v_before;
  begin
    execute format(
      'update public.leads set %I = %s where id = %L returning to_jsonb(leads) -> %L',
      p_column, p_value, p_lead_id, p_column
    ) into v_after;
    v_outcome := case
      when v_after is null then 'hidden'
      when v_after is distinct from v_before then 'changed'
      else 'unchanged'
    end;
    raise exception using errcode = 'TT000', message = v_outcome; -- undo the change
  exception
    when sqlstate 'TT000' then
      return sqlerrm;
    when others then
      return sqlstate || ' ' || split_part(sqlerrm, ':', 1);
  end;
end;
$$;

-- Each column, a valid new value for lead a1 (agent a1's, campaign A), and
-- the expected outcome for its agent and for campaign A's managers
-- (supervisor supa and the admin, who are treated alike).
create table tests.lead_column_cases (
  column_name text primary key,
  new_value text not null,
  agent text not null,
  manager text not null,
  service text not null default 'changed'
);
insert into tests.lead_column_cases (column_name, new_value, agent, manager) values
-- contact data: the agent's too
('first_name', $$'Lucía María'$$, 'changed', 'changed'),
('last_name', $$'García'$$, 'changed', 'changed'),
('email', $$'lucia@example.es'$$, 'changed', 'changed'),
('birth_date', $$'1980-05-01'$$, 'changed', 'changed'),
('address_line', $$'Calle Mayor 1'$$, 'changed', 'changed'),
('city', $$'Madrid'$$, 'changed', 'changed'),
('region', $$'Madrid'$$, 'changed', 'changed'),
('postal_code', $$'28013'$$, 'changed', 'changed'),
('consent_marketing', 'true', 'changed', 'changed'),
('custom', $$'{"age": 40}'$$, 'changed', 'changed'),
('notes', $$'Prefiere mañanas'$$, 'changed', 'changed'),
-- what the dialling rules read, and import data: managers only
('phone', $$'+34600000091'$$, '42501 phone', 'changed'),
('alternate_phones', $$'{+34911000001}'$$, '42501 alternate_phones', 'changed'),
('country_code', $$'ES'$$, '42501 country_code', 'changed'),
('time_zone', $$'Atlantic/Canary'$$, '42501 time_zone', 'changed'),
('consent_contact', 'false', '42501 consent_contact', 'changed'),
('consent_recording', 'true', '42501 consent_recording', 'changed'),
('source', $$'web'$$, '42501 source', 'changed'),
('external_ref', $$'CRM-1'$$, '42501 external_ref', 'changed'),
-- the dialler state: managers only; the owner: leads.assign
('status', $$'lost'$$, '42501 status', 'changed'),
('attempts', '2', '42501 attempts', 'changed'),
('next_call_at', $$now() + interval '1 day'$$, '42501 next_call_at', 'changed'),
('owner_id', $$'f0000000-0000-4000-8000-000000000102'$$, '42501 owner_id', 'changed'),
-- nobody, through the API
('id', 'gen_random_uuid()', '42501 id', '42501 id'),
('campaign_id', $$'c0000000-0000-4000-8000-00000000000b'$$, '42501 campaign_id', '42501 campaign_id'),
('created_by', $$'f0000000-0000-4000-8000-000000000101'$$, '42501 created_by', '42501 created_by'),
('created_at', $$now() - interval '1 day'$$, '42501 created_at', '42501 created_at'),
('last_called_at', 'now()', '42501 last_called_at', '42501 last_called_at'),
('erased_at', 'now()', '42501 erased_at', '42501 erased_at'),
-- kept by the database: the last call's disposition (rpc/end_call), the search key (generated)
('last_outcome', $$'sale'$$, '42501 last_outcome', '42501 last_outcome'),
-- provenance: the lead import that made the lead (its batch function alone)
('import_id', 'gen_random_uuid()', '42501 import_id', '42501 import_id'),
(
  'search_text', $$'x'$$, '428C9 column "search_text" can only be updated to DEFAULT',
  '428C9 column "search_text" can only be updated to DEFAULT'
),
-- set by the database on every update (now(), this transaction's time)
('updated_at', $$now() - interval '1 day'$$, 'unchanged', 'unchanged');
-- The service role is not guarded; only the rules every writer obeys refuse.
update tests.lead_column_cases set service = 'unchanged' where column_name = 'updated_at';
update tests.lead_column_cases set service = '428C9 column "search_text" can only be updated to DEFAULT'
where column_name = 'search_text';
update tests.lead_column_cases set service = '23514 owner_id' where column_name = 'campaign_id';
update tests.lead_column_cases
set service = '23503 insert or update on table "leads" violates foreign key constraint "leads_import_id_fkey"'
where column_name = 'import_id';
update tests.lead_column_cases
set service = '23514 new row for relation "leads" violates check constraint "leads_erased_status"'
where column_name = 'erased_at';
grant select on tests.lead_column_cases to authenticated, service_role;

select set_eq(
  $$select column_name::text from information_schema.columns
    where table_schema = 'public' and table_name = 'leads'$$,
  'select column_name from tests.lead_column_cases',
  'every column of public.leads has a decided outcome per role (a new column needs one)'
);

-- Agent a1 on its own lead.
select tests.authenticate_as('a1@t.test');
select
  is(
    tests.lead_column_change('e0000000-0000-4000-8000-0000000000a1', c.column_name, c.new_value),
    c.agent,
    format('agent, own lead: %s -> %s', c.column_name, c.agent)
  )
from tests.lead_column_cases as c
order by c.column_name;

-- Agent a1 on a colleague's lead (a2's): not even visible.
select
  is(
    tests.lead_column_change('e0000000-0000-4000-8000-0000000000a2', c.column_name, c.new_value),
    case when c.column_name = 'search_text' then c.manager else 'hidden' end, -- refused before RLS
    format('agent, a colleague''s lead: %s -> hidden', c.column_name)
  )
from tests.lead_column_cases as c
order by c.column_name;

-- Supervisor of campaign A on a1's lead.
select tests.authenticate_as('supa@t.test');
select
  is(
    tests.lead_column_change('e0000000-0000-4000-8000-0000000000a1', c.column_name, c.new_value),
    c.manager,
    format('supervisor of the campaign: %s -> %s', c.column_name, c.manager)
  )
from tests.lead_column_cases as c
order by c.column_name;

-- Supervisor of campaign B on a1's lead: not visible.
select tests.authenticate_as('supb@t.test');
select
  is(
    tests.lead_column_change('e0000000-0000-4000-8000-0000000000a1', c.column_name, c.new_value),
    case when c.column_name = 'search_text' then c.manager else 'hidden' end, -- refused before RLS
    format('supervisor of another campaign: %s -> hidden', c.column_name)
  )
from tests.lead_column_cases as c
order by c.column_name;

-- Admin on a1's lead.
select tests.authenticate_as('adm@t.test');
select
  is(
    tests.lead_column_change('e0000000-0000-4000-8000-0000000000a1', c.column_name, c.new_value),
    c.manager,
    format('admin: %s -> %s', c.column_name, c.manager)
  )
from tests.lead_column_cases as c
order by c.column_name;

-- The service role (workers) on a1's lead.
select tests.authenticate_as_service_role();
select
  is(
    tests.lead_column_change('e0000000-0000-4000-8000-0000000000a1', c.column_name, c.new_value),
    c.service,
    format('service role: %s -> %s', c.column_name, c.service)
  )
from tests.lead_column_cases as c
order by c.column_name;

-- The exact messages of the refusals (item 12: created_by and the other
-- never-changing columns raised 22004 with a NULL hint).
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$update public.leads set created_by = 'f0000000-0000-4000-8000-000000000011'
    where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501', 'created_by: a lead''s created_by never changes through the API',
  'created_by: 42501 naming the column, not 22004'
);
select throws_ok(
  $$update public.leads set campaign_id = 'c0000000-0000-4000-8000-00000000000b'
    where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501', 'campaign_id: a lead''s campaign_id never changes through the API',
  'campaign_id: 42501 naming the column'
);
select throws_ok(
  $$update public.leads set status = 'erased' where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501', 'status: erased is set only by rpc/erase_lead',
  'a supervisor cannot mark a lead erased without erasing it'
);
-- The lead asked not to be called; its agent tries to undo that.
select tests.clear_authentication();
update public.leads set consent_contact = false where id = 'e0000000-0000-4000-8000-0000000000a1';
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$update public.leads set consent_contact = true where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501',
  'consent_contact: only the campaign''s supervisors and admins change a lead''s consent to be called',
  'consent_contact: the agent is refused, naming the column'
);
select throws_ok(
  $$update public.leads set time_zone = 'America/Los_Angeles' where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501',
  'time_zone: follows the phone number; only the campaign''s supervisors and admins override it',
  'time_zone: the agent is refused, naming the column'
);
select throws_ok(
  $$update public.leads set phone = '+34600000091' where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501',
  'phone: only the campaign''s supervisors and admins change a lead''s numbers and country '
  || '(the do-not-call and calling-hours rules read them)',
  'phone: the agent is refused, naming the column'
);
select throws_ok(
  $$update public.leads set consent_recording = false where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501',
  'consent_recording: agents record the lead''s answer on the call (calls.recording_consent)',
  'consent_recording: the agent answers on the call, not on the lead'
);
select throws_ok(
  $$update public.leads set notes = 'x', time_zone = 'America/Los_Angeles'
    where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  '42501', null,
  'an allowed column does not carry a refused one along'
);
select tests.clear_authentication();
select is(
  (select notes from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'),
  '',
  'and nothing of that statement was written'
);

-- An erased lead no longer changes, not even for its campaign's supervisor.
select tests.clear_authentication();
update public.leads set
  status = 'erased', erased_at = now(), phone = null, first_name = '[erased]', owner_id = null
where id = 'e0000000-0000-4000-8000-0000000000a2';
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$update public.leads set first_name = 'Javier' where id = 'e0000000-0000-4000-8000-0000000000a2'$$,
  '42501', 'first_name: lead e0000000-0000-4000-8000-0000000000a2 was erased; it no longer changes',
  'personal data cannot be written back into an erased lead'
);

-- Profiles name the refused column too (it always said role:).
select tests.authenticate_as('a1@t.test');
select throws_ok(
  $$update public.profiles set email = 'other@t.test' where email = 'a1@t.test'$$,
  '42501', 'email: needs users.manage; users edit only their own full_name and locale',
  'profiles: a refused email change names email'
);
select throws_ok(
  $$update public.profiles set sip_extension = '5999' where email = 'a1@t.test'$$,
  '42501', 'sip_extension: needs users.manage; users edit only their own full_name and locale',
  'profiles: a refused extension change names sip_extension'
);

select * from finish();
rollback;
