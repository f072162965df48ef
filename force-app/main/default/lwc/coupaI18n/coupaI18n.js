/**
 * Helpers for Custom Labels. Labels with values are written with numbered placeholders, as the platform's own
 * labels are: 'Coupa invoices ({0})'. Translators may reorder the placeholders.
 */

/** format('Page {0} of {1}', 2, 5) → 'Page 2 of 5'. A placeholder without an argument is left as it is. */
export function format(template, ...args) {
  return String(template ?? '').replace(/\{(\d+)\}/g, (match, index) => {
    const value = args[Number(index)];
    return value === undefined || value === null ? match : String(value);
  });
}

/** Joins a list for a sentence: ['Vendor', 'Prospect'] → 'Vendor, Prospect'. */
export function list(values) {
  return (values || []).join(', ');
}

/** Parses a comma-separated design attribute ('Vendor, Prospect') into trimmed, non-empty values. */
export function parseList(text) {
  return String(text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Account types for which supplier onboarding is offered unless an admin configures others. */
export const DEFAULT_ONBOARDING_ACCOUNT_TYPES = 'Vendor, Prospect';
