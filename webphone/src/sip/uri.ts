// SIP addresses of agents and of the leads they dial.

/** The SIP address of an extension: sip:1001@crm.local. */
export function aorFor(extension: string, domain: string): string {
  return `sip:${extension}@${domain}`;
}

/**
 * The request URI of a lead's number: sip:34612345678@crm.local. Takes null
 * too (a lead row's phone may be missing) and refuses it like any non-E.164.
 */
export function targetFor(e164: string | null | undefined, domain: string): string {
  if (typeof e164 !== 'string' || !/^\+[1-9][0-9]{6,14}$/.test(e164)) {
    throw new TypeError(`not an E.164 number: ${String(e164)}`);
  }
  return `sip:${e164.slice(1)}@${domain}`;
}
