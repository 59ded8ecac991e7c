-- Demo data for a fresh database (`supabase db reset`, or the first `scripts/up`).
--
-- Deterministic: fixed ids, no random(). Every demo account's password is
-- demo-password-2026 (DEMO_PASSWORD in .local/stack.env; README).

-- ============================================================================
-- Section - Demo accounts
-- ============================================================================

-- Created as Supabase Auth creates users: bcrypt password, confirmed email,
-- the role in app_metadata (read by the profile trigger).
insert into auth.users (
  instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
  raw_app_meta_data, raw_user_meta_data, created_at, updated_at
)
select
  '00000000-0000-0000-0000-000000000000'::uuid as instance_id,
  u.id,
  'authenticated' as aud,
  'authenticated' as role,
  u.email,
  extensions.crypt('demo-password-2026', extensions.gen_salt('bf', 10)) as encrypted_password,
  now() as email_confirmed_at,
  jsonb_build_object('provider', 'email', 'providers', array['email'], 'role', u.role) as raw_app_meta_data,
  jsonb_build_object('full_name', u.full_name) as raw_user_meta_data,
  now() as created_at,
  now() as updated_at
from (
  values
  ('00000000-0000-4000-a000-000000000001'::uuid, 'admin@demo.test', 'admin', 'Ana Administradora'),
  ('00000000-0000-4000-a000-000000000011'::uuid, 'supervisor1@demo.test', 'supervisor', 'Sergio Ruiz'),
  ('00000000-0000-4000-a000-000000000012'::uuid, 'supervisor2@demo.test', 'supervisor', 'Guadalupe Hernández'),
  ('00000000-0000-4000-a000-000000000101'::uuid, 'agent1@demo.test', 'agent', 'Lucía García'),
  ('00000000-0000-4000-a000-000000000102'::uuid, 'agent2@demo.test', 'agent', 'Javier Martínez'),
  ('00000000-0000-4000-a000-000000000103'::uuid, 'agent3@demo.test', 'agent', 'Carmen López'),
  ('00000000-0000-4000-a000-000000000104'::uuid, 'agent4@demo.test', 'agent', 'Pablo Sánchez'),
  ('00000000-0000-4000-a000-000000000105'::uuid, 'agent5@demo.test', 'agent', 'María José Ramírez'),
  ('00000000-0000-4000-a000-000000000106'::uuid, 'agent6@demo.test', 'agent', 'Diego Torres'),
  ('00000000-0000-4000-a000-000000000107'::uuid, 'agent7@demo.test', 'agent', 'Fernanda Flores'),
  ('00000000-0000-4000-a000-000000000108'::uuid, 'agent8@demo.test', 'agent', 'Alejandro Cruz')
) as u (id, email, role, full_name);

-- Agents' SIP extensions: agent1 is 1001 ... agent8 is 1008.
update public.profiles
set sip_extension = (1000 + substring(email from '^agent([0-9]+)@')::int)::text
where email ~ '^agent[0-9]+@demo\.test$';

-- ============================================================================
-- Section - Campaigns and their members
-- ============================================================================

