"""A stand-in for Supabase Storage on the embedded stack. Not product code.

Supabase Storage cannot run on these machines, so this small aiohttp service
answers the part of its HTTP API that storage3 and supabase-js use: buckets,
upload (POST/PUT, multipart or raw, x-upsert), download, info, list, move,
copy, remove, and signed URLs (create and serve, with expiry). Like the real
service it keeps object rows in storage.objects and decides every access by
running the query as the caller's role with the caller's JWT claims (and, as
Storage does, request.method, request.path and storage.operation), so the
RLS policies on storage.objects are what allow or refuse: signing an object
first reads it as the caller. Only signed-URL downloads skip RLS, because
the token is the proof. Signed-URL tokens are HS256 JWTs with claims `url`
(bucket/path), `iat`, `exp`, as Supabase issues them. Bytes live on local disk
under <root>/storage, named by object id, so no object name can reach outside
that folder.

A request is judged on its request line and headers (route, path parameters,
query, headers, and the JWT) before any byte of its body is read; a refusal
closes the connection rather than draining the body. Bodies are checked by
stack/storage/inputs.py. docs/interface.md ("What Storage refuses") lists the
refusals, all in Storage's error shape; no input gets a 5xx.
"""
