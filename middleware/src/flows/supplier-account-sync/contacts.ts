/** The supplier's primary contact as a Contact on its Account: read from the supplier, matched by email (or last name). */
import type { SalesforceClient, SObjectRecord } from '../../salesforce';
import { soqlIn } from '../shared/io';
import { chunks } from '../shared/salesforce-writes';
import { textOrNull } from '../shared/values';

export interface PrimaryContact {
  FirstName: string | null;
  LastName: string;
  Email: string | null;
}

/** The Contact a supplier's primary contact gives (a last name is required: the email's local part stands in). */
export function primaryContactOf(supplier: Record<string, unknown>): PrimaryContact | null {
  const c = supplier['primary-contact'] as Record<string, unknown> | null | undefined;
  if (!c) return null;
  const email = textOrNull(c.email);
  const last = textOrNull(c['name-family']) ?? (email ? email.split('@')[0] : null);
  if (!last) return null;
  return { FirstName: textOrNull(c['name-given']), LastName: last, Email: email };
}

/**
 * Creates or updates each Account's primary Contact: one query for the Accounts' Contacts per 200, one collection
 * call per operation. Returns the reason by Account Id for those that failed.
 */
export async function upsertContacts(sf: SalesforceClient, accounts: Array<{ accountId: string; contact: PrimaryContact }>): Promise<Map<string, string>> {
  const failures = new Map<string, string>();
  if (accounts.length === 0) return failures;
  const existing: Array<{ Id: string; AccountId: string; Email: string | null; LastName: string }> = [];
  for (const part of chunks([...new Set(accounts.map((a) => a.accountId))], 200)) {
    existing.push(...(await sf.queryAll<{ Id: string; AccountId: string; Email: string | null; LastName: string }>(`SELECT Id, AccountId, Email, LastName FROM Contact WHERE ${soqlIn('AccountId', part)}`)));
  }
  const creates: Array<{ accountId: string; rec: SObjectRecord }> = [];
  const updates: Array<{ accountId: string; rec: SObjectRecord }> = [];
  for (const { accountId, contact } of accounts) {
    const same = existing.find(
      (c) => c.AccountId === accountId && (contact.Email ? c.Email?.toLowerCase() === contact.Email.toLowerCase() : c.LastName === contact.LastName),
    );
    if (same) updates.push({ accountId, rec: { Id: same.Id, ...contact } });
    else creates.push({ accountId, rec: { AccountId: accountId, ...contact } });
  }
  for (const [op, list] of [['create', creates], ['update', updates]] as const) {
    if (list.length === 0) continue;
    const results = await sf.write(op, 'Contact', list.map((l) => l.rec));
    results.forEach((r, i) => {
      if (!r.success) failures.set(list[i].accountId, `primary contact: ${r.errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`);
    });
  }
  return failures;
}