-- supervisor1 runs the two Spanish campaigns, worked by agents 1-5;
-- supervisor2 runs the Mexican one, worked by agents 6-8.
insert into public.campaigns (
  id, name, description, status, dial_mode, calling_hours_start, calling_hours_end, calling_days,
  max_attempts, retry_delays, caller_id, default_time_zone, recording_consent_required, recording_notice,
  agents_can_listen_own_recordings
) values
(
  '00000000-0000-4000-b000-000000000001', 'Vida Riesgo España',
  'Seguro de vida riesgo para clientes de banca en España.', 'active', 'preview', '09:00', '21:00',
  '{1,2,3,4,5}', 6, '{01:00:00,04:00:00,1 day}', '+34911234567', 'Europe/Madrid', true,
  'Le informamos de que esta llamada se graba con fines de calidad y como prueba de la contratación. '
  || '¿Nos da su consentimiento?',
  true
),
(
  '00000000-0000-4000-b000-000000000002', 'Hogar Protección',
  'Seguro de hogar (continente y contenido) para propietarios e inquilinos.', 'active', 'preview',
  '09:00', '21:00', '{1,2,3,4,5}', 5, '{02:00:00,1 day}', '+34932123456', 'Europe/Madrid', true,
  'Esta llamada puede ser grabada. ¿Está de acuerdo en continuar?',
  false
),
(
  '00000000-0000-4000-b000-000000000003', 'Salud México',
  'Gastos médicos mayores y accidentes personales para familias en México.', 'active', 'preview',
  '09:00', '21:00', '{1,2,3,4,5,6}', 6, '{01:00:00,04:00:00,1 day}', '+525541234567',
  'America/Mexico_City', true,
  'Le informamos que esta llamada es grabada para fines de calidad. ¿Nos autoriza a continuar?',
  true
);

insert into public.campaign_members (campaign_id, user_id, member_role)
select
  c.campaign_id::uuid as campaign_id,
  ('00000000-0000-4000-a000-' || lpad(c.member::text, 12, '0'))::uuid as user_id,
  c.member_role::public.campaign_member_role as member_role
from (
  values
  ('00000000-0000-4000-b000-000000000001', 11, 'supervisor'),
  ('00000000-0000-4000-b000-000000000002', 11, 'supervisor'),
  ('00000000-0000-4000-b000-000000000003', 12, 'supervisor'),
  ('00000000-0000-4000-b000-000000000001', 101, 'agent'),
  ('00000000-0000-4000-b000-000000000001', 102, 'agent'),
  ('00000000-0000-4000-b000-000000000001', 103, 'agent'),
  ('00000000-0000-4000-b000-000000000001', 104, 'agent'),
  ('00000000-0000-4000-b000-000000000001', 105, 'agent'),
  ('00000000-0000-4000-b000-000000000002', 101, 'agent'),
  ('00000000-0000-4000-b000-000000000002', 102, 'agent'),
  ('00000000-0000-4000-b000-000000000002', 103, 'agent'),
  ('00000000-0000-4000-b000-000000000002', 104, 'agent'),
  ('00000000-0000-4000-b000-000000000002', 105, 'agent'),
  ('00000000-0000-4000-b000-000000000003', 106, 'agent'),
  ('00000000-0000-4000-b000-000000000003', 107, 'agent'),
  ('00000000-0000-4000-b000-000000000003', 108, 'agent')
) as c (campaign_id, member, member_role);

-- ============================================================================
-- Section - Products
-- ============================================================================

insert into public.products (
  id, code, name, description, insurance_line, premium, payment_frequency, currency, coverage_amount,
  coverage_summary
) values
(
  '00000000-0000-4000-c000-000000000001', 'VIDA-PLUS', 'Vida Plus', 'Vida riesgo con invalidez absoluta.',
  'life', 24.90, 'monthly', 'EUR', 150000, 'Fallecimiento e invalidez absoluta y permanente: 150.000 €.'
),
(
  '00000000-0000-4000-c000-000000000002', 'VIDA-BASICO', 'Vida Básico', 'Vida riesgo, solo fallecimiento.',
  'life', 11.50, 'monthly', 'EUR', 60000, 'Fallecimiento por cualquier causa: 60.000 €.'
),
(
  '00000000-0000-4000-c000-000000000003', 'HOGAR-TOTAL', 'Hogar Total', 'Continente, contenido y asistencia 24 h.',
  'home', 21.40, 'monthly', 'EUR', 250000, 'Continente y contenido hasta 250.000 €; responsabilidad civil 300.000 €.'
),
(
  '00000000-0000-4000-c000-000000000004', 'HOGAR-ESENCIAL', 'Hogar Esencial', 'Contenido y responsabilidad civil.',
  'home', 9.95, 'monthly', 'EUR', 90000, 'Contenido hasta 90.000 €; responsabilidad civil 150.000 €.'
),
(
  '00000000-0000-4000-c000-000000000005', 'GMM-FAMILIAR', 'Gastos Médicos Mayores Familiar',
  'Hospitalización, cirugía y maternidad.', 'health', 1450.00, 'monthly', 'MXN', 5000000,
  'Suma asegurada 5.000.000 MXN; deducible 15.000 MXN; coaseguro 10 %.'
),
(
  '00000000-0000-4000-c000-000000000006', 'ACC-PERSONAL', 'Accidentes Personales',
  'Muerte accidental, invalidez y reembolso de gastos médicos por accidente.', 'accident', 3900.00, 'yearly', 'MXN',
  500000, 'Muerte accidental 500.000 MXN; gastos médicos por accidente 100.000 MXN.'
);

