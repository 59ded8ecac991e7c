-- Dispositions: the wrap-up codes an agent gives a call.
--
-- Each code has an effect on the lead (try again later, call back, sold,
-- closed, wrong number, do not call) that rpc/end_call applies. Campaigns
-- choose which codes their agents may use (campaigns.allowed_dispositions).

-- ============================================================================
-- Section - Dispositions
-- ============================================================================

-- What a disposition does to the lead when a call ends with it. retry: call
-- again after the campaign's retry delay; callback: at the time agreed with
-- the lead; sale: the lead is won; closed: not interested; invalid: wrong
-- number; do_not_call: the number joins the do-not-call list.
create type public.disposition_effect as enum (
  'retry', 'callback', 'sale', 'closed', 'invalid', 'do_not_call'
);
comment on type public.disposition_effect is 'What rpc/end_call does to the lead after a call with this disposition.';

-- The wrap-up codes, labelled in both interface languages.
create table public.dispositions (
  code text primary key check (code ~ '^[a-z][a-z0-9_]{1,39}$'),
  label_es text not null check (label_es <> ''),
  label_en text not null check (label_en <> ''),
  effect public.disposition_effect not null,
  active boolean not null default true,
  sort_order integer not null default 100,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.dispositions is 'Wrap-up codes of a call and what each does to the lead.';

create trigger dispositions_set_updated_at
before update on public.dispositions
for each row execute function private.set_updated_at();

alter table public.dispositions enable row level security;
grant select, insert, update, delete on public.dispositions to authenticated;
grant all on public.dispositions to service_role;

insert into public.dispositions (code, label_es, label_en, effect, sort_order) values
('no_answer', 'No contesta', 'No answer', 'retry', 10),
('busy', 'Comunica', 'Busy', 'retry', 20),
('voicemail', 'Buzón de voz', 'Voicemail', 'retry', 30),
('call_failed', 'Fallo de llamada', 'Call failed', 'retry', 40),
('callback', 'Volver a llamar', 'Call back', 'callback', 50),
('sale', 'Venta', 'Sale', 'sale', 60),
('not_interested', 'No interesado', 'Not interested', 'closed', 70),
('already_insured', 'Ya tiene seguro', 'Already insured', 'closed', 80),
('wrong_number', 'Número equivocado', 'Wrong number', 'invalid', 90),
('do_not_call', 'No volver a llamar', 'Do not call', 'do_not_call', 100);

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

create policy "Signed-in users can view dispositions"
on public.dispositions for select to authenticated
using (true);

create policy "Campaign managers can add dispositions"
on public.dispositions for insert to authenticated
with check ((select private.has_permission('campaigns.manage')));

create policy "Campaign managers can change dispositions"
on public.dispositions for update to authenticated
using ((select private.has_permission('campaigns.manage')))
with check ((select private.has_permission('campaigns.manage')));

create policy "Campaign managers can remove dispositions"
on public.dispositions for delete to authenticated
using ((select private.has_permission('campaigns.manage')));
