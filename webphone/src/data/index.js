// The data layer bound to one Supabase client: every function the screens
// use, by name. One function per RPC and per table query (see the modules).

import * as auth from './auth.js';
import * as leads from './leads.js';
import * as calls from './calls.js';
import * as sales from './sales.js';
import * as catalog from './catalog.js';
import * as callbacks from './callbacks.js';
import * as floor from './floor.js';
import * as reports from './reports.js';
import * as admin from './admin.js';
import * as compliance from './compliance.js';

const MODULES = [auth, leads, calls, sales, catalog, callbacks, floor, reports, admin, compliance];

/** { name: (...args) => fn(supabase, ...args) } for every exported function. */
export function bindApi(supabase) {
  const api = {};
  for (const mod of MODULES) {
    for (const [name, fn] of Object.entries(mod)) {
      if (typeof fn === 'function') api[name] = (...args) => fn(supabase, ...args);
    }
  }
  return api;
}
