// A lead whose personal data was erased on request (rpc/erase_lead): status
// erased, phone null, first_name '[erased]'. Nothing may call it, assign it
// or sell to it, and screens show a label instead of its placeholder name.

export function isErasedLead(
  lead: { status?: string | null; erased_at?: string | null } | null | undefined,
): boolean {
  if (!lead) return false;
  return lead.status === 'erased' || Boolean(lead.erased_at);
}