insert into public.campaign_products (campaign_id, product_id) values
('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-c000-000000000001'),
('00000000-0000-4000-b000-000000000001', '00000000-0000-4000-c000-000000000002'),
('00000000-0000-4000-b000-000000000002', '00000000-0000-4000-c000-000000000003'),
('00000000-0000-4000-b000-000000000002', '00000000-0000-4000-c000-000000000004'),
('00000000-0000-4000-b000-000000000002', '00000000-0000-4000-c000-000000000002'),
('00000000-0000-4000-b000-000000000003', '00000000-0000-4000-c000-000000000005'),
('00000000-0000-4000-b000-000000000003', '00000000-0000-4000-c000-000000000006');

-- ============================================================================
-- Section - Leads, their calls of the last 30 days, sales and callbacks
-- ============================================================================

-- 2,000 leads: 1-800 Vida Riesgo España, 801-1400 Hogar Protección,
-- 1401-2000 Salud México. Every choice derives from md5('lead' || n), so the
-- data is the same on every run. A lead's "story" (pool, assigned, or called
-- 1-6 times ending in retry, callback, sale, not interested, wrong number,
-- attempts spent or do-not-call) decides its calls, so that status, attempts,
-- last_called_at and next_call_at agree with the calls, as the RPCs keep them.
create temporary table seed_lead as
with base as (
  select
    n,
    ('00000000-0000-4000-d000-' || lpad(n::text, 12, '0'))::uuid as id,
    case
      when n <= 800 then 1
      when n <= 1400 then 2
      else 3
    end as campaign_no,
    ('x' || substr(md5('lead' || n), 1, 7))::bit(28)::int as r1,
    ('x' || substr(md5('lead' || n), 8, 7))::bit(28)::int as r2,
    ('x' || substr(md5('lead' || n), 15, 7))::bit(28)::int as r3,
    ('x' || substr(md5('lead' || n), 22, 7))::bit(28)::int as r4
  from generate_series(1, 2000) as n
),

places as (
  select
    p.country,
    p.ordinal,
    p.city,
    p.region,
    p.postal_prefix,
    p.time_zone,
    p.area
  from (
    values
    ('ES', 0, 'Madrid', 'Comunidad de Madrid', '28', 'Europe/Madrid', ''),
    ('ES', 1, 'Barcelona', 'Cataluña', '08', 'Europe/Madrid', ''),
    ('ES', 2, 'Valencia', 'Comunitat Valenciana', '46', 'Europe/Madrid', ''),
    ('ES', 3, 'Sevilla', 'Andalucía', '41', 'Europe/Madrid', ''),
    ('ES', 4, 'Málaga', 'Andalucía', '29', 'Europe/Madrid', ''),
    ('ES', 5, 'Zaragoza', 'Aragón', '50', 'Europe/Madrid', ''),
    ('ES', 6, 'Bilbao', 'País Vasco', '48', 'Europe/Madrid', ''),
    ('ES', 7, 'Las Palmas de Gran Canaria', 'Canarias', '35', 'Atlantic/Canary', ''),
    ('ES', 8, 'Santa Cruz de Tenerife', 'Canarias', '38', 'Atlantic/Canary', ''),
    ('MX', 0, 'Ciudad de México', 'Ciudad de México', '0', 'America/Mexico_City', '55'),
    ('MX', 1, 'Guadalajara', 'Jalisco', '4', 'America/Mexico_City', '33'),
    ('MX', 2, 'Puebla', 'Puebla', '7', 'America/Mexico_City', '222'),
    ('MX', 3, 'Monterrey', 'Nuevo León', '6', 'America/Monterrey', '81'),
    ('MX', 4, 'Tijuana', 'Baja California', '2', 'America/Tijuana', '664'),
    ('MX', 5, 'Cancún', 'Quintana Roo', '7', 'America/Cancun', '998'),
    ('MX', 6, 'Hermosillo', 'Sonora', '8', 'America/Hermosillo', '662'),
    ('MX', 7, 'Mérida', 'Yucatán', '9', 'America/Merida', '999')
  ) as p (country, ordinal, city, region, postal_prefix, time_zone, area)
),

