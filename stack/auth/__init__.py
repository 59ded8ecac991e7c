"""A stand-in for Supabase Auth (GoTrue) on the embedded stack. Not product code.

Supabase Auth cannot run on these machines, so this small aiohttp service
answers the part of its HTTP API that the official clients (supabase-py's
supabase_auth, supabase-js's auth-js) use here: password sign-in, the
refresh-token grant with rotation, GET/PUT /user, logout, the admin user
API for the service role (bans included), and one-time links: POST
/admin/generate_link, POST and GET /verify (links.py). It keeps its state
where GoTrue keeps it (auth.users with bcrypt passwords, auth.sessions,
auth.refresh_tokens), connects as supabase_auth_admin, and issues the JWT
claims GoTrue issues. Open sign-up is off, as the product requires: users
are created by an admin.

Like GoTrue it rate-limits sign-ins and refreshes per client address (settings
from supabase/config.toml, see limits.py), and it adds a per-account limit on
failed passwords. Input it cannot store is a 4xx in GoTrue's error shape.
"""
