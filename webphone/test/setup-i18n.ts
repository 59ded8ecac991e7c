// Both dictionaries for every test: the app fetches English on demand
// (app/i18n.ts), tests build their i18n instances synchronously in either language.
import { loadLanguage } from '../src/app/i18n';

await loadLanguage('en');
