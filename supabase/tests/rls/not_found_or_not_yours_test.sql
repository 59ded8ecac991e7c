-- Existence oracles (issue 12, item 9): for every RPC that takes an id, and
-- a sale's insert, an id that does not exist and an id outside the caller's
-- reach get the same SQLSTATE and the same message, which names nothing the
-- caller cannot see. Each pair below is asked as the same user.
begin;
select plan(37);

select tests.create_two_campaigns();

-- B's call and sale, and A's call of a1, for the call and sale RPCs.
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number) values
(
  'ca000000-0000-4000-8000-0000000000b1', '2026-11-25 10:00+00', 'e0000000-0000-4000-8000-0000000000b1',
  'c0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201', '+525512345678'
);
insert into public.sales (id, lead_id, product_id, agent_id) values (
  '5a000000-0000-4000-8000-0000000000b1', 'e0000000-0000-4000-8000-0000000000b1',
  'd0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201'
);

-- What a statement answers, as the current role: 'SQLSTATE: message', or ok.
create function tests.refusal(p_sql text) returns text
language plpgsql
as $$
begin
  execute p_sql;
  return 'ok';
exception when others then
  return sqlstate || ': ' || sqlerrm;
end;
$$;
grant execute on function tests.refusal(text) to authenticated;

create temporary table answers (label text primary key, answer text);
grant all on answers to authenticated;

-- Asks p_sql and keeps the answer under p_label.
create function tests.ask(p_label text, p_sql text) returns void
language sql
as $$
  insert into answers (label, answer) values (p_label, tests.refusal(p_sql))
$$;
grant execute on function tests.ask(text, text) to authenticated;

-- supa runs campaign A.
select tests.authenticate_as('supa@t.test');
select tests.ask('assign unknown', $$select public.assign_lead('e0000000-0000-4000-8000-00000000ffff', null)$$);
select tests.ask('assign B', $$select public.assign_lead('e0000000-0000-4000-8000-0000000000b1', null)$$);
select tests.ask(
  'assign to unknown user',
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-00000000ffff')$$
);
select tests.ask(
  'assign to B''s agent',
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000201')$$
);
select tests.ask(
  'assign to B''s supervisor',
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000012')$$
);
select tests.ask(
  'validate unknown', $$select public.validate_sale('5a000000-0000-4000-8000-00000000ffff', true)$$
);
select tests.ask('validate B', $$select public.validate_sale('5a000000-0000-4000-8000-0000000000b1', true)$$);
select tests.ask(
  'end unknown as supa', $$select public.end_call('ca000000-0000-4000-8000-00000000ffff', 'no_answer')$$
);
select tests.ask('end B as supa', $$select public.end_call('ca000000-0000-4000-8000-0000000000b1', 'no_answer')$$);
select tests.ask(
  'report unknown campaign',
  $$select * from public.report_campaign_stats(current_date - 7, current_date, 'c0000000-0000-4000-8000-00000000ffff')$$
);
select tests.ask(
  'report B',
  $$select * from public.report_campaign_stats(current_date - 7, current_date, 'c0000000-0000-4000-8000-00000000000b')$$
);
select tests.ask(
  'report unknown agent',
  $$select * from public.report_agent_performance(
    current_date - 7, current_date, null, 'f0000000-0000-4000-8000-00000000ffff'
  )$$
);
select tests.ask(
  'report B''s agent',
  $$select * from public.report_agent_performance(
    current_date - 7, current_date, null, 'f0000000-0000-4000-8000-000000000201'
  )$$
);
select tests.ask(
  'export unknown campaign',
  $$select public.request_report_export(
    'campaign_stats', '{"p_from": "2026-11-01", "p_to": "2026-11-30",
    "p_campaign_id": "c0000000-0000-4000-8000-00000000ffff"}'
  )$$
);
select tests.ask(
  'export B',
  $$select public.request_report_export(
    'campaign_stats', '{"p_from": "2026-11-01", "p_to": "2026-11-30",
    "p_campaign_id": "c0000000-0000-4000-8000-00000000000b"}'
  )$$
);
select tests.ask(
  'supa sells unknown lead',
  $$insert into public.sales (lead_id, campaign_id, product_id, agent_id) values (
    'e0000000-0000-4000-8000-00000000ffff', 'c0000000-0000-4000-8000-00000000000a',
    'd0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101')$$
);
select tests.ask(
  'supa sells B''s lead in A',
  $$insert into public.sales (lead_id, campaign_id, product_id, agent_id) values (
    'e0000000-0000-4000-8000-0000000000b1', 'c0000000-0000-4000-8000-00000000000a',
    'd0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101')$$
);

