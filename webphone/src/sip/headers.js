// The SIP headers the webphone adds to its INVITE for the PBX side:
// X-CRM-Call-Id (the calls row, so the AMI bridge matches it) and
// X-CRM-Record (whether Asterisk should record the call at all).

/**
 * "no" when the call must not be recorded: the database marked the new call
 * not_recorded (the campaign does not record, or the lead refused before) or
 * the campaign has recording switched off; "yes" otherwise. A lead who
 * refuses during this call is handled later: the worker discards the file.
 * @param {{recording_status?: string|null}} call the row rpc/start_call returned
 * @param {{recording_enabled?: boolean}|null} campaign the lead's campaign
 */
export function recordHeaderValue(call, campaign = null) {
  if (call?.recording_status === 'not_recorded') return 'no';
  if (campaign?.recording_enabled === false) return 'no';
  return 'yes';
}

/** The extra headers of an INVITE, as JsSIP takes them ("Name: value"). */
export function crmCallHeaders({ crmCallId = null, record = null } = {}) {
  const headers = [];
  if (crmCallId) headers.push(`X-CRM-Call-Id: ${crmCallId}`);
  if (record === 'yes' || record === 'no') headers.push(`X-CRM-Record: ${record}`);
  return headers;
}
