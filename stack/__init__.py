"""The embedded Supabase stack: Supabase without Docker, for this project's machines.

Not product code. It stands in for what `supabase start` runs on a Docker
machine: a PostgreSQL 15 cluster carrying Supabase's platform objects
(supabase/platform/), the migrations applied by the real Supabase CLI, the
real PostgREST 12, an nginx gateway in Kong's place, and thin stand-ins for
the services that cannot run here (stack/auth: Supabase Auth).
"""
