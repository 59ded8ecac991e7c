// SIP addresses of agents and of the leads they dial.

/** The SIP address of an extension: sip:1001@crm.local. */
export function aorFor(extension, domain) {
  return `sip:${extension}@${domain}`;
}

/** The request URI of a lead's number: sip:34612345678@crm.local. */
export function targetFor(e164, domain) {
  if (typeof e164 !== 'string' || !/^\+[1-9][0-9]{6,14}$/.test(e164)) {
    throw new TypeError(`not an E.164 number: ${e164}`);
  }
  return `sip:${e164.slice(1)}@${domain}`;
}