named as (
  select
    b.*,
    case when b.campaign_no = 3 then 'MX' else 'ES' end as country,
    case
      when b.campaign_no = 3 then b.r4 % 8
      when b.r4 % 100 < 12 then 7 + b.r4 % 2
      else b.r4 % 7
    end as place_no,
    case
      when b.campaign_no = 3
        then (array[
          'Guadalupe', 'Juan Carlos', 'José Luis', 'Miguel Ángel', 'Francisco Javier', 'Alejandra', 'Verónica',
          'Leticia', 'Patricia', 'Adriana', 'Fernanda', 'Ximena', 'Itzel', 'Citlali', 'Jesús', 'Luis Fernando',
          'Jorge Alberto', 'Eduardo', 'Ricardo', 'Arturo', 'Rosa María', 'Yolanda', 'Mariana', 'Daniela',
          'Valeria', 'Cuauhtémoc', 'Emiliano', 'Santiago', 'Sofía', 'Regina'
        ])[1 + b.r1 % 30]
      else (array[
        'Lucía', 'María', 'Carmen', 'Ana', 'Laura', 'Isabel', 'Elena', 'Marta', 'Paula', 'Sara', 'Cristina',
        'Pilar', 'Rosa', 'Teresa', 'Andrea', 'Javier', 'Antonio', 'Manuel', 'José', 'Francisco', 'David',
        'Juan', 'Carlos', 'Pablo', 'Miguel', 'Alejandro', 'Sergio', 'Jorge', 'Alberto', 'Raúl', 'Álvaro',
        'Diego', 'Iván', 'Rubén', 'Óscar'
      ])[1 + b.r1 % 35]
    end as first_name,
    case
      when b.campaign_no = 3
        then
          array[
            'Hernández', 'García', 'Martínez', 'López', 'González', 'Pérez', 'Rodríguez', 'Sánchez', 'Ramírez',
            'Cruz', 'Flores', 'Gómez', 'Morales', 'Vázquez', 'Reyes', 'Jiménez', 'Torres', 'Díaz', 'Gutiérrez',
            'Ruiz', 'Mendoza', 'Aguilar', 'Ortiz', 'Moreno', 'Castillo', 'Romero', 'Álvarez', 'Méndez', 'Chávez',
            'Rivera', 'Juárez', 'Ramos', 'Domínguez', 'Herrera', 'Medina', 'Castro', 'Vargas', 'Guzmán',
            'Velázquez', 'Rojas', 'Contreras', 'Salazar', 'Luna', 'Ortega', 'Cervantes'
          ]
      else array[
        'García', 'Fernández', 'González', 'Rodríguez', 'López', 'Martínez', 'Sánchez', 'Pérez', 'Gómez',
        'Martín', 'Jiménez', 'Ruiz', 'Hernández', 'Díaz', 'Moreno', 'Muñoz', 'Álvarez', 'Romero', 'Alonso',
        'Gutiérrez', 'Navarro', 'Torres', 'Domínguez', 'Vázquez', 'Ramos', 'Gil', 'Ramírez', 'Serrano',
        'Blanco', 'Molina', 'Castro', 'Ortega', 'Rubio', 'Marín', 'Sanz', 'Iglesias', 'Núñez', 'Medina',
        'Garrido'
      ]
    end as surnames
  from base as b
),

