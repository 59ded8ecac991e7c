// The SIP headers the webphone adds to its INVITE for the PBX side:
// X-CRM-Call-Id (the calls row, so the AMI bridge matches it) and
// X-CRM-Record (whether Asterisk should record the call at all).

export type RecordHeader = 'yes' | 'no';

/**
 * "no" when the call must not be recorded: the database marked the new call
 * not_recorded (the campaign does not record, or the lead refused before) or
 * the campaign has recording switched off; "yes" otherwise. A lead who
 * refuses during this call is handled later: the worker discards the file.
 * @param call the row rpc/start_call returned
 * @param campaign the lead's campaign
 */
export function recordHeaderValue(
  call: { recording_status?: string | null } | null | undefined,
  campaign: { recording_enabled?: boolean | null } | null = null,
): RecordHeader {
  if (call?.recording_status === 'not_recorded') return 'no';
  if (campaign?.recording_enabled === false) return 'no';
  return 'yes';
}

/**
 * The extra headers of an INVITE, as JsSIP takes them ("Name: value").
 * `record` is a string, not RecordHeader, because anything else than yes or
 * no must be dropped rather than sent to the PBX.
 */
export function crmCallHeaders(
  { crmCallId = null, record = null }: { crmCallId?: string | null; record?: string | null } = {},
): string[] {
  const headers: string[] = [];
  if (crmCallId) headers.push(`X-CRM-Call-Id: ${crmCallId}`);
  if (record === 'yes' || record === 'no') headers.push(`X-CRM-Record: ${record}`);
  return headers;
}
