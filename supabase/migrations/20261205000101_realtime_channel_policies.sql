-- Who may join which private Realtime channel (issue 14).
--
-- Supabase Realtime authorizes a private channel by trying, as the joining
-- user (role and JWT claims set, realtime.topic() = the channel's topic), a
-- select (to receive) and an insert (to send) on realtime.messages, for the
-- extension used: 'broadcast' or 'presence'. These policies are the whole of
-- what clients may do; everything else is refused, and anon gets nothing:
--
-- - floor:<campaign_id>, broadcast, read: the campaign's supervisors, admins;
-- - presence:<campaign_id>, presence, read and track: the campaign's agents;
--   read: its supervisors and admins;
-- - agent:<user_id>, broadcast, read: that user only.
--
-- Nobody sends broadcast messages from a client: only the database does
-- (20261205000100_realtime_broadcasts.sql). A topic is read as <kind>:<uuid>
-- with the uuid in its canonical lower-case form, the form the triggers
-- send; any other topic ('floor:', 'floor:not-a-uuid', 'floor:A...') is
-- simply not allowed, never an error. The checks run at every join, so each
-- is one stable function called once per statement (the (select ...) form).

-- ============================================================================
-- Section - Topic helpers
-- ============================================================================

-- The id in a topic '<p_kind>:<uuid>', or null when the topic is not of that form.
create function private.realtime_topic_id(p_topic text, p_kind text) returns uuid
language sql
immutable
set search_path = ''
as $$
  select case
    when
      split_part(p_topic, ':', 1) = p_kind
      and substr(p_topic, length(p_kind) + 2) ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then substr(p_topic, length(p_kind) + 2)::uuid
  end
$$;
comment on function private.realtime_topic_id(text, text) is
'The uuid of a Realtime topic <kind>:<uuid> (canonical lower-case form), else null.';
revoke execute on function private.realtime_topic_id(text, text) from public;
grant execute on function private.realtime_topic_id(text, text) to authenticated, service_role;

-- May the signed-in user watch floor:<campaign_id>? Its supervisors and admins.
create function private.realtime_reads_floor(p_topic text) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((
    select private.manages_campaign(c.id)
    from public.campaigns as c
    where c.id = private.realtime_topic_id(p_topic, 'floor')
  ), false)
$$;
comment on function private.realtime_reads_floor(text) is
'Realtime: may the signed-in user read floor:<campaign_id> (its supervisors, admins)?';
revoke execute on function private.realtime_reads_floor(text) from public;
grant execute on function private.realtime_reads_floor(text) to authenticated, service_role;

-- May the signed-in user track presence on presence:<campaign_id>? Its agents.
create function private.realtime_tracks_presence(p_topic text) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce(
    private.is_campaign_agent(private.realtime_topic_id(p_topic, 'presence'), (select auth.uid())), false
  )
$$;
comment on function private.realtime_tracks_presence(text) is
'Realtime: may the signed-in user track presence on presence:<campaign_id> (its agents)?';
revoke execute on function private.realtime_tracks_presence(text) from public;
grant execute on function private.realtime_tracks_presence(text) to authenticated, service_role;

-- May the signed-in user read presence:<campaign_id>? Its agents, supervisors, admins.
create function private.realtime_reads_presence(p_topic text) returns boolean
language sql
stable
security definer
set search_path = ''
as $$
  select coalesce((
    select private.manages_campaign(c.id) or private.is_campaign_agent(c.id, (select auth.uid()))
    from public.campaigns as c
    where c.id = private.realtime_topic_id(p_topic, 'presence')
  ), false)
$$;
comment on function private.realtime_reads_presence(text) is
'Realtime: may the signed-in user read presence:<campaign_id> (its agents, supervisors, admins)?';
revoke execute on function private.realtime_reads_presence(text) from public;
grant execute on function private.realtime_reads_presence(text) to authenticated, service_role;

-- ============================================================================
-- Section - RLS Policies
-- ============================================================================

create policy "Supervisors and admins can read the floor of their campaigns"
on realtime.messages for select to authenticated
using (extension = 'broadcast' and (select private.realtime_reads_floor(realtime.topic())));

create policy "Members and admins can read the presence of their campaigns"
on realtime.messages for select to authenticated
using (extension = 'presence' and (select private.realtime_reads_presence(realtime.topic())));

create policy "Agents can track their presence in their campaigns"
on realtime.messages for insert to authenticated
with check (extension = 'presence' and (select private.realtime_tracks_presence(realtime.topic())));

create policy "Users can read their own desk notices"
on realtime.messages for select to authenticated
using (
  extension = 'broadcast'
  and (select private.realtime_topic_id(realtime.topic(), 'agent')) = (select auth.uid())
);