storied as (
  select
    nd.*,
    -- 15 % in the pool, 20 % assigned but not called yet, 65 % called.
    case
      when nd.r2 % 100 < 15 then 'pool'
      when nd.r2 % 100 < 35 then 'assigned'
      when nd.r3 % 100 < 30 then 'retry'
      when nd.r3 % 100 < 38 then 'callback'
      when nd.r3 % 100 < 48 then 'won'
      when nd.r3 % 100 < 73 then 'lost'
      when nd.r3 % 100 < 78 then 'invalid'
      when nd.r3 % 100 < 93 then 'exhausted'
      else 'do_not_call'
    end as story
  from named as nd
)

select
  s.n,
  s.id,
  s.r1,
  s.r2,
  s.r3,
  s.r4,
  s.story,
  s.country,
  s.first_name,
  p.city,
  p.region,
  p.time_zone,
  ('00000000-0000-4000-b000-00000000000' || s.campaign_no)::uuid as campaign_id,
  s.surnames[1 + s.r2 % cardinality(s.surnames)] || ' ' || s.surnames[1 + s.r3 % cardinality(s.surnames)]
    as last_name,
  case
    when s.country = 'ES' then '+346' || lpad(((s.n * 104729) % 100000000)::text, 8, '0')
    else '+52' || p.area || lpad(((s.n * 7919) % (10 ^ (10 - length(p.area)))::bigint)::text, 10 - length(p.area), '0')
  end as phone,
  case
    when s.n % 7 <> 0 then '{}'::text[]
    when s.country = 'ES' then array['+3491' || lpad(((s.n * 613) % 10000000)::text, 7, '0')]
    else array[
      '+52' || p.area || lpad(((s.n * 389) % (10 ^ (10 - length(p.area)))::bigint)::text, 10 - length(p.area), '0')
    ]
  end as alternate_phones,
  case
    when s.country = 'ES' then p.postal_prefix || lpad((s.r4 % 1000)::text, 3, '0')
    else p.postal_prefix || lpad((s.r4 % 10000)::text, 4, '0')
  end as postal_code,
  case
    when s.story = 'pool' then null
    when s.country = 'ES' then ('00000000-0000-4000-a000-' || lpad((101 + s.n % 5)::text, 12, '0'))::uuid
    else ('00000000-0000-4000-a000-' || lpad((106 + s.n % 3)::text, 12, '0'))::uuid
  end as owner_id,
  case
    when s.story in ('pool', 'assigned') then 0
    when s.story = 'exhausted' then case when s.campaign_no = 2 then 5 else 6 end
    else 1 + s.r4 % 4
  end as attempts
from storied as s
inner join places as p on s.country = p.country and s.place_no = p.ordinal;

-- Every call of every called lead: call k of a lead with k attempts is its
-- last. Calls fall on working days of the last 30 days (two days ago at the
-- latest, so that none is in the future anywhere), 09:30-19:30 in the
-- lead's own time zone; earlier attempts reach nobody (no answer, busy,
-- voicemail, a failed call); the last one gives the lead its status.
create temporary table seed_call as
with attempts as (
  select
    l.*,
    a.i,
    a.i = l.attempts as is_last,
    current_date - (2 + l.n % 19 + (l.attempts - a.i) * 2) as calendar_day
  from seed_lead as l
  cross join lateral generate_series(1, l.attempts) as a (i)
),

