-- RLS policies of public.do_not_call. Source of truth; the migrations carry the same text.

create policy "Supervisors can view the company-wide do-not-call list"
on public.do_not_call for select to authenticated
using (campaign_id is null and (select private.current_app_role()) in ('supervisor', 'admin'));

create policy "Supervisors can view the do-not-call list of their campaigns"
on public.do_not_call for select to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can view every do-not-call entry"
on public.do_not_call for select to authenticated
using ((select private.is_admin()));

create policy "Supervisors can add numbers company-wide or to their campaigns"
on public.do_not_call for insert to authenticated
with check (
  (campaign_id is null and (select private.current_app_role()) in ('supervisor', 'admin'))
  or campaign_id = any(array(select private.supervised_campaign_ids()))
  or (select private.is_admin())
);

create policy "Supervisors can change the do-not-call entries of their campaigns"
on public.do_not_call for update to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())))
with check (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can change every do-not-call entry"
on public.do_not_call for update to authenticated
using ((select private.is_admin()))
with check ((select private.is_admin()));

create policy "Supervisors can remove the do-not-call entries of their campaigns"
on public.do_not_call for delete to authenticated
using (campaign_id = any(array(select private.supervised_campaign_ids())));

create policy "Admins can remove every do-not-call entry"
on public.do_not_call for delete to authenticated
using ((select private.is_admin()));
