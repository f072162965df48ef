/** Pure matching rules for supplier ⇄ Account: name normalisation and the tiered decision. */

const LEGAL_FORMS = new Set([
  'inc', 'incorporated', 'llc', 'ltd', 'limited', 'corp', 'corporation', 'co', 'company', 'plc', 'gmbh', 'ag', 'kg',
  'sa', 'sas', 'sarl', 'srl', 'spa', 'bv', 'nv', 'oy', 'ab', 'as', 'pty', 'pte', 'kk', 'lp', 'llp', 'the',
]);

/**
 * Comparable form of a company name: accents folded, case folded, `&` read as "and", punctuation dropped,
 * legal-form suffixes ignored. "O'Reilly & Söhne GmbH" and "OReilly and Sohne" give the same key.
 */
export function normaliseName(name: string | null | undefined): string {
  if (!name) return '';
  const words = name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/['’`´]/g, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  const kept = words.filter((w) => !LEGAL_FORMS.has(w));
  return (kept.length ? kept : words).join(' ');
}

/** Country for comparison: trimmed and upper-cased; empty when unknown. */
export function normaliseCountry(country: string | null | undefined): string {
  return (country ?? '').trim().toUpperCase();
}

/** Countries match when equal, or when either side does not say. */
export function sameCountry(a: string | null | undefined, b: string | null | undefined): boolean {
  const x = normaliseCountry(a);
  const y = normaliseCountry(b);
  return !x || !y || x === y;
}

export interface Candidate {
  id: string;
  name?: string | null;
  country?: string | null;
}

/** Accounts whose normalised name equals the supplier's and whose country does not contradict it. */
export function nameCountryMatches(name: string | null | undefined, country: string | null | undefined, candidates: Candidate[]): string[] {
  const key = normaliseName(name);
  if (!key) return [];
  return candidates.filter((c) => normaliseName(c.name) === key && sameCountry(country, c.country)).map((c) => c.id);
}

export { decide, decideSync, type TierDecision } from '../shared/tiers';