-- a1 is an agent of A.
select tests.authenticate_as('a1@t.test');
select tests.ask('next unknown', $$select * from public.next_lead('c0000000-0000-4000-8000-00000000ffff')$$);
select tests.ask('next B', $$select * from public.next_lead('c0000000-0000-4000-8000-00000000000b')$$);
select tests.ask('start unknown', $$select public.start_call('e0000000-0000-4000-8000-00000000ffff')$$);
select tests.ask('start colleague''s', $$select public.start_call('e0000000-0000-4000-8000-0000000000a2')$$);
select tests.ask('start B', $$select public.start_call('e0000000-0000-4000-8000-0000000000b1')$$);
select tests.ask('originate unknown', $$select public.request_originate('e0000000-0000-4000-8000-00000000ffff')$$);
select tests.ask('originate B', $$select public.request_originate('e0000000-0000-4000-8000-0000000000b1')$$);
select tests.ask('end unknown', $$select public.end_call('ca000000-0000-4000-8000-00000000ffff', 'no_answer')$$);
select tests.ask('end B', $$select public.end_call('ca000000-0000-4000-8000-0000000000b1', 'no_answer')$$);
select tests.ask(
  'hangup unknown', $$select public.hangup_call('ca000000-0000-4000-8000-00000000ffff', 'no_answer')$$
);
select tests.ask('hangup B', $$select public.hangup_call('ca000000-0000-4000-8000-0000000000b1', 'no_answer')$$);
select tests.ask(
  'sell unknown lead',
  $$insert into public.sales (lead_id, product_id) values
    ('e0000000-0000-4000-8000-00000000ffff', 'd0000000-0000-4000-8000-00000000000a')$$
);
select tests.ask(
  'sell B''s lead',
  $$insert into public.sales (lead_id, product_id) values
    ('e0000000-0000-4000-8000-0000000000b1', 'd0000000-0000-4000-8000-00000000000a')$$
);
select tests.ask(
  'sell unknown product',
  $$insert into public.sales (lead_id, product_id) values
    ('e0000000-0000-4000-8000-0000000000a1', 'd0000000-0000-4000-8000-00000000ffff')$$
);
select tests.ask(
  'sell B''s product',
  $$insert into public.sales (lead_id, product_id) values
    ('e0000000-0000-4000-8000-0000000000a1', 'd0000000-0000-4000-8000-00000000000b')$$
);
select tests.clear_authentication();

-- Each pair: the same answer, and the documented one.
create function tests.same_answer(p_unknown text, p_foreign text, p_expected text) returns setof text
language sql
as $$
  select is(
    (select a.answer from answers as a where a.label = p_foreign),
    (select a.answer from answers as a where a.label = p_unknown),
    format('%s: answered as %s', p_foreign, p_unknown)
  )
  union all
  select is(
    (select a.answer from answers as a where a.label = p_unknown), p_expected,
    format('%s: %s', p_unknown, p_expected)
  )
$$;

