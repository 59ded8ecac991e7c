// The product editor's form: zod schema (messages are i18n keys naming the
// field) and the conversions to and from the products row. Pure, unit-tested.
import { z } from 'zod';
import type { Database, Json } from '../../../types/database';

type Enums = Database['public']['Enums'];
export type InsuranceLine = Enums['insurance_line'];
export type PaymentFrequency = Enums['payment_frequency'];
export const LINES: readonly InsuranceLine[] = ['life', 'health', 'dental', 'auto', 'home', 'travel', 'accident', 'funeral', 'pet'];
export const FREQUENCIES: readonly PaymentFrequency[] = ['monthly', 'quarterly', 'yearly', 'single'];
/** What a sale of a product may be required to capture (products.sale_requirements, checked by the database). */
export const SALE_REQUIREMENTS = ['policy_holder_id', 'iban', 'birth_date', 'address', 'beneficiary', 'start_date', 'policy_number'] as const;
export type SaleRequirement = (typeof SALE_REQUIREMENTS)[number];

const money = (key: string, optional: boolean) => z.string().trim().refine((v) => {
  if (!v) return optional;
  const n = Number(v.replace(',', '.'));
  return /^\d+([.,]\d{1,2})?$/.test(v) && n > 0 && n < 1e12;
}, key);

export const productSchema = z.object({
  code: z.string().trim().regex(/^[A-Z0-9][A-Z0-9_-]{1,31}$/, 'backoffice.product.error.code'),
  name: z.string().trim().min(1, 'backoffice.product.error.name').max(200, 'backoffice.product.error.name'),
  description: z.string().max(4000, 'backoffice.product.error.description'),
  line: z.enum(LINES as [InsuranceLine, ...InsuranceLine[]]),
  premium: money('backoffice.product.error.premium', false),
  currency: z.string().trim().regex(/^[A-Z]{3}$/, 'backoffice.product.error.currency'),
  frequency: z.enum(FREQUENCIES as [PaymentFrequency, ...PaymentFrequency[]]),
  coverageAmount: money('backoffice.product.error.coverage', true),
  coverageSummary: z.string().max(4000, 'backoffice.product.error.coverageSummary'),
  saleRequirements: z.array(z.enum(SALE_REQUIREMENTS)),
});

export type ProductForm = z.input<typeof productSchema>;

export const NEW_PRODUCT: ProductForm = {
  code: '', name: '', description: '', line: 'life', premium: '', currency: 'EUR', frequency: 'monthly',
  coverageAmount: '', coverageSummary: '', saleRequirements: [],
};

export interface ProductSettings {
  code: string;
  name: string;
  description: string;
  insurance_line: InsuranceLine;
  premium: number;
  currency: string;
  payment_frequency: PaymentFrequency;
  coverage_amount: number | null;
  coverage_summary: string;
  sale_requirements: Json;
}

export function toProductForm(p: ProductSettings): ProductForm {
  const reqs: unknown[] = Array.isArray(p.sale_requirements) ? p.sale_requirements : [];
  return {
    code: p.code,
    name: p.name,
    description: p.description,
    line: p.insurance_line,
    premium: p.premium.toFixed(2),
    currency: p.currency,
    frequency: p.payment_frequency,
    coverageAmount: p.coverage_amount === null ? '' : p.coverage_amount.toFixed(2),
    coverageSummary: p.coverage_summary,
    saleRequirements: SALE_REQUIREMENTS.filter((r) => reqs.includes(r)),
  };
}

const amount = (v: string) => Number(v.trim().replace(',', '.'));

export function toProductRow(f: z.output<typeof productSchema>): ProductSettings {
  return {
    code: f.code.trim(),
    name: f.name.trim(),
    description: f.description,
    insurance_line: f.line,
    premium: amount(f.premium),
    currency: f.currency.trim(),
    payment_frequency: f.frequency,
    coverage_amount: f.coverageAmount.trim() ? amount(f.coverageAmount) : null,
    coverage_summary: f.coverageSummary,
    // In the order the list shows them.
    sale_requirements: SALE_REQUIREMENTS.filter((r) => f.saleRequirements.includes(r)),
  };
}
