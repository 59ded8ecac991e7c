-- campaigns.lead_fields and the dialer settings (issue 15): defaults, every
-- check, and who may write them (campaigns.manage, as for every column).
begin;
select plan(40);

select tests.create_two_campaigns();

-- Defaults of a new campaign.
select tests.authenticate_as('adm@t.test');
select results_eq(
  $$insert into public.campaigns (id, name) values ('c0000000-0000-4000-8000-0000000000ee', 'Settings')
    returning lead_fields, abandon_target, abandon_cap, max_lines_per_agent, predictive_min_agents,
      amd_enabled, abandon_message, abandon_lockout_hours$$,
  $$values ('[]'::jsonb, 0.025::numeric(4, 3), 0.030::numeric(4, 3), 3.0::numeric(3, 1), 5, true, '', 0)$$,
  'a new campaign has no custom fields and the default dialer settings'
);

-- An admin (campaigns.manage) writes them all.
select lives_ok(
  $$insert into public.campaigns (name, lead_fields, abandon_target, abandon_cap, max_lines_per_agent,
      predictive_min_agents, amd_enabled, abandon_message, abandon_lockout_hours)
    values ('Settings 2', '[{"key": "policy_no", "label": "Póliza", "type": "text", "required": true}]',
      0.010, 0.020, 2.5, 3, false, 'Le llamamos de Seguros Demo.', 72)$$,
  'an admin creates a campaign with custom fields and dialer settings'
);
select results_eq(
  $$update public.campaigns set
      lead_fields = '[{"key": "age", "label": "Edad", "type": "number", "required": false},
                      {"key": "since", "label": "Cliente desde", "type": "date", "required": true},
                      {"key": "smoker", "label": "Fumador", "type": "boolean", "required": false}]',
      abandon_target = 0.02, abandon_cap = 0.03, max_lines_per_agent = 10, predictive_min_agents = 1,
      abandon_lockout_hours = 720
    where id = 'c0000000-0000-4000-8000-00000000000a'
    returning jsonb_array_length(lead_fields), abandon_cap, abandon_lockout_hours$$,
  $$values (3, 0.030::numeric(4, 3), 720)$$,
  'an admin changes the custom fields and the dialer settings'
);

-- The definition list.
select throws_ok(
  $$update public.campaigns set lead_fields = '{"key": "x"}' where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'lead_fields: must be a list of field definitions', 'lead_fields must be an array'
);
select throws_ok(
  $$update public.campaigns set lead_fields = (
      select jsonb_agg(jsonb_build_object('key', 'f' || i, 'label', 'F', 'type', 'text', 'required', false))
      from generate_series(1, 51) as i)
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'lead_fields: at most 50 custom fields', 'at most 50 custom fields'
);
select throws_ok(
  $$update public.campaigns set lead_fields = '["age"]' where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'lead_fields: field 1 must be an object with key, label, type and required',
  'each definition is an object'
);
select throws_ok(
  $$update public.campaigns set lead_fields =
      '[{"key": "age", "label": "Edad", "type": "number", "required": false, "min": 18}]'
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'lead_fields: field 1 must be an object with key, label, type and required',
  'a definition has no other attributes'
);
select throws_ok(
  $$update public.campaigns set lead_fields =
      '[{"key": "ok", "label": "Ok", "type": "text", "required": false},
        {"key": "Edad", "label": "Edad", "type": "number", "required": false}]'
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'lead_fields: field 2 key ''Edad'' must match ^[a-z][a-z0-9_]{0,39}$',
  'a key is lower-case, naming the entry'
);
select throws_ok(
  $$update public.campaigns set lead_fields =
      '[{"key": "1st", "label": "x", "type": "text", "required": false}]'
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', null, 'a key starts with a letter'
);
select throws_ok(
  $$update public.campaigns set lead_fields =
      jsonb_build_array(jsonb_build_object('key', 'a' || repeat('b', 40), 'label', 'x', 'type', 'text',
        'required', false))
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', null, 'a key has at most 40 characters'
);
select throws_ok(
  $$update public.campaigns set lead_fields = '[{"label": "x", "type": "text", "required": false}]'
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', null, 'a key is required'
);
select throws_ok(
  $$update public.campaigns set lead_fields =
      '[{"key": "age", "label": "Edad", "type": "number", "required": false},
        {"key": "age", "label": "Edad 2", "type": "text", "required": false}]'
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'lead_fields: key ''age'' is defined twice', 'keys are unique'
);
select throws_ok(
  $$update public.campaigns set lead_fields = '[{"key": "age", "label": " ", "type": "number", "required": false}]'
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'lead_fields: field ''age'' needs a label of 1 to 200 characters', 'a label is not blank'
);
select throws_ok(
  $$update public.campaigns set lead_fields =
      jsonb_build_array(jsonb_build_object('key', 'age', 'label', repeat('x', 201), 'type', 'text',
        'required', false))
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'lead_fields: field ''age'' needs a label of 1 to 200 characters', 'a label has at most 200 characters'
);
select throws_ok(
  $$update public.campaigns set lead_fields = '[{"key": "age", "label": "Edad", "type": "integer", "required": false}]'
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'lead_fields: field ''age'' type ''integer'' is not text, number, date or boolean',
  'the type is one of four'
);
select throws_ok(
  $$update public.campaigns set lead_fields = '[{"key": "age", "label": "Edad", "type": "number", "required": "yes"}]'
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'lead_fields: field ''age'' required must be true or false', 'required is a boolean'
);
select throws_ok(
  $$update public.campaigns set lead_fields = '[{"key": "age", "label": "Edad", "type": "number"}]'
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'lead_fields: field ''age'' required must be true or false', 'required is present'
);
-- The length limit backs the trigger up for writers without it (a restore
-- with triggers off): 50 valid definitions stay under it.
select tests.clear_authentication();
alter table public.campaigns disable trigger campaigns_validate_settings;
select throws_ok(
  $$update public.campaigns set lead_fields = jsonb_build_array(jsonb_build_object('key', 'age', 'label', 'Edad',
      'type', 'number', 'required', false, 'pad', repeat('x', 16000)))
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'new row for relation "campaigns" violates check constraint "campaigns_lead_fields_length"',
  'the list is at most 16,000 characters'
);
alter table public.campaigns enable trigger campaigns_validate_settings;
select lives_ok(
  $$update public.campaigns set lead_fields = (
      select jsonb_agg(jsonb_build_object('key', 'k' || repeat('x', 35) || i, 'label', repeat('é', 200),
        'type', 'boolean', 'required', false))
      from generate_series(1000, 1049) as i)
    where id = 'c0000000-0000-4000-8000-00000000000b'$$,
  '50 definitions at their longest fit in the length limit'
);
select tests.authenticate_as('adm@t.test');