select tests.same_answer('assign unknown', 'assign B', 'PT404: p_lead_id: not found or not yours');
select tests.same_answer(
  'assign to unknown user', 'assign to B''s agent',
  'PT404: p_agent_id: not found or not an agent of the lead''s campaign'
);
select is(
  (select a.answer from answers as a where a.label = 'assign to B''s supervisor'),
  'PT404: p_agent_id: not found or not an agent of the lead''s campaign',
  'a user who is no agent at all: the same answer'
);
select tests.same_answer('validate unknown', 'validate B', 'PT404: p_sale_id: not found or not yours');
select tests.same_answer('end unknown as supa', 'end B as supa', 'PT404: p_call_id: not found or not yours');
select tests.same_answer('report unknown campaign', 'report B', 'PT404: p_campaign_id: not found or not yours');
select tests.same_answer('report unknown agent', 'report B''s agent', 'PT404: p_agent_id: not found or not yours');
select tests.same_answer('export unknown campaign', 'export B', 'PT404: p_campaign_id: not found or not yours');
select tests.same_answer(
  'supa sells unknown lead', 'supa sells B''s lead in A', 'PT404: lead_id: not found or not yours'
);
select tests.same_answer('next unknown', 'next B', 'PT404: p_campaign_id: not found or not yours');
select tests.same_answer('start unknown', 'start B', 'PT404: p_lead_id: not found or not yours');
select is(
  (select a.answer from answers as a where a.label = 'start colleague''s'),
  (select a.answer from answers as a where a.label = 'start unknown'),
  'start colleague''s: answered as start unknown'
);
select tests.same_answer('originate unknown', 'originate B', 'PT404: p_lead_id: not found or not yours');
select tests.same_answer('end unknown', 'end B', 'PT404: p_call_id: not found or not yours');
select tests.same_answer('hangup unknown', 'hangup B', 'PT404: p_call_id: not found or not yours');
select tests.same_answer('sell unknown lead', 'sell B''s lead', 'PT404: lead_id: not found or not yours');
select tests.same_answer(
  'sell unknown product', 'sell B''s product',
  'PT404: product_id: not found or not sold in the sale''s campaign'
);
select is_empty(
  $$select a.label, a.answer from answers as a where a.answer like '%Test B%' or a.answer like '%T-HOME-B%'$$,
  'no answer names the other campaign or its product'
);

-- rpc/recording_url returns its refusals (the log row must commit): the
-- same body and HTTP status for B's call and an unknown one, and both logged.
create temporary table bodies (label text primary key, body jsonb, http text);
grant all on bodies to authenticated;
create function tests.ask_recording(p_label text, p_call_id uuid) returns void
language plpgsql
as $$
begin
  perform set_config('response.status', '', true);
  insert into bodies (label, body) values (p_label, public.recording_url(p_call_id));
  update bodies set http = current_setting('response.status', true) where label = p_label;
end;
$$;
grant execute on function tests.ask_recording(text, uuid) to authenticated;

select tests.authenticate_as('supa@t.test');
select tests.ask_recording('unknown', 'ca000000-0000-4000-8000-00000000ffff');
select tests.ask_recording('B', 'ca000000-0000-4000-8000-0000000000b1');
select tests.clear_authentication();

select results_eq(
  $$select b.http, b.body from bodies as b where b.label = 'B'$$,
  $$select b.http, b.body from bodies as b where b.label = 'unknown'$$,
  'recording_url: B''s call is answered as an unknown call'
);
select results_eq(
  $$select b.http, b.body from bodies as b where b.label = 'unknown'$$,
  $$values ('404', '{"code": "PT404", "message": "p_call_id: not found or not yours",
    "details": null, "hint": null}'::jsonb)$$,
  'recording_url: 404, PT404, naming only the field'
);
select results_eq(
  $$select g.call_id::text, g.campaign_id::text, g.outcome, g.reason_code
    from public.recording_access_log as g
    where g.requested_by = 'f0000000-0000-4000-8000-000000000011'
    order by g.id$$,
  $$values
    ('ca000000-0000-4000-8000-00000000ffff', null::text, 'refused', 'PT404'),
    ('ca000000-0000-4000-8000-0000000000b1', 'c0000000-0000-4000-8000-00000000000b', 'refused', '42501')$$,
  'both requests are logged, with the real reason and B''s campaign for B''s auditors'
);
select tests.authenticate_as('supa@t.test');
select is_empty(
  $$select 1 from public.recording_access_log as g where g.requested_by = auth.uid()$$,
  'and the caller reads neither log row'
);
select tests.clear_authentication();

select * from finish();
rollback;
