// How a lead is named on screen: its name, or "personal data erased" for a
// lead erased on request (whose first_name is the placeholder '[erased]').

import { t } from '../i18n/index.js';
import { formatPhone } from '../i18n/format';
import { isErasedLead } from '../desk/erased';

export { isErasedLead };

export function leadName(lead) {
  if (isErasedLead(lead)) return t('lead.erased');
  return `${lead?.first_name ?? ''} ${lead?.last_name ?? ''}`.trim();
}

/** The lead's phone for reading, or '' (an erased lead has none). */
export function leadPhone(lead) {
  return lead?.phone ? formatPhone(lead.phone) : '';
}
