-- The agent's desk by Broadcast from the database: lead_assigned on
-- agent:<owner> when someone else makes the agent a lead's owner (never for
-- the agent's own rpc/next_lead), sale_decided on agent:<seller> when a sale
-- is validated or rejected; private messages; a failed one never undoes the
-- write.
begin;
select plan(24);

select tests.create_two_campaigns();
-- Earlier messages (the seed's, say) are not this file's business.
delete from realtime.messages where topic like 'agent:%';
select set_config('crm.now', '2026-11-25 12:00+00', true);

-- Desk notices, as the test's own role (which bypasses RLS).
create function tests.desk_messages(p_agent text)
returns table (event text, private boolean, extension text, payload jsonb)
language sql
as $$
  select m.event, m.private, m.extension, m.payload - 'id'
  from realtime.messages as m
  where m.topic = 'agent:f0000000-0000-4000-8000-000000000' || p_agent
$$;
create function tests.forget_desk_messages() returns void
language sql
as $$
  delete from realtime.messages where topic like 'agent:%'
$$;

select has_trigger('public', 'leads', 'leads_notify_assigned', 'leads has its lead_assigned trigger');
select has_trigger('public', 'sales', 'sales_notify_decided', 'sales has its sale_decided trigger');
select results_eq(
  $$select p.proname::text collate "default", p.prosecdef, p.proconfig = array['search_path=""']
    from pg_proc as p
    where p.pronamespace = 'private'::regnamespace and p.proname in ('notify_lead_assigned', 'notify_sale_decided')
    order by 1$$,
  $$values ('notify_lead_assigned', true, true), ('notify_sale_decided', true, true)$$,
  'security definer functions with an empty search_path'
);

-- ============================================================================
-- lead_assigned
-- ============================================================================

-- Supervisor of A assigns the pool lead to a1.
select tests.authenticate_as('supa@t.test');
select lives_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000101')$$,
  'supa assigns the pool lead to a1'
);
select tests.clear_authentication();
select results_eq(
  $$select event, private, extension, payload from tests.desk_messages('101')$$,
  $$values ('lead_assigned', true, 'broadcast', '{"lead_id": "e0000000-0000-4000-8000-0000000000a3",
    "campaign_id": "c0000000-0000-4000-8000-00000000000a",
    "assigned_by": "f0000000-0000-4000-8000-000000000011"}'::jsonb)$$,
  'a1 gets a private lead_assigned {lead_id, campaign_id, assigned_by}'
);
select ok(
  (select payload ? 'id' from realtime.messages where topic = 'agent:f0000000-0000-4000-8000-000000000101'),
  'with the message id'
);
select is(
  (select count(*)::integer from realtime.messages where topic like 'agent:%'), 1, 'and nobody else gets anything'
);
select tests.forget_desk_messages();

-- Reassigned to a2: a2 hears of it; a1, who loses it, does not.
select tests.authenticate_as('supa@t.test');
select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000102');
select tests.clear_authentication();
select results_eq(
  $$select event, payload ->> 'lead_id' from tests.desk_messages('102')$$,
  $$values ('lead_assigned', 'e0000000-0000-4000-8000-0000000000a3')$$,
  'reassigned: the new owner gets lead_assigned'
);
select is_empty($$select 1 from tests.desk_messages('101')$$, 'the previous owner gets nothing');
select tests.forget_desk_messages();

-- Assigned to the same agent again, and back to the pool: nothing.
select tests.authenticate_as('supa@t.test');
select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000102');
select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', null);
select tests.clear_authentication();
select is_empty(
  $$select 1 from realtime.messages where topic like 'agent:%'$$,
  'the same owner again, or back to the pool: no notice'
);

-- Another update of the lead (not of its owner): nothing.
update public.leads set notes = 'llamar por la tarde' where id = 'e0000000-0000-4000-8000-0000000000a1';
select is_empty($$select 1 from realtime.messages where topic like 'agent:%'$$, 'other updates send nothing');

-- The agent takes the pool lead itself (rpc/next_lead): no notice of its own action.
update public.leads set next_call_at = '2026-11-25 08:00+00' where id = 'e0000000-0000-4000-8000-0000000000a3';
update public.leads set next_call_at = '2026-11-26 08:00+00' where id = 'e0000000-0000-4000-8000-0000000000a1';
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select id::text, owner_id::text from public.next_lead('c0000000-0000-4000-8000-00000000000a')$$,
  $$values ('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000101')$$,
  'a1 takes the pool lead through rpc/next_lead'
);
select tests.clear_authentication();
select is_empty(
  $$select 1 from realtime.messages where topic like 'agent:%'$$, 'and gets no lead_assigned for it'
);

