-- Best time to call (issue 16): retries go to the hours a lead answers.
--
-- 1. reports.best_time_rates learns, per campaign and lead segment, the
--    live-answer rate by the lead's local weekday and hour from the calls of
--    the last 180 days. A live answer is what the reports call a contact (an
--    answered call wrapped up with a disposition whose effect is callback,
--    sale, closed or do_not_call) plus the dialer's `abandoned` calls (a
--    person answered and no agent was free). Voicemail, a wrong number and
--    the system's no_answer/busy are not. Failed and congested calls never
--    reached a phone: they are not attempts. Answered calls not yet wrapped
--    up are left out until their disposition says what answered.
--    Segment: the lead's age band on the day of the call (insurance
--    telesales: retirees answer in the morning, working ages in the
--    evening), or age_unknown without a birth date; plus `all`.
--    Smoothing (a Beta prior, empirical Bayes): a cell's rate is
--      (live + K * prior) / (attempts + K), K = 20 pseudo-attempts, where
--      prior = campaign hour rate * campaign weekday rate / campaign rate
--              * segment rate / campaign rate (segment `all`: factor 1),
--    each of those rates itself shrunk toward the campaign's rate with the
--    same K (the campaign's rate is (live + 1) / (attempts + 2)). A sparse
--    cell therefore reads as the campaign's hour x weekday pattern at the
--    segment's level, and moves away from it only as its own calls accrue.
--    A materialized view beside the report views (schema reports: no API
--    role reads it), refreshed CONCURRENTLY every hour by pg_cron, as
--    pg_cron already keeps the calls partitions: a rate learned over months
--    needs no fresher data, and left out of reports.views it stays out of
--    the report RPCs' freshness and the health page's list of report views.
-- 2. private.best_retry_at(lead, campaign, earliest): the callable local hour
--    slot in the 24 hours after the first callable instant at or after
--    `earliest` with the highest learned rate for the lead's segment;
--    earlier slots win ties and small differences (within 5 % of the best).
--    No data for the campaign: `earliest` itself, as before.
-- 3. private.advance_lead: a retry's next_call_at is best_retry_at(now + the
--    campaign's retry delay). Nothing else changes. The queues (rpc/next_lead
--    and the dialer's) still order by next_call_at, which this now shapes.

-- ============================================================================
-- Section - Segments
-- ============================================================================

-- The lead's segment on a day: its age band (null birth date: age_unknown).
create function private.best_time_segment(p_birth_date date, p_on date) returns text
language plpgsql
immutable
parallel safe
set search_path = ''
as $$
declare
  v_age integer := extract(year from age(p_on, p_birth_date))::integer;
begin
  return case
    when v_age is null then 'age_unknown'
    when v_age < 35 then 'age_under_35'
    when v_age < 50 then 'age_35_49'
    when v_age < 65 then 'age_50_64'
    else 'age_65_plus'
  end;
end;
$$;
comment on function private.best_time_segment(date, date) is
'A lead''s best-time segment on a day: age_under_35, age_35_49, age_50_64, age_65_plus or age_unknown.';
revoke execute on function private.best_time_segment(date, date) from public;

-- ============================================================================
-- Section - Learned live-answer rates
-- ============================================================================

-- Every (campaign, segment with calls, ISO weekday, hour 0-23) of the lead's
-- local time: the counts and the smoothed rate (see the header).
create materialized view reports.best_time_rates as
with attempts as (
  select
    l.campaign_id,
    private.best_time_segment(l.birth_date, (c.started_at at time zone l.time_zone)::date) as segment,
    extract(isodow from c.started_at at time zone l.time_zone)::smallint as isodow,
    extract(hour from c.started_at at time zone l.time_zone)::smallint as hour,
    c.outcome = 'answered'
    and (d.effect in ('callback', 'sale', 'closed', 'do_not_call') or c.disposition = 'abandoned') as live
  from public.calls as c
  inner join public.leads as l on c.lead_id = l.id
  left join public.dispositions as d on c.disposition = d.code
  where
    c.started_at >= now() - interval '180 days'
    and c.direction = 'outbound'
    and c.status = 'ended'
    and c.outcome in ('answered', 'busy', 'no_answer', 'cancelled')
    and (c.outcome <> 'answered' or c.disposition is not null)
),

cells as (
  select
    a.campaign_id,
    coalesce(a.segment, 'all') as segment,
    a.isodow,
    a.hour,
    count(*)::integer as attempts,
    (count(*) filter (where a.live))::integer as live_answers
  from attempts as a
  group by grouping sets ((a.campaign_id, a.segment, a.isodow, a.hour), (a.campaign_id, a.isodow, a.hour))
),

campaign_rates as (
  select
    c.campaign_id,
    (sum(c.live_answers) + 1.0) / (sum(c.attempts) + 2.0) as rate
  from cells as c
  where c.segment = 'all'
  group by c.campaign_id
),

hour_rates as (
  select
    c.campaign_id,
    c.hour,
    (sum(c.live_answers) + 20.0 * min(cr.rate)) / (sum(c.attempts) + 20.0) as rate
  from cells as c
  inner join campaign_rates as cr on c.campaign_id = cr.campaign_id
  where c.segment = 'all'
  group by c.campaign_id, c.hour
),

weekday_rates as (
  select
    c.campaign_id,
    c.isodow,
    (sum(c.live_answers) + 20.0 * min(cr.rate)) / (sum(c.attempts) + 20.0) as rate
  from cells as c
  inner join campaign_rates as cr on c.campaign_id = cr.campaign_id
  where c.segment = 'all'
  group by c.campaign_id, c.isodow
),

-- The segment's level relative to the campaign (1 for `all`).
segment_levels as (
  select
    c.campaign_id,
    c.segment,
    case
      when c.segment = 'all' then 1.0
      else (sum(c.live_answers) + 20.0 * min(cr.rate)) / (sum(c.attempts) + 20.0) / min(cr.rate)
    end as level
  from cells as c
  inner join campaign_rates as cr on c.campaign_id = cr.campaign_id
  group by c.campaign_id, c.segment
),

grid as (
  select
    s.campaign_id,
    s.segment,
    s.level,
    cr.rate as campaign_rate,
    d.isodow::smallint as isodow,
    h.hour::smallint as hour
  from segment_levels as s
  inner join campaign_rates as cr on s.campaign_id = cr.campaign_id
  cross join generate_series(1, 7) as d (isodow)
  cross join generate_series(0, 23) as h (hour)
),

priors as (
  select
    g.campaign_id,
    g.segment,
    g.isodow,
    g.hour,
    coalesce(c.attempts, 0) as attempts,
    coalesce(c.live_answers, 0) as live_answers,
    least(
      coalesce(hr.rate, g.campaign_rate) * coalesce(wr.rate, g.campaign_rate) / g.campaign_rate * g.level,
      0.999
    ) as prior_rate
  from grid as g
  left join cells as c
    on g.campaign_id = c.campaign_id and g.segment = c.segment and g.isodow = c.isodow and g.hour = c.hour
  left join hour_rates as hr on g.campaign_id = hr.campaign_id and g.hour = hr.hour
  left join weekday_rates as wr on g.campaign_id = wr.campaign_id and g.isodow = wr.isodow
)

select
  p.campaign_id,
  p.segment,
  p.isodow,
  p.hour,
  p.attempts,
  p.live_answers,
  p.prior_rate::double precision as prior_rate,
  ((p.live_answers + 20.0 * p.prior_rate) / (p.attempts + 20.0))::double precision as rate
from priors as p;

comment on materialized view reports.best_time_rates is
'Live-answer rate by campaign x lead segment (age band, or all) x the lead''s local ISO weekday x hour, '
'calls of the last 180 days, smoothed toward the campaign''s hour x weekday pattern (K = 20). '
'Refreshed hourly by pg_cron (crm-refresh-best-time-rates).';

-- CONCURRENTLY needs a unique index; it is also best_retry_at's lookup.
create unique index best_time_rates_cell_idx on reports.best_time_rates (campaign_id, segment, isodow, hour);

revoke all on reports.best_time_rates from public, anon, authenticated, service_role;

-- Every hour; CONCURRENTLY: best_retry_at keeps reading the previous rates.
create extension if not exists pg_cron;
select cron.schedule(
  'crm-refresh-best-time-rates', '41 * * * *', 'refresh materialized view concurrently reports.best_time_rates'
);

-- ============================================================================
-- Section - The best retry time
-- ============================================================================

-- The instant at or after p_earliest to call the lead again: among the
-- local hour slots inside the campaign's calling hours and days (in the
-- lead's time zone) in the 24 hours after the first callable instant, the
-- one with the highest learned rate for the lead's segment (its own rows,
-- or the campaign's `all` rows for a segment without calls); the earliest
-- slot within 5 % of that rate wins. A slot starts at its hour, or at
-- p_earliest / the start of the calling hours when those fall inside it.
-- Without learned rates for the campaign (or no callable instant within 8
-- days): p_earliest unchanged.
create function private.best_retry_at(
  p_lead public.leads, p_campaign public.campaigns, p_earliest timestamptz
) returns timestamptz
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  -- One day of slots: every local hour once, at most a day's delay.
  c_window constant interval := interval '24 hours';
  -- Earlier wins unless a later slot is more than 5 % better.
  c_tolerance constant double precision := 0.95;
  v_local timestamp := p_earliest at time zone p_lead.time_zone;
  v_segment text := private.best_time_segment(p_lead.birth_date, v_local::date);
  v_best timestamptz;
begin
  if p_earliest is null then
    return null;
  end if;
  if not exists (select 1 from reports.best_time_rates as r where r.campaign_id = p_campaign.id) then
    return p_earliest;
  end if;

  with hours as (
    select date_trunc('hour', v_local) + g.n * interval '1 hour' as hour_start
    from generate_series(0, 8 * 24) as g (n)
  ),

  slots as (
    select
      s.local_at,
      s.local_at at time zone p_lead.time_zone as at
    from hours as h
    cross join lateral (
      select greatest(h.hour_start, v_local, h.hour_start::date + p_campaign.calling_hours_start) as local_at
    ) as s
    where
      s.local_at < h.hour_start + interval '1 hour'
      and extract(isodow from s.local_at)::smallint = any(p_campaign.calling_days)
      and s.local_at::time >= p_campaign.calling_hours_start
      and s.local_at::time < p_campaign.calling_hours_end
  ),

  scored as (
    select
      s.at,
      coalesce(own.rate, every.rate) as rate
    from slots as s
    left join reports.best_time_rates as own
      on
        own.campaign_id = p_campaign.id
        and own.segment = v_segment
        and own.isodow = extract(isodow from s.local_at)::smallint
        and own.hour = extract(hour from s.local_at)::smallint
    left join reports.best_time_rates as every
      on
        every.campaign_id = p_campaign.id
        and every.segment = 'all'
        and every.isodow = extract(isodow from s.local_at)::smallint
        and every.hour = extract(hour from s.local_at)::smallint
    where s.at < (select min(f.at) from slots as f) + c_window
  )

  select min(sc.at) into v_best
  from scored as sc
  where sc.rate >= c_tolerance * (select max(m.rate) from scored as m);

  return coalesce(v_best, p_earliest);
end;
$$;
comment on function private.best_retry_at(public.leads, public.campaigns, timestamptz) is
'When to retry a lead: the callable local hour in the day after p_earliest where its segment answers most '
'(reports.best_time_rates), earlier on near ties; p_earliest when the campaign has no learned rates.';
revoke execute on function private.best_retry_at(public.leads, public.campaigns, timestamptz) from public;

-- ============================================================================
-- Section - Retries scheduled by best_retry_at
-- ============================================================================

-- As migration 20261206000100; only a retry's next_call_at changes: the best
-- slot at or after now + the campaign's retry delay.
create or replace function private.advance_lead(
  p_lead public.leads,
  p_campaign public.campaigns,
  p_call public.calls,
  p_effect public.disposition_effect,
  p_callback_at timestamptz,
  p_notes text,
  p_actor uuid,
  p_now timestamptz
) returns void
language plpgsql
volatile
set search_path = ''
as $$
declare
  v_status public.lead_status;
begin
  update public.callbacks as cb set
    status = case when cb.due_at <= p_now then 'done'::public.callback_status else 'cancelled' end,
    completed_at = p_now,
    completed_call_id = case when cb.due_at <= p_now then p_call.id end
  where cb.lead_id = p_lead.id and cb.status = 'pending';

  v_status := case p_effect
    when 'retry' then
      case
        when p_lead.attempts >= p_campaign.max_attempts then 'exhausted'::public.lead_status
        else 'retry'::public.lead_status
      end
    when 'callback' then 'callback'
    when 'sale' then 'won'
    when 'closed' then 'lost'
    when 'invalid' then 'invalid'
    else 'do_not_call'
  end;

  update public.leads as l set
    status = v_status,
    last_outcome = p_call.disposition,
    next_call_at = case
      when v_status = 'retry' then
        private.best_retry_at(
          p_lead, p_campaign,
          p_now + p_campaign.retry_delays[least(greatest(p_lead.attempts, 1), cardinality(p_campaign.retry_delays))]
        )
      when v_status = 'callback' then p_callback_at
    end
  where l.id = p_lead.id;

  if p_effect = 'callback' then
    insert into public.callbacks (lead_id, campaign_id, agent_id, due_at, notes, call_id, created_by)
    values (
      p_lead.id, p_lead.campaign_id, coalesce(p_call.agent_id, p_lead.owner_id), p_callback_at,
      coalesce(p_notes, ''), p_call.id, p_actor
    );
  elsif p_effect = 'do_not_call' then
    insert into public.do_not_call (phone, campaign_id, source, reason, added_by)
    values (p_call.phone_number, null, 'lead_request', format('Asked during call %s', p_call.id), p_actor)
    on conflict (phone, campaign_id) do nothing;
  end if;
end;
$$;
comment on function private.advance_lead(
  public.leads, public.campaigns, public.calls, public.disposition_effect, timestamptz, text, uuid, timestamptz
) is 'The lead''s state machine after a wrap-up: callbacks, status, next call (retries at the best time), '
'do-not-call.';
