-- leads.search_text (generated, trigram-indexed) and leads.last_outcome (kept
-- by rpc/end_call): what they hold, who may write them, what the history keeps.
begin;
select plan(25);

select tests.create_two_campaigns();

select has_column('public', 'leads', 'search_text', 'leads.search_text exists');
select has_column('public', 'leads', 'last_outcome', 'leads.last_outcome exists');
select has_index('public', 'leads', 'leads_search_text_idx', 'search_text has its trigram index');
select is(
  (
    select am.amname::text from pg_class as c inner join pg_am as am on c.relam = am.oid
    where c.oid = 'public.leads_search_text_idx'::regclass
  ),
  'gin', 'the search index is a GIN index'
);

-- What search_text holds: names, e-mail, reference lower-case and accent-free,
-- then the digits of every number.
update public.leads set
  last_name = 'Núñez Peña', email = 'Lucia.Nunez@Example.com', external_ref = 'CRM-Ñ01',
  alternate_phones = '{+34911234567}'
where id = 'e0000000-0000-4000-8000-0000000000a1';
select is(
  (select search_text from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'),
  'lucia nunez pena lucia.nunez@example.com crm-n01 34600000001 34911234567',
  'search_text: lower-case, accent-free names, e-mail and reference, then the numbers'' digits'
);
select is(
  (select search_text from public.leads where id = 'e0000000-0000-4000-8000-0000000000a3'),
  'carmen 34600000003', 'a lead without e-mail or reference: name and number'
);
select is(
  private.lead_search_pattern('  Núñez '), '%nunez%', 'a name term: lower-case, accent-free, trimmed'
);
select is(
  private.lead_search_pattern('+34 600-00.00 (01)'), '%34600000001%', 'a phone-looking term: its digits'
);
select is(private.lead_search_pattern('0034 600'), '%34600%', 'a 00 prefix is dropped like the +');
select is(private.lead_search_pattern('50%_x'), '%50\%\_x%', 'LIKE wildcards in a term are literal');
select is(private.lead_search_pattern('   '), null, 'a blank term searches nothing');

-- rpc/search_leads: the trigram index through the API, under RLS.
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select first_name from public.search_leads('NÚÑEZ') order by 1$$, $$values ('Lucía')$$,
  'search_leads: a name in any case and accents'
);
select results_eq(
  $$select first_name from public.search_leads('600 000') order by 1$$,
  $$values ('Carmen'), ('Javier'), ('Lucía')$$, 'search_leads: part of a number; not campaign B''s'
);
select tests.authenticate_as('a2@t.test');
select results_eq(
  $$select first_name from public.search_leads('600 000') order by 1$$, $$values ('Javier')$$,
  'search_leads: an agent finds only its own leads'
);
select throws_ok(
  $$select * from public.search_leads('ab')$$, '22023', 'p_search: at least 3 characters (or digits)',
  'search_leads: a term under three characters is refused'
);
select ok(
  (select not p.prosecdef and p.proconfig is null and p.provolatile = 's' and p.prolang = (
    select l.oid from pg_language as l where l.lanname = 'sql'
  ) from pg_proc as p where p.oid = 'public.search_leads(text)'::regprocedure),
  'search_leads can be inlined into PostgREST''s query (sql, stable, invoker, no SET)'
);

-- Nobody writes search_text; last_outcome is the database's.
select tests.authenticate_as('supa@t.test');
select throws_ok(
  $$update public.leads set search_text = 'x' where id = 'e0000000-0000-4000-8000-0000000000a3'$$,
  '428C9', null, 'search_text cannot be written, not even by the campaign''s supervisor'
);
select throws_ok(
  $$update public.leads set last_outcome = 'sale' where id = 'e0000000-0000-4000-8000-0000000000a3'$$,
  '42501', 'last_outcome: a lead''s last_outcome never changes through the API',
  'the supervisor cannot set last_outcome'
);
select throws_ok(
  $$insert into public.leads (campaign_id, first_name, phone, last_outcome)
    values ('c0000000-0000-4000-8000-00000000000a', 'Nuevo', '+34600000009', 'sale')$$,
  '42501', 'last_outcome: set by the database when a call to the lead is closed',
  'an import cannot set last_outcome'
);
select tests.authenticate_as('a1@t.test');
select lives_ok(
  $$update public.leads set first_name = 'Lucía María' where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  'the agent still edits its lead''s name (search_text follows, unguarded)'
);
select tests.clear_authentication();
select ok(
  (select search_text like 'lucia maria nunez%' from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'),
  'search_text follows the name'
);
select is(
  (
    select changed_fields from public.lead_history
    where lead_id = 'e0000000-0000-4000-8000-0000000000a1' order by id desc limit 1
  ),
  array['first_name'], 'the history records the name, not search_text'
);
select ok(
  not exists (
    select 1 from public.lead_history
    where
      lead_id = 'e0000000-0000-4000-8000-0000000000a1' and (new_values ? 'search_text' or old_values ? 'search_text')
  ),
  'search_text is in no history row, inserts included'
);

-- last_outcome: the disposition of the call rpc/end_call closes.
update public.leads set status = 'in_call', attempts = 1
where id = 'e0000000-0000-4000-8000-0000000000a1';
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number, status, answered_at)
values (
  'ca000000-0000-4000-8000-000000000001', '2026-11-25 10:00+00', 'e0000000-0000-4000-8000-0000000000a1',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000001', 'confirmed',
  '2026-11-25 10:00:10+00'
);
select set_config('crm.now', '2026-11-25 10:02:10+00', true);
select tests.authenticate_as('a1@t.test');
select public.end_call('ca000000-0000-4000-8000-000000000001', 'not_interested');
select tests.clear_authentication();
select results_eq(
  $$select status::text, last_outcome from public.leads where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  $$values ('lost', 'not_interested')$$,
  'rpc/end_call sets the lead''s last_outcome to the call''s disposition'
);
select is(
  (
    select new_values ->> 'last_outcome' from public.lead_history
    where lead_id = 'e0000000-0000-4000-8000-0000000000a1' and via = 'rpc/end_call' order by id desc limit 1
  ),
  'not_interested', 'the change is in the history through rpc/end_call'
);

select * from finish();
rollback;