-- The dialer settings.
select throws_ok(
  $$update public.campaigns set abandon_target = 0.03, abandon_cap = 0.03
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'new row for relation "campaigns" violates check constraint "campaigns_abandon_rates"',
  'the abandon target is below the cap'
);
select throws_ok(
  $$update public.campaigns set abandon_cap = 0.031 where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'new row for relation "campaigns" violates check constraint "campaigns_abandon_rates"',
  'the abandon cap is at most 3 %'
);
select throws_ok(
  $$update public.campaigns set abandon_target = -0.001 where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'new row for relation "campaigns" violates check constraint "campaigns_abandon_rates"',
  'the abandon target is not negative'
);
select lives_ok(
  $$update public.campaigns set abandon_target = 0, abandon_cap = 0.001
    where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  'a zero abandon target under a tiny cap is allowed'
);
select throws_ok(
  $$update public.campaigns set max_lines_per_agent = 0.9 where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'new row for relation "campaigns" violates check constraint "campaigns_max_lines_per_agent"',
  'at least one line per agent'
);
select throws_ok(
  $$update public.campaigns set max_lines_per_agent = 10.1 where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'new row for relation "campaigns" violates check constraint "campaigns_max_lines_per_agent"',
  'at most ten lines per agent'
);
select throws_ok(
  $$update public.campaigns set predictive_min_agents = 0 where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'new row for relation "campaigns" violates check constraint "campaigns_predictive_min_agents"',
  'predictive mode needs at least one agent'
);
select throws_ok(
  $$update public.campaigns set predictive_min_agents = 1001 where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'new row for relation "campaigns" violates check constraint "campaigns_predictive_min_agents"',
  'predictive_min_agents is at most 1000'
);
select throws_ok(
  $$update public.campaigns set abandon_lockout_hours = -1 where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'new row for relation "campaigns" violates check constraint "campaigns_abandon_lockout_hours"',
  'the lockout is not negative'
);
select throws_ok(
  $$update public.campaigns set abandon_lockout_hours = 721 where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'new row for relation "campaigns" violates check constraint "campaigns_abandon_lockout_hours"',
  'the lockout is at most 720 hours'
);
select lives_ok(
  $$update public.campaigns set abandon_message = repeat('x', 4000) where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  'an abandon message of 4,000 characters is stored'
);
select throws_ok(
  $$update public.campaigns set abandon_message = repeat('x', 4001) where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23514', 'new row for relation "campaigns" violates check constraint "campaigns_abandon_message_length"',
  'an abandon message of 4,001 characters is refused'
);
select throws_ok(
  $$update public.campaigns set amd_enabled = null where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  '23502', null, 'amd_enabled is not null'
);

-- Who may write them: the campaign's supervisor, agents and anon may not.
select tests.authenticate_as('supa@t.test');
select results_eq(
  $$select jsonb_array_length(lead_fields) from public.campaigns where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  $$values (3)$$,
  'a supervisor reads the custom fields of their campaign'
);
select is_empty(
  $$update public.campaigns set lead_fields = '[]', max_lines_per_agent = 5
    where id = 'c0000000-0000-4000-8000-00000000000a' returning id$$,
  'a supervisor cannot change the settings of their campaign (campaigns.manage)'
);
select throws_ok(
  $$insert into public.campaigns (name, lead_fields) values ('Sup', '[]')$$,
  '42501', null, 'a supervisor cannot create a campaign'
);
select tests.authenticate_as('a1@t.test');
select results_eq(
  $$select jsonb_array_length(lead_fields) from public.campaigns where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  $$values (3)$$,
  'an agent reads the custom fields of their campaign (the desk shows them)'
);
select is_empty(
  $$update public.campaigns set amd_enabled = false where id = 'c0000000-0000-4000-8000-00000000000a' returning id$$,
  'an agent cannot change the dialer settings'
);
select throws_ok(
  $$insert into public.campaigns (name, abandon_cap) values ('Agent', 0.01)$$,
  '42501', null, 'an agent cannot create a campaign'
);
select tests.authenticate_as_anon();
select throws_ok(
  $$update public.campaigns set amd_enabled = false$$, '42501', null, 'anon cannot change campaigns'
);

select tests.clear_authentication();
select results_eq(
  $$select max_lines_per_agent, amd_enabled from public.campaigns where id = 'c0000000-0000-4000-8000-00000000000a'$$,
  $$values (10.0::numeric(3, 1), true)$$,
  'the refused writes changed nothing'
);

select * from finish();
rollback;