-- The service role (a worker) assigns: assigned_by is null.
select tests.authenticate_as_service_role();
update public.leads set owner_id = 'f0000000-0000-4000-8000-000000000102'
where id = 'e0000000-0000-4000-8000-0000000000a3';
select tests.clear_authentication();
select results_eq(
  $$select event, payload ->> 'lead_id', payload -> 'assigned_by' from tests.desk_messages('102')$$,
  $$values ('lead_assigned', 'e0000000-0000-4000-8000-0000000000a3', 'null'::jsonb)$$,
  'assigned by the service role: lead_assigned with assigned_by null'
);
select tests.forget_desk_messages();

-- ============================================================================
-- sale_decided
-- ============================================================================

insert into public.sales (id, lead_id, product_id, agent_id) values
(
  '5a000000-0000-4000-8000-0000000000a1', 'e0000000-0000-4000-8000-0000000000a1',
  'd0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101'
),
(
  '5a000000-0000-4000-8000-0000000000a2', 'e0000000-0000-4000-8000-0000000000a2',
  'd0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000102'
),
(
  '5a000000-0000-4000-8000-0000000000b1', 'e0000000-0000-4000-8000-0000000000b1',
  'd0000000-0000-4000-8000-00000000000b', 'f0000000-0000-4000-8000-000000000201'
);
select is_empty($$select 1 from realtime.messages where topic like 'agent:%'$$, 'a new (pending) sale: no notice');

select tests.authenticate_as('supa@t.test');
select public.validate_sale('5a000000-0000-4000-8000-0000000000a1', true);
select tests.clear_authentication();
select results_eq(
  $$select event, private, extension, payload from tests.desk_messages('101')$$,
  $$values ('sale_decided', true, 'broadcast', '{"sale_id": "5a000000-0000-4000-8000-0000000000a1",
    "lead_id": "e0000000-0000-4000-8000-0000000000a1", "status": "validated", "reason": null}'::jsonb)$$,
  'validated: the seller gets a private sale_decided {sale_id, lead_id, status, reason}'
);
select tests.forget_desk_messages();

select tests.authenticate_as('supa@t.test');
select public.validate_sale('5a000000-0000-4000-8000-0000000000a2', false, '  Falta la firma del tomador ');
select tests.clear_authentication();
select results_eq(
  $$select event, payload ->> 'status', payload ->> 'reason', payload ->> 'sale_id' from tests.desk_messages('102')$$,
  $$values ('sale_decided', 'rejected', 'Falta la firma del tomador', '5a000000-0000-4000-8000-0000000000a2')$$,
  'rejected: sale_decided with the reason as stored'
);
select is(
  (select count(*)::integer from realtime.messages where topic like 'agent:%'), 1, 'to the seller only'
);
select tests.forget_desk_messages();

-- Cancelled by the service role, or only edited: no notice.
select tests.authenticate_as_service_role();
update public.sales set status = 'cancelled' where id = '5a000000-0000-4000-8000-0000000000b1';
update public.sales set notes = 'revisada' where id = '5a000000-0000-4000-8000-0000000000a1';
select tests.clear_authentication();
select is_empty(
  $$select 1 from realtime.messages where topic like 'agent:%'$$, 'a cancelled or edited sale sends nothing'
);

-- ============================================================================
-- A failed notice never undoes the write
-- ============================================================================

alter table realtime.messages add constraint tests_no_desk check (topic not like 'agent:%') not valid;
update public.sales set status = 'pending', status_reason = null, validated_by = null, validated_at = null
where id = '5a000000-0000-4000-8000-0000000000b1';

select tests.authenticate_as('supb@t.test');
select lives_ok(
  $$select public.validate_sale('5a000000-0000-4000-8000-0000000000b1', true)$$,
  'supb validates while no notice can be written'
);
select lives_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000b1', null)$$, 'supb unassigns a lead'
);
select tests.clear_authentication();
select tests.authenticate_as('supa@t.test');
select lives_ok(
  $$select public.assign_lead('e0000000-0000-4000-8000-0000000000a3', 'f0000000-0000-4000-8000-000000000101')$$,
  'supa assigns while no notice can be written'
);
select tests.clear_authentication();
select results_eq(
  $$select (select status::text from public.sales where id = '5a000000-0000-4000-8000-0000000000b1'),
      (select owner_id::text from public.leads where id = 'e0000000-0000-4000-8000-0000000000a3')$$,
  $$values ('validated', 'f0000000-0000-4000-8000-000000000101')$$,
  'the validation and the assignment are written'
);
select is_empty($$select 1 from realtime.messages where topic like 'agent:%'$$, 'and no notice was');

select * from finish();
rollback;
