// An agent's webphone as far as Presence goes, with supabase-js (the webphone's client): sign in,
// join presence:<campaign_id> (private) for each campaign, track {agent_id, online_at} under the
// user id on every SUBSCRIBED, and stay open until killed. One line per event on stdout
// ("tracked <campaign>", "status <campaign> <status>"); tests/presence/test_presence_js.py reads
// them and judges agent_states, this script decides nothing.
//
//   SUPABASE_URL=... SUPABASE_ANON_KEY=... USER_EMAIL=... USER_PASSWORD=... CAMPAIGNS=a,b \
//   node tests/presence/webphone_agent.mjs

import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';

const env = process.env;
// Node 20 has no WebSocket of its own; the browser's is the same protocol.
const client = createClient(env.SUPABASE_URL, env.SUPABASE_ANON_KEY, {
  auth: { persistSession: false, autoRefreshToken: false },
  realtime: { transport: WebSocket },
});

const { data, error } = await client.auth.signInWithPassword({
  email: env.USER_EMAIL, password: env.USER_PASSWORD,
});
if (error) {
  console.log(`error ${error.message}`);
  process.exit(1);
}
const userId = data.user.id;
await client.realtime.setAuth(data.session.access_token);

for (const campaign of env.CAMPAIGNS.split(',')) {
  const channel = client.channel(`presence:${campaign}`, {
    config: { private: true, presence: { key: userId } },
  });
  channel.on('presence', { event: 'sync' }, () => {});
  channel.subscribe(async (status, err) => {
    console.log(`status ${campaign} ${status}${err ? ` ${err.message}` : ''}`);
    if (status === 'SUBSCRIBED') {
      const result = await channel.track({ agent_id: userId, online_at: new Date().toISOString() });
      console.log(`tracked ${campaign} ${result}`);
    }
  });
}

// Open until killed, as a tab is until closed.
setInterval(() => {}, 60_000);
