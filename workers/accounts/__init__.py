"""The accounts worker: what admins ask of Supabase Auth, done with the service role.

The browser never holds the service role key, so rpc/invite_user, deactivate_user,
reactivate_user and reset_user_password (migration 20261206000300) only queue a request in
public.account_requests. This worker, the one holder of the key besides the other workers,
claims them under the lease protocol (workers/README.md; private.account_request_claim,
_apply, _finish, _fail, _release, granted to crm_accounts only) and calls the Auth admin API
through the official client (supabase-py's auth.admin), the same calls Supabase Auth answers:

- invite: create the user unconfirmed (POST /admin/users, email_confirm false, the role in
  app_metadata.role so the profile trigger gives it at once, the name in user_metadata), apply
  name, role, extension and campaigns to the profile (private.account_request_apply), then
  POST /admin/generate_link type invite (GoTrue reuses an unconfirmed user) and rewrite the
  link to the webphone's /set-password?token_hash=...&type=invite. No e-mail is sent: the
  requester hands the link over (Supabase's invite mail needs SMTP; see README).
- deactivate: PUT /admin/users/{id} ban_duration (BAN_DURATION); finishing deletes the user's
  sessions in the database (a ban ends none). The profile was made inactive, and the sessions
  ended, by the RPC itself, so RLS refuses them before this worker runs.
- reactivate: ban_duration "none".
- reset_password: generate_link type recovery, rewritten to /set-password?...&type=recovery.

Crash story: each request is a few HTTP calls, so no renew; a worker that dies mid-request
leaves a running row that another claims once its lease is stale (STALE_AFTER). Every step is
idempotent: the invited user is looked up by e-mail before it is created (and after an
email_exists answer), apply writes only what differs, generate_link replaces the previous
link's token, a ban or unban set twice is the same. So a request redone after a crash neither
fails nor makes a second user.

One thread, one WorkerLoop: the work is blocking HTTP and a few SQL calls, one request at a time.
"""