timed as (
  select
    a.*,
    (
      (a.calendar_day - greatest(extract(isodow from a.calendar_day)::int - 5, 0))
      + time '09:30' + ((a.n * 37 + a.i * 101) % 600) * interval '1 minute'
    ) at time zone a.time_zone as started_at,
    case
      when a.is_last and a.story = 'callback' then 'callback'
      when a.is_last and a.story = 'won' then 'sale'
      when a.is_last and a.story = 'lost' then case when a.r1 % 3 = 0 then 'already_insured' else 'not_interested' end
      when a.is_last and a.story = 'invalid' then 'wrong_number'
      when a.is_last and a.story = 'do_not_call' then 'do_not_call'
      when (a.n + a.i) % 17 = 0 then 'call_failed'
      else (array['no_answer', 'busy', 'voicemail', 'no_answer'])[1 + (a.n + a.i) % 4]
    end as disposition
  from attempts as a
),

measured as (
  select
    t.*,
    case t.disposition
      when 'no_answer' then 'no_answer'
      when 'busy' then 'busy'
      when 'call_failed' then 'failed'
      else 'answered'
    end as outcome,
    case t.disposition
      when 'no_answer' then 30
      when 'busy' then 2
      when 'call_failed' then 0
      else 4 + (t.n + t.i) % 18
    end as ring_seconds,
    case t.disposition
      when 'voicemail' then 25
      when 'callback' then 90 + t.r2 % 200
      when 'sale' then 600 + t.r3 % 900
      when 'not_interested' then 45 + t.r4 % 120
      when 'already_insured' then 60 + t.r4 % 90
      when 'wrong_number' then 20
      when 'do_not_call' then 35
      else 0
    end as talk_seconds
  from timed as t
)

select
  m.*,
  ('00000000-0000-4000-e000-' || lpad((m.n * 10 + m.i)::text, 12, '0'))::uuid as call_id,
  m.started_at + make_interval(secs => m.ring_seconds + m.talk_seconds) as ended_at,
  extract(epoch from m.started_at)::bigint || '.' || (m.n * 10 + m.i) as pbx_linkedid
from measured as m;

insert into public.leads (
  id, campaign_id, owner_id, status, first_name, last_name, phone, alternate_phones, email, birth_date,
  city, region, postal_code, country_code, time_zone, attempts, last_called_at, next_call_at,
  consent_contact, consent_recording, consent_marketing, custom, source, external_ref
)
select
  l.id,
  l.campaign_id,
  l.owner_id,
  case
    when l.story in ('pool', 'assigned') then 'new'
    when l.story = 'won' then 'won'
    when l.story = 'lost' then 'lost'
    else l.story
  end::public.lead_status as status,
  l.first_name,
  l.last_name,
  l.phone,
  l.alternate_phones::public.phone_e164[] as alternate_phones,
  case
    when l.r1 % 3 <> 0
      then
        lower(translate(
          replace(l.first_name, ' ', '.') || '.' || split_part(l.last_name, ' ', 1),
          'ÁÉÍÓÚáéíóúüÜñÑ', 'AEIOUaeiouuUnN'
        )) || l.n || '@example.com'
  end as email,
  date '1950-01-01' + l.r3 % 18000 as birth_date,
  l.city,
  l.region,
  l.postal_code,
  l.country,
  l.time_zone,
  l.attempts,
  last_call.started_at as last_called_at,
  case
    when l.story in ('pool', 'assigned') then now() - make_interval(days => 30 - l.n % 30)
    when l.story = 'retry' and l.attempts = 1 then last_call.ended_at + interval '1 hour'
    when l.story = 'retry' then last_call.ended_at + interval '1 day'
    when l.story = 'callback' and l.n % 3 = 0 then now() - interval '2 hours'
    when l.story = 'callback' then (
      (current_date + 1 + l.n % 4)
      + case extract(isodow from current_date + 1 + l.n % 4) when 6 then 2 when 7 then 1 else 0 end
      + time '11:00' + (l.n % 6) * interval '1 hour'
    ) at time zone l.time_zone
  end as next_call_at,
  (l.story not in ('pool', 'assigned') or l.n % 211 <> 0) as consent_contact,
  case when last_call.outcome = 'answered' and last_call.disposition <> 'voicemail' then true end as consent_recording,
  l.r4 % 4 = 0 as consent_marketing,
  case l.campaign_id
    when '00000000-0000-4000-b000-000000000001'
      then
        jsonb_build_object('edad', 25 + l.r2 % 40, 'fumador', l.r3 % 5 = 0, 'hipoteca', l.r4 % 2 = 0)
    when '00000000-0000-4000-b000-000000000002'
      then
        jsonb_build_object(
          'tipo_vivienda', (array['piso', 'casa', 'chalet', 'ático'])[1 + l.r2 % 4],
          'metros', 50 + l.r3 % 150, 'regimen', case when l.r4 % 3 = 0 then 'alquiler' else 'propiedad' end
        )
    else
      jsonb_build_object(
        'edad', 22 + l.r2 % 45, 'dependientes', l.r3 % 4,
        'aseguradora_actual', (array['ninguna', 'GNP', 'AXA', 'MetLife', 'Seguros Monterrey'])[1 + l.r4 % 5]
      )
  end as custom,
  'seed' as source,
  'CRM-' || lpad(l.n::text, 6, '0') as external_ref
