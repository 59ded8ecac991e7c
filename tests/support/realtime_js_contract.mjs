// supabase-js (the webphone's client; realtime-js over @supabase/phoenix, vsn 2.0.0 by default)
// against the Realtime endpoint of a running stack, beside a Python peer (realtime-py) that
// tests/realtime/test_realtime_js.py runs at the same time on TOPIC: the peer answers each
// `ping` with a `pong`, tracks presence as `py`, and inserts NOTES rows whose body is 'js'.
// Prints what each step returned as one JSON document on stdout; this script decides nothing.
//
//   SUPABASE_URL=... SUPABASE_ANON_KEY=... TOPIC=... USER_ID=... USER_TOKEN=... OTHER_TOKEN=...
//   SHORT_TOKEN=... NOTES=... node tests/support/realtime_js_contract.mjs

import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';

const env = process.env;
const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });
// Node 20 has no global WebSocket: the `ws` package is the transport, as the docs say.
const client = (vsn) => createClient(env.SUPABASE_URL, env.SUPABASE_ANON_KEY, {
  auth: { persistSession: false, autoRefreshToken: false },
  realtime: { transport: WebSocket, ...(vsn ? { vsn } : {}) },
});
const out = {};

async function until(check, ms = 8000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = check();
    if (value) return value;
    await sleep(50);
  }
  return null;
}

// Subscribes and resolves with the first status; every status is kept in `statuses`.
function subscribe(channel, statuses = []) {
  return new Promise((resolve) => {
    channel.subscribe((status, err) => {
      statuses.push(err ? `${status}: ${err.message}` : status);
      resolve(statuses[0]);
    });
  });
}

const bytes = (v) => (v instanceof ArrayBuffer ? Array.from(new Uint8Array(v)) : v);

// 1. Broadcast both ways with the Python peer, self and ack, presence both ways.
const js = client();
const heard = [];
const main = js.channel(env.TOPIC, {
  config: { broadcast: { self: true, ack: true }, presence: { key: 'js' } },
});
main.on('broadcast', { event: '*' }, (m) => heard.push({ event: m.event, payload: bytes(m.payload) }));
main.on('presence', { event: 'sync' }, () => {});
out.subscribe = await subscribe(main);
out.track = await main.track({ who: 'js' });
out.ack = await main.send({ type: 'broadcast', event: 'ping', payload: { n: 1 } });
await until(() => heard.find((m) => m.event === 'pong'));
out.pong = heard.find((m) => m.event === 'pong')?.payload ?? null;
out.self = heard.find((m) => m.event === 'ping')?.payload ?? null;
out.peer_presence = await until(() => main.presenceState().py?.[0]?.who ?? null);

// 2. A vsn 1.0.0 supabase-js socket and a second vsn 2.0.0 one on the same topic: a JSON
// broadcast reaches both, raw bytes only the vsn 2.0.0 one.
const v1 = client('1.0.0');
const v2 = client();
const v1Heard = [];
const v2Heard = [];
const c1 = v1.channel(env.TOPIC);
c1.on('broadcast', { event: '*' }, (m) => v1Heard.push({ event: m.event, payload: bytes(m.payload) }));
const c2 = v2.channel(env.TOPIC);
c2.on('broadcast', { event: '*' }, (m) => v2Heard.push({ event: m.event, payload: bytes(m.payload) }));
out.v1_vsn = v1.realtime.vsn;
out.v1_subscribe = await subscribe(c1);
out.v2_subscribe = await subscribe(c2);
await main.send({ type: 'broadcast', event: 'json', payload: { n: 2 } });
await main.send({ type: 'broadcast', event: 'blob', payload: new Uint8Array([0, 1, 254, 255]).buffer });
await until(() => v2Heard.length >= 2);
await sleep(300);
out.v1_heard = [...v1Heard];
out.v2_heard = [...v2Heard];

// 3. REST: httpSend, and send() on a channel never joined (supabase-js falls back to REST).
const rest = js.channel(env.TOPIC);
out.http_send = await rest.httpSend('rest', { n: 3 });
const restOnly = client();
out.send_unjoined = await restOnly.channel(env.TOPIC).send({ type: 'broadcast', event: 'rest2', payload: { n: 4 } });

// 4. Private channels: refused to the anon key and to another user, joined with the owner's.
const anon = client();
out.private_anon = await subscribe(anon.channel(`standin:${env.USER_ID}`, { config: { private: true } }));
const other = client();
other.realtime.setAuth(env.OTHER_TOKEN);
out.private_other = await subscribe(other.channel(`standin:${env.USER_ID}`, { config: { private: true } }));
const owner = client();
owner.realtime.setAuth(env.USER_TOKEN);
out.private_owner = await subscribe(owner.channel(`standin:${env.USER_ID}`, { config: { private: true } }));

// 5. Token expiry: a system error, then the channel is closed.
const short = client();
short.realtime.setAuth(env.SHORT_TOKEN);
const systems = [];
const statuses = [];
const expiring = short.channel(`standin:${env.USER_ID}`, { config: { private: true } });
expiring.on('system', {}, (p) => systems.push(p));
out.expiring_subscribe = await subscribe(expiring, statuses);
await until(() => statuses.includes('CLOSED'), 10000);
out.expiry_system = systems;
out.expiry_statuses = statuses;

// 6. postgres_changes with a filter (the peer inserts rows with body 'js' and 'other').
const changes = [];
const pc = v2.channel(`${env.TOPIC}-changes`);
pc.on('postgres_changes', { event: 'INSERT', schema: 'public', table: env.NOTES, filter: 'body=eq.js' },
  (p) => changes.push(p));
out.changes_subscribe = await subscribe(pc);
await until(() => changes.length > 0);
out.change = changes[0] ? { eventType: changes[0].eventType, table: changes[0].table, body: changes[0].new?.body } : null;
out.change_bodies = [...new Set(changes.map((c) => c.new?.body))];

// 7. Leaving: the peer sees js's presence leave when this socket goes.
for (const c of [js, v1, v2, anon, other, owner, short, restOnly]) await c.removeAllChannels();
await sleep(300);
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
