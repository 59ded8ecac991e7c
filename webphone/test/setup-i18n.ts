// Both dictionaries for every test: the app fetches English on demand
// (app/i18n.ts), tests build their i18n instances synchronously in either language.
// And the lazy chunks' words, which the app adds when a chunk loads: tests render their screens directly.
import backofficeEn from '../src/i18n/backoffice.en';
import backofficeEs from '../src/i18n/backoffice.es';
import dashboardEn from '../src/i18n/dashboard.en';
import dashboardEs from '../src/i18n/dashboard.es';
import dialerEn from '../src/i18n/dialer.en';
import dialerEs from '../src/i18n/dialer.es';
import leadsEn from '../src/i18n/leads.en';
import leadsEs from '../src/i18n/leads.es';
import { addDictionaries, loadLanguage } from '../src/app/i18n';

await loadLanguage('en');
addDictionaries({ es: backofficeEs, en: backofficeEn });
addDictionaries({ es: dashboardEs, en: dashboardEn });
addDictionaries({ es: leadsEs, en: leadsEn });
addDictionaries({ es: dialerEs, en: dialerEn });