from seed_lead as l
left join seed_call as last_call on l.id = last_call.id and last_call.is_last;

-- Past calls need their months' partitions (the migration creates only the
-- current and coming months).
select private.ensure_call_partitions(3, (current_date - 40)::date);

insert into public.calls (
  id, started_at, lead_id, campaign_id, agent_id, direction, phone_number, source, status, outcome,
  answered_at, ended_at, ring_seconds, talk_seconds, duration_seconds, hangup_cause, hangup_cause_text,
  hangup_by, disposition, notes, pbx_linkedid, recording_file, recording_consent, wrapped_up_at
)
select
  c.call_id as id,
  c.started_at,
  c.id as lead_id,
  c.campaign_id,
  c.owner_id as agent_id,
  'outbound' as direction,
  c.phone as phone_number,
  'webphone' as source,
  'ended' as status,
  c.outcome,
  case when c.outcome = 'answered' then c.started_at + make_interval(secs => c.ring_seconds) end as answered_at,
  c.ended_at,
  c.ring_seconds,
  c.talk_seconds,
  c.ring_seconds + c.talk_seconds as duration_seconds,
  case c.outcome when 'answered' then 16 when 'busy' then 17 when 'no_answer' then 19 else 38 end as hangup_cause,
  case c.outcome
    when 'answered' then 'Normal Clearing'
    when 'busy' then 'User busy'
    when 'no_answer' then 'No answer'
    else 'Network out of order'
  end as hangup_cause_text,
  case
    when c.outcome <> 'answered' then 'system'
    when (c.n + c.i) % 2 = 0 then 'lead'
    else 'agent'
  end as hangup_by,
  c.disposition,
  case c.disposition
    when 'callback' then 'Pide que le llamemos otro día, ahora no puede hablar.'
    when 'sale' then 'Acepta la oferta; se envía la documentación por correo.'
    when 'not_interested' then 'No le interesa.'
    when 'already_insured' then 'Ya tiene un seguro con otra compañía.'
    when 'wrong_number' then 'No es la persona de la ficha.'
    when 'do_not_call' then 'Pide que no le volvamos a llamar.'
    else ''
  end as notes,
  c.pbx_linkedid,
  -- No recording file: there is no audio behind the seed, and the
  -- recordings worker would only report the files missing.
  null as recording_file,
  case when c.outcome = 'answered' and c.disposition <> 'voicemail' then true end as recording_consent,
  c.ended_at + make_interval(secs => 20 + c.n % 40) as wrapped_up_at
from seed_call as c;

