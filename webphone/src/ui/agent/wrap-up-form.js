// The wrap-up after a call: disposition (required), notes, and the callback
// time (required for a callback disposition, in the campaign's calling hours).

import { h, icon } from '../dom.js';
import { t, tMaybe, language } from '../../i18n/index.js';
import { formatDuration, formatTime, toDateTimeLocalValue } from '../../i18n/format';
import { describeError } from '../errors.js';

/**
 * @param {{desk: object, wrapUp: object, lead: object, dispositions: object[], onDone: (disposition: string) => void}} props
 */
export function createWrapUpForm({ desk, wrapUp, lead, dispositions, onDone }) {
  const allowed = lead?.campaign?.allowed_dispositions;
  const options = dispositions.filter((d) => !allowed || allowed.includes(d.code));
  const labelOf = (d) => (language() === 'en' ? d.label_en : d.label_es);

  const disposition = h('select', {
    id: 'wrap-up-disposition', 'data-test': 'wrap-up-disposition', name: 'disposition', required: true,
    onchange: () => syncCallback(),
  },
  h('option', { value: '' }, t('wrapUp.choose')),
  options.map((d) => h('option', { value: d.code, selected: d.code === wrapUp.suggestedDisposition, 'data-effect': d.effect }, labelOf(d))));

  const notes = h('textarea', {
    id: 'wrap-up-notes', 'data-test': 'wrap-up-notes', name: 'notes', rows: 3, maxlength: 2000,
    placeholder: t('wrapUp.notesPlaceholder'),
  });

  const inOneHour = new Date(Date.now() + 3600_000);
  inOneHour.setMinutes(Math.ceil(inOneHour.getMinutes() / 5) * 5, 0, 0);
  const callback = h('input', {
    id: 'wrap-up-callback', 'data-test': 'wrap-up-callback', name: 'callback_at', type: 'datetime-local',
    min: toDateTimeLocalValue(new Date()), step: 300,
  });
  const callbackHint = h('small', { class: 'field-hint', 'data-test': 'wrap-up-callback-hint' });
  const callbackField = h('label', { class: 'field', id: 'wrap-up-callback-field' },
    h('span', {}, t('wrapUp.callbackAt'), ' ', h('em', { class: 'required-mark', hidden: true }, '*')), callback, callbackHint);

  const error = h('p', { class: 'form-error', id: 'wrap-up-error', 'data-test': 'wrap-up-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'btn btn-primary btn-block btn-lg', type: 'submit', id: 'wrap-up-submit', 'data-test': 'wrap-up-submit' },
    icon('check'), h('span', {}, t('wrapUp.submit')));

  function effectOf(code) {
    return options.find((d) => d.code === code)?.effect ?? null;
  }

  function syncCallback() {
    const needed = effectOf(disposition.value) === 'callback';
    callback.required = needed;
    callbackField.querySelector('.required-mark').hidden = !needed;
    callbackField.classList.toggle('is-required', needed);
    callback.disabled = !needed;
    if (needed && !callback.value) callback.value = toDateTimeLocalValue(inOneHour);
    if (!needed) callback.value = '';
    const campaign = lead?.campaign;
    callbackHint.textContent = needed && campaign
      ? t('wrapUp.callbackHours', {
        from: String(campaign.calling_hours_start).slice(0, 5),
        to: String(campaign.calling_hours_end).slice(0, 5),
        zone: lead.time_zone,
        now: formatTime(new Date(), language(), lead.time_zone),
      })
      : '';
  }

  async function onSubmit(event) {
    event.preventDefault();
    error.hidden = true;
    if (!disposition.value) {
      showError(t('desk.error.disposition_required'));
      disposition.focus();
      return;
    }
    submit.disabled = true;
    try {
      await desk.submitWrapUp({
        disposition: disposition.value,
        notes: notes.value,
        callbackAt: callback.value ? new Date(callback.value) : null,
      });
      onDone(disposition.value);
    } catch (err) {
      showError(describeError(err));
    } finally {
      submit.disabled = false;
    }
  }

  function showError(text) {
    error.textContent = text;
    error.hidden = false;
  }

  const outcomeText = wrapUp.answered
    ? t('wrapUp.answered', { duration: formatDuration(wrapUp.talkSeconds) })
    : (tMaybe(`outcome.${wrapUp.outcome}`) ?? wrapUp.outcome);

  const form = h('form', { class: 'card wrap-up', id: 'wrap-up-form', 'data-test': 'wrap-up-form', onsubmit: onSubmit, novalidate: true },
    h('header', { class: 'card-header' },
      h('h2', {}, t('wrapUp.title')),
      h('span', { class: `badge outcome-${wrapUp.outcome}`, 'data-test': 'wrap-up-outcome', 'data-outcome': wrapUp.outcome }, outcomeText)),
    wrapUp.recovered ? h('p', { class: 'note note-warning', 'data-test': 'wrap-up-recovered' }, t('wrapUp.recovered')) : null,
    h('label', { class: 'field is-required' }, h('span', {}, t('wrapUp.disposition'), ' ', h('em', { class: 'required-mark' }, '*')), disposition),
    h('label', { class: 'field' }, h('span', {}, t('wrapUp.notes')), notes),
    callbackField,
    error,
    submit,
    h('p', { class: 'shortcut-hint muted' }, t('wrapUp.shortcut')));

  // Ctrl+Enter saves from anywhere in the form.
  form.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  syncCallback();
  return { el: form, focus: () => disposition.focus() };
}
