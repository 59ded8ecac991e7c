-- rpc/search_leads: the lead search that the trigram index serves through the API.
--
-- Through PostgREST, RLS applies to public.leads, and PostgreSQL uses an index
-- for a user's condition under a row security policy only if its operator is
-- leakproof; LIKE/ILIKE are not. So `search_text=ilike.*term*` on the table reads
-- the leads along the list's order (or all of them): fine for a common term, a
-- whole-table read for a rare one (a phone number, an e-mail), seconds at
-- 1,000,000 leads on a busy machine. search_leads is a plain SQL function that
-- PostgreSQL inlines into PostgREST's query: the ids come from the trigram index
-- (private.lead_search_ids, security definer, the caller's reach only), the rows
-- from public.leads under RLS, and PostgREST's filters, order, keyset and
-- estimated count apply on top as on the table.

create function private.lead_search_ids(p_search text) returns setof uuid
language plpgsql
stable
security definer
set search_path = ''
rows 1000
as $$
declare
  v_pattern text := private.lead_search_pattern(p_search);
  v_me uuid := (select auth.uid());
begin
  -- Three characters make a trigram: a shorter term would read every lead.
  if v_pattern is null or char_length(v_pattern) - 2 < 3 then
    raise exception using
      errcode = '22023',
      message = 'p_search: at least 3 characters (or digits)';
  end if;
  if private.is_admin() then
    return query select l.id from public.leads as l where l.search_text like v_pattern;
  else
    return query
    select l.id from public.leads as l
    where
      l.search_text like v_pattern
      and (l.owner_id = v_me or l.campaign_id = any(array(select private.supervised_campaign_ids())));
  end if;
end;
$$;
comment on function private.lead_search_ids(text) is
'The ids of the leads the caller may see whose search_text holds the term (trigram index).';
revoke execute on function private.lead_search_ids(text) from public;
grant execute on function private.lead_search_ids(text) to authenticated;

-- Inlined (sql, stable, invoker, no SET): every name is schema-qualified.
create function public.search_leads(p_search text) returns setof public.leads
language sql
stable
as $$
  select l.* from public.leads as l
  where l.id in (select private.lead_search_ids(p_search))
$$;
comment on function public.search_leads(text) is
'The leads (RLS) whose names, e-mail, reference or numbers hold the term; filter, order and page it as the table.';
revoke execute on function public.search_leads(text) from public;
grant execute on function public.search_leads(text) to authenticated;
