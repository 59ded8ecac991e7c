// Lighthouse (npm `lighthouse`, its Node API) on the webphone, driven by
// puppeteer-core (a Lighthouse dependency) over Debian's Chromium, headless.
// Run by bench/webphone.py against a local stack:
//
//   CHROME_PATH=/usr/bin/chromium node bench/lighthouse.mjs --url http://127.0.0.1:54321 \
//     --email agent1@demo.test --password ... [--preset desktop|mobile] [--desk-path /agent]
//
// Two audits, each a cold load (no HTTP cache, no service worker, no Cache Storage):
// - sign-in: `/` signed out, Lighthouse's own storage reset;
// - desk: signs in through the page first (the session lands in localStorage), clears
//   the caches and the service worker but not the session, then audits the desk with
//   disableStorageReset so that Lighthouse keeps the session.
// Prints one JSON object: per page the category scores (0-100), LCP, FCP, TBT, CLS and
// the accessibility audits that fail.
import lighthouse from 'lighthouse';
import desktopConfig from 'lighthouse/core/config/desktop-config.js';
import puppeteer from 'puppeteer-core';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    email: { type: 'string' },
    password: { type: 'string' },
    preset: { type: 'string', default: 'desktop' },
    'desk-path': { type: 'string', default: '/agent' },
    // What shows the desk is there (the shell now; the desk's own hook after the merge).
    'desk-ready': { type: 'string', default: "[data-test='user-name']" },
  },
});
if (!args.url || !args.email || !args.password) {
  console.error('usage: node bench/lighthouse.mjs --url URL --email EMAIL --password PASSWORD');
  process.exit(2);
}
const base = args.url.replace(/\/$/, '');
const config = args.preset === 'desktop' ? desktopConfig : undefined;
const CATEGORIES = ['performance', 'accessibility', 'best-practices'];

function summary(name, lhr) {
  const score = (id) => Math.round((lhr.categories[id]?.score ?? 0) * 100);
  const value = (id) => lhr.audits[id]?.numericValue ?? null;
  const failing = lhr.categories.accessibility.auditRefs
    .map((ref) => lhr.audits[ref.id])
    .filter((audit) => audit && audit.score !== null && audit.score < 1)
    .map((audit) => ({ id: audit.id, title: audit.title,
      targets: (audit.details?.items ?? []).map((item) => item.node?.selector).filter(Boolean).slice(0, 10) }));
  return {
    page: name,
    url: lhr.finalDisplayedUrl,
    performance: score('performance'),
    accessibility: score('accessibility'),
    best_practices: score('best-practices'),
    lcp_ms: value('largest-contentful-paint'),
    fcp_ms: value('first-contentful-paint'),
    tbt_ms: value('total-blocking-time'),
    cls: value('cumulative-layout-shift'),
    accessibility_failing: failing,
    runtime_error: lhr.runtimeError ?? null,
    warnings: lhr.runWarnings,
  };
}

const flags = { logLevel: 'error', output: 'json', onlyCategories: CATEGORIES, formFactor: args.preset === 'desktop' ? 'desktop' : 'mobile' };

const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless=new', '--no-sandbox', '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream', '--no-first-run', '--disable-background-networking'],
  defaultViewport: null,
});
const out = { preset: args.preset, lighthouse: null, chromium: await browser.version(), pages: [] };
try {
  // 1. The sign-in, signed out, cold.
  const signInPage = await browser.newPage();
  const signIn = await lighthouse(`${base}/`, flags, config, signInPage);
  out.lighthouse = signIn.lhr.lighthouseVersion;
  out.pages.push(summary('sign-in', signIn.lhr));
  await signInPage.close();

  // 2. The agent's desk, signed in through the page, then cold caches but the session kept.
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  await page.goto(`${base}/`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#sign-in-email');
  await page.type('#sign-in-email', args.email);
  await page.type('#sign-in-password', args.password);
  await Promise.all([
    page.waitForSelector(args['desk-ready'], { timeout: 30_000 }),
    page.click('#sign-in-submit'),
  ]);
  const session = await page.createCDPSession();
  await session.send('Storage.clearDataForOrigin', { origin: base, storageTypes: 'service_workers,cache_storage' });
  await session.send('Network.clearBrowserCache');
  await page.goto('about:blank');
  const desk = await lighthouse(`${base}${args['desk-path']}`, { ...flags, disableStorageReset: true }, config, page);
  const deskSummary = summary('agent-desk', desk.lhr);
  // Signed in means the desk, not a bounce to the sign-in.
  deskSummary.signed_in = new URL(desk.lhr.finalDisplayedUrl).pathname.startsWith(args['desk-path']);
  out.pages.push(deskSummary);
  await context.close();
} finally {
  await browser.close();
}
console.log(JSON.stringify(out, null, 2));
