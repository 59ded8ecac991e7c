// When to renew short-lived SIP credentials (rpc/sip_credentials): pure, so
// the schedule is tested without timers.

const MIN_MARGIN_MS = 60_000;
const MIN_DELAY_MS = 5_000;

/**
 * Milliseconds from now until the credentials should be renewed: a margin
 * before they expire (a fifth of their lifetime, at least one minute), never
 * sooner than five seconds so a clock skew cannot make a busy loop.
 * @param expiresAt when the credentials stop working (the RPC gives an ISO string)
 * @param issuedAt ms epoch when they were received
 * @param now ms epoch
 */
export function renewalDelayMs(expiresAt: string | number | Date, issuedAt: number, now: number): number {
  const expires = new Date(expiresAt).getTime();
  if (!Number.isFinite(expires)) return MIN_DELAY_MS;
  const lifetime = Math.max(0, expires - issuedAt);
  const margin = Math.max(MIN_MARGIN_MS, lifetime / 5);
  return Math.max(MIN_DELAY_MS, Math.round(expires - margin - now));
}

/** Retry delay after the n-th failed renewal (1, 2, ...): 5 s, 10 s, 20 s, capped at 60 s. */
export function retryDelayMs(attempt: number): number {
  const n = Math.max(1, Math.floor(attempt));
  return Math.min(60_000, 5_000 * 2 ** (n - 1));
}
