// Register a sale on the lead in hand: product, premium, policy number.
// The sale is pending until a supervisor validates it.

import { h, icon, mount } from '../dom.js';
import { t, tMaybe, language } from '../../i18n/index.js';
import { formatCurrency } from '../../i18n/format';
import { describeError } from '../errors.js';

/**
 * @param {{desk: object, lead: object, products: object[], onSaved: (sale: object) => void}} props
 */
export function createSaleForm({ desk, lead, products, onSaved }) {
  const forCampaign = products.filter((p) => p.campaign_ids.includes(lead.campaign_id));

  const product = h('select', { id: 'sale-product', 'data-test': 'sale-product', name: 'product_id', required: true, onchange: () => syncProduct() },
    h('option', { value: '' }, t('sale.chooseProduct')),
    forCampaign.map((p) => h('option', { value: p.id }, `${p.name} · ${p.code}`)));
  const premium = h('input', {
    id: 'sale-premium', 'data-test': 'sale-premium', name: 'premium', type: 'number', min: '0.01', step: '0.01',
    inputmode: 'decimal', required: true,
  });
  const currency = h('small', { class: 'field-hint', 'data-test': 'sale-currency' }, '');
  const productInfo = h('p', { class: 'field-hint', 'data-test': 'sale-product-info' });
  const policy = h('input', {
    id: 'sale-policy', 'data-test': 'sale-policy', name: 'policy_number', type: 'text', maxlength: 40,
    pattern: '[A-Za-z0-9][A-Za-z0-9\\/\\-]{2,39}', placeholder: 'POL-2026-000123', autocomplete: 'off',
  });
  const notes = h('input', { id: 'sale-notes', 'data-test': 'sale-notes', name: 'notes', type: 'text', maxlength: 500 });
  const error = h('p', { class: 'form-error', 'data-test': 'sale-error', role: 'alert', hidden: true });
  const submit = h('button', { class: 'btn btn-sale btn-block', type: 'submit', id: 'sale-submit', 'data-test': 'sale-submit' },
    icon('euro'), h('span', {}, t('sale.submit')));

  function selected() {
    return forCampaign.find((p) => p.id === product.value) ?? null;
  }

  function syncProduct() {
    const p = selected();
    if (!p) {
      currency.textContent = '';
      productInfo.textContent = '';
      return;
    }
    premium.value = Number(p.premium).toFixed(2);
    currency.textContent = `${p.currency} / ${tMaybe(`frequency.${p.payment_frequency}`) ?? p.payment_frequency}`;
    productInfo.textContent = [
      tMaybe(`line.${p.insurance_line}`) ?? p.insurance_line,
      t('sale.basePremium', { amount: formatCurrency(p.premium, p.currency, language()) }),
      p.coverage_summary,
    ].filter(Boolean).join(' · ');
  }

  async function onSubmit(event) {
    event.preventDefault();
    error.hidden = true;
    if (!product.value) return showError(t('desk.error.product_required'), product);
    if (!(Number(premium.value) > 0)) return showError(t('desk.error.premium_invalid'), premium);
    if (policy.value && !policy.checkValidity()) return showError(t('sale.policyInvalid'), policy);
    submit.disabled = true;
    try {
      const sale = await desk.registerSale({
        productId: product.value, premium: premium.value, policyNumber: policy.value, notes: notes.value,
      });
      form.reset();
      syncProduct();
      onSaved(sale);
    } catch (err) {
      showError(describeError(err));
    } finally {
      submit.disabled = false;
    }
    return undefined;
  }

  function showError(text, field = null) {
    error.textContent = text;
    error.hidden = false;
    field?.focus();
  }

  const form = h('form', { class: 'sale-form', id: 'sale-form', 'data-test': 'sale-form', onsubmit: onSubmit, novalidate: true },
    h('label', { class: 'field is-required' }, h('span', {}, t('sale.product'), ' ', h('em', { class: 'required-mark' }, '*')), product, productInfo),
    h('div', { class: 'field-row' },
      h('label', { class: 'field is-required' }, h('span', {}, t('sale.premium'), ' ', h('em', { class: 'required-mark' }, '*')),
        premium, currency),
      h('label', { class: 'field' }, h('span', {}, t('sale.policyNumber')), policy)),
    h('label', { class: 'field' }, h('span', {}, t('sale.notes')), notes),
    error,
    submit);

  if (forCampaign.length === 0) {
    mount(form, h('p', { class: 'empty', 'data-test': 'sale-no-products' }, t('sale.noProducts')));
  }

  const el = h('details', { class: 'card sale-card', id: 'sale-card', 'data-test': 'sale-card' },
    h('summary', { class: 'card-header', 'data-test': 'sale-toggle' }, h('h2', {}, icon('euro'), ' ', t('sale.title')), h('span', { class: 'muted small' }, t('sale.shortcut'))),
    form);

  return {
    el,
    open() {
      el.open = true;
      product.focus();
    },
  };
}
