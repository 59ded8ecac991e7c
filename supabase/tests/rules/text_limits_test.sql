-- Length limits (issue 12, item 6): one column of each family at its limit
-- is stored, one character more is refused (23514) naming the column's
-- constraint, <table>_<column>_length; and error messages quote at most 64
-- characters of a client's value.
begin;
select plan(37);

select tests.create_two_campaigns();
insert into public.calls (id, started_at, lead_id, campaign_id, agent_id, phone_number) values (
  'ca000000-0000-4000-8000-0000000000a1', now() - interval '1 minute', 'e0000000-0000-4000-8000-0000000000a1',
  'c0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101', '+34600000001'
);
insert into public.sales (id, lead_id, product_id, agent_id) values (
  '5a000000-0000-4000-8000-0000000000a1', 'e0000000-0000-4000-8000-0000000000a1',
  'd0000000-0000-4000-8000-00000000000a', 'f0000000-0000-4000-8000-000000000101'
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

-- p_sql with %s replaced by p_length characters: ok at the limit, and one
-- more refused by constraint p_constraint. Two tests.
create function tests.limit_holds(p_sql text, p_limit integer, p_constraint text) returns setof text
language plpgsql
as $$
begin
  return next is(tests.refusal(format(p_sql, repeat('x', p_limit))), 'ok', format('%s: %s characters are stored', p_constraint, p_limit));
  return next matches(
    tests.refusal(format(p_sql, repeat('x', p_limit + 1))),
    format('^23514: new row for relation "[a-z0-9_]+" violates check constraint "%s"$', p_constraint),
    format('%s: %s are refused, naming the constraint', p_constraint, p_limit + 1)
  );
end;
$$;
grant execute on function tests.limit_holds(text, integer, text) to authenticated;

-- Names, 200.
select tests.limit_holds(
  $$update public.leads set first_name = '%s' where id = 'e0000000-0000-4000-8000-0000000000a1'$$, 200,
  'leads_first_name_length'
);
select tests.limit_holds(
  $$update public.campaigns set name = '%s' where id = 'c0000000-0000-4000-8000-00000000000a'$$, 200,
  'campaigns_name_length'
);
select tests.limit_holds(
  $$update public.products set name = '%s' where id = 'd0000000-0000-4000-8000-00000000000a'$$, 200,
  'products_name_length'
);
-- A user's own name, as the user writes it through the API.
select tests.authenticate_as('a1@t.test');
select tests.limit_holds(
  $$update public.profiles set full_name = '%s' where id = auth.uid()$$, 200, 'profiles_full_name_length'
);
select tests.clear_authentication();

-- A new Auth user's profile copies at most 200 characters of the metadata's
-- name (a refusal there would fail the Auth request with a 500).
insert into auth.users (id, email, raw_app_meta_data, raw_user_meta_data) values (
  'f0000000-0000-4000-8000-00000000a200', 'long@t.test', '{"role": "agent"}',
  jsonb_build_object('full_name', repeat('n', 1000))
);
select is(
  (select p.full_name from public.profiles as p where p.id = 'f0000000-0000-4000-8000-00000000a200'),
  repeat('n', 200), 'an Auth user''s long name is copied to the profile cut to 200 characters'
);

-- Notes, 4000: the lead's, the call's (partitioned), the sale's.
select tests.limit_holds(
  $$update public.leads set notes = '%s' where id = 'e0000000-0000-4000-8000-0000000000a1'$$, 4000,
  'leads_notes_length'
);
select tests.limit_holds(
  $$update public.calls set notes = '%s' where id = 'ca000000-0000-4000-8000-0000000000a1'$$, 4000,
  'calls_notes_length'
);
select tests.limit_holds(
  $$update public.sales set notes = '%s' where id = '5a000000-0000-4000-8000-0000000000a1'$$, 4000,
  'sales_notes_length'
);

-- Emails, 320 (a valid address of exactly that length).
select tests.limit_holds(
  $$update public.leads set email = '%s' || '@example.com' where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  308, 'leads_email_length'
);

-- Addresses and codes.
select tests.limit_holds(
  $$update public.leads set address_line = '%s' where id = 'e0000000-0000-4000-8000-0000000000a1'$$, 500,
  'leads_address_line_length'
);
select tests.limit_holds(
  $$update public.leads set postal_code = '%s' where id = 'e0000000-0000-4000-8000-0000000000a1'$$, 20,
  'leads_postal_code_length'
);

-- Reasons, 1000.
select tests.limit_holds(
  $$insert into public.do_not_call (phone, reason) values ('+34600009999', '%s')$$, 1000,
  'do_not_call_reason_length'
);
select tests.limit_holds(
  $$insert into public.legal_holds (lead_id, reason) values ('e0000000-0000-4000-8000-0000000000a1', '%s')$$, 1000,
  'legal_holds_reason_length'
);

-- Structured values: the custom fields (16000 as text) and the phones (10).
select tests.limit_holds(
  $$update public.leads set custom = jsonb_build_object('k', '%s') where id = 'e0000000-0000-4000-8000-0000000000a1'$$,
  16000 - char_length('{"k": ""}'), 'leads_custom_length'
);
select is(
  tests.refusal($$update public.leads set alternate_phones = array(
    select '+3460000' || lpad(g::text, 4, '0') from generate_series(1, 10) as g
  ) where id = 'e0000000-0000-4000-8000-0000000000a1'$$),
  'ok', 'leads_alternate_phones_length: 10 phones are stored'
);
select matches(
  tests.refusal($$update public.leads set alternate_phones = array(
    select '+3460000' || lpad(g::text, 4, '0') from generate_series(1, 11) as g
  ) where id = 'e0000000-0000-4000-8000-0000000000a1'$$),
  'leads_alternate_phones_length', 'leads_alternate_phones_length: 11 are refused'
);

-- Through the RPCs: end_call's notes, validate_sale's reason.
select tests.authenticate_as('a1@t.test');
select matches(
  tests.refusal(format(
    $$select public.end_call('ca000000-0000-4000-8000-0000000000a1', 'no_answer', %L)$$, repeat('n', 4001)
  )),
  '^23514: .*"calls_notes_length"$', 'rpc/end_call: 4001 characters of notes are refused'
);
select tests.authenticate_as('supa@t.test');
select matches(
  tests.refusal(format(
    $$select public.validate_sale('5a000000-0000-4000-8000-0000000000a1', false, %L)$$, repeat('r', 1001)
  )),
  '^23514: .*"sales_status_reason_length"$', 'rpc/validate_sale: a 1001-character reason is refused'
);

-- Messages quote at most 64 characters of a client's value, and say so.
select tests.authenticate_as('a1@t.test');
select is(
  tests.refusal(format($$select public.has_permission(%L)$$, repeat('p', 100000))),
  format('22023: p_permission: unknown permission ''%s...''', repeat('p', 64)),
  'rpc/has_permission quotes 64 characters of a 100,000-character key'
);
select is(
  tests.refusal(format(
    $$update public.leads set phone = %L where id = 'e0000000-0000-4000-8000-0000000000a1'$$, repeat('6', 100000)
  )),
  format('23514: phone: ''%s...'' is not a valid E.164 number', repeat('6', 64)),
  'the phone check quotes 64 characters'
);
select is(
  tests.refusal(format(
    $$select public.start_call('e0000000-0000-4000-8000-0000000000a1', %L)$$, repeat('7', 100000)
  )),
  format('22023: p_phone_number: ''%s...'' is not a valid E.164 number', repeat('7', 64)),
  'rpc/start_call quotes 64 characters of p_phone_number'
);
select is(
  tests.refusal(format($$select public.set_agent_state(%L)$$, repeat('s', 65))),
  format('22023: p_state: ''%s...'' is not available, on_call, wrap_up or paused', repeat('s', 64)),
  'rpc/set_agent_state: 65 characters are cut to 64'
);
select is(
  tests.refusal(format($$select public.set_agent_state(%L)$$, repeat('s', 64))),
  format('22023: p_state: ''%s'' is not available, on_call, wrap_up or paused', repeat('s', 64)),
  'and 64 are quoted whole'
);
select tests.clear_authentication();

-- Every limit is validated against the stored rows.
select is_empty(
  $$select c.conname from pg_catalog.pg_constraint as c
    where c.conname like '%\_length' and c.contype = 'c' and not c.convalidated$$,
  'every length constraint is validated'
);

select * from finish();
rollback;