-- Callbacks agreed in the last call: a third of them already due.
insert into public.callbacks (lead_id, campaign_id, agent_id, due_at, notes, call_id, created_by)
select
  l.id as lead_id,
  l.campaign_id,
  l.owner_id as agent_id,
  l.next_call_at as due_at,
  'Llamar a la hora acordada.' as notes,
  c.call_id,
  l.owner_id as created_by
from public.leads as l
inner join seed_call as c on l.id = c.id and c.is_last
where l.status = 'callback';

-- A sale for every won lead, born pending; then 60 % are validated and 15 %
-- rejected by their supervisor, so sale_status_history tells both steps.
insert into public.sales (id, lead_id, campaign_id, product_id, agent_id, call_id, premium, sold_at, notes)
select
  ('00000000-0000-4000-f000-' || lpad(l.n::text, 12, '0'))::uuid as id,
  l.id as lead_id,
  l.campaign_id,
  p.id as product_id,
  l.owner_id as agent_id,
  c.call_id,
  round(p.premium * (1 + (l.n % 4) * 0.1), 2) as premium,
  c.ended_at as sold_at,
  'Venta registrada por el agente.' as notes
from seed_lead as l
inner join seed_call as c on l.id = c.id and c.is_last
inner join public.products as p
  on p.id = ('00000000-0000-4000-c000-00000000000' || case
    when l.campaign_id = '00000000-0000-4000-b000-000000000001' then 1 + l.n % 2
    when l.campaign_id = '00000000-0000-4000-b000-000000000002' then 3 + l.n % 2
    else 5 + l.n % 2
  end)::uuid
where l.story = 'won';

update public.sales as s set
  status = case when l.n % 20 < 12 then 'validated'::public.sale_status else 'rejected'::public.sale_status end,
  status_reason = case when l.n % 20 >= 12 then (array[
    'El cliente no firmó el mandato SEPA.', 'Datos bancarios incorrectos.',
    'El cliente desistió en el periodo de reflexión.', 'Falta la grabación del consentimiento.'
  ])[1 + l.n % 4] end,
  policy_number = case
    when l.n % 20 < 12 then 'POL-' || to_char(s.sold_at, 'YYYY') || '-' || lpad(l.n::text, 6, '0')
  end,
  validated_by = case
    when l.campaign_id = '00000000-0000-4000-b000-000000000003' then '00000000-0000-4000-a000-000000000012'::uuid
    else '00000000-0000-4000-a000-000000000011'::uuid
  end,
  validated_at = least(s.sold_at + interval '1 day', now() - interval '1 hour')
from seed_lead as l
where s.lead_id = l.id and l.n % 20 < 15;

-- ============================================================================
-- Section - Do-not-call list
-- ============================================================================

-- Leads who asked during a call (company-wide), numbers on the Robinson list
-- that were never called (their leads stay new: next_lead skips them), and a
-- few numbers blocked for one campaign only.
insert into public.do_not_call (phone, campaign_id, source, reason, added_by)
select
  l.phone,
  null::uuid as campaign_id,
  'lead_request'::public.do_not_call_source as source,
  'Solicitado durante la llamada.' as reason,
  l.owner_id as added_by
from public.leads as l
where l.status = 'do_not_call'
on conflict (phone, campaign_id) do nothing;

insert into public.do_not_call (phone, campaign_id, source, reason)
select
  l.phone,
  null::uuid as campaign_id,
  'regulator'::public.do_not_call_source as source,
  'Lista Robinson' as reason
from seed_lead as l
where l.story in ('pool', 'assigned') and l.n % 37 = 0
on conflict (phone, campaign_id) do nothing;

insert into public.do_not_call (phone, campaign_id, source, reason)
select
  l.phone,
  l.campaign_id,
  'manual'::public.do_not_call_source as source,
  'Cliente de la aseguradora: no ofrecer este producto.' as reason
from seed_lead as l
where l.story in ('pool', 'assigned') and l.n % 53 = 0
on conflict (phone, campaign_id) do nothing;

drop table seed_call;
drop table seed_lead;
