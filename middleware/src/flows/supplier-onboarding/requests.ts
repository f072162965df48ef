/** Onboarding requests in Salesforce: their related records and how a request is marked failed. */
import type { Logger } from 'pino';
import { SalesforceApiError, soqlQuote, type SalesforceClient, type SObjectRecord, type WriteResult } from '../../salesforce';
import { contactFields, OPEN_STATUSES, primaryContact, REQUEST_OBJECT } from './logic';
import type { SupplierOnboardingOptions } from './options';

/** A Salesforce collections result's error (keeping Salesforce's code and classification), or null when it succeeded. */
export function sfError(r: WriteResult | undefined): SalesforceApiError | null {
  if (r?.success) return null;
  const e = r?.errors[0];
  const message = e ? `${e.code}: ${e.message}${e.fields.length ? ` (${e.fields.join(', ')})` : ''}` : 'no result for record';
  return new SalesforceApiError(e?.code ?? 'UNKNOWN', message, r?.failure ?? { kind: 'transient', retryable: true }, e?.fields);
}

export interface OnboardingRequests {
  /** Requests with their Account's primary contact and the Account's other open requests (two queries per page). */
  withRelated(requests: SObjectRecord[]): Promise<SObjectRecord[]>;
  /** Marks a request Failed with a reason a person can read (and the Account, when given). */
  markFailed(requestId: string, reason: string, accountId: string | null): Promise<void>;
  /** The Account a request is for, or null. */
  accountOf(requestId: string): Promise<string | null>;
}

export function onboardingRequests(sf: SalesforceClient, o: SupplierOnboardingOptions, log: Logger): OnboardingRequests {
  return {
    async withRelated(requests) {
      const accountIds = [...new Set(requests.map((r) => String(r.Account__c)).filter((id) => id && id !== 'null'))];
      const contacts = new Map<string, SObjectRecord[]>();
      const open = new Map<string, SObjectRecord[]>();
      if (accountIds.length) {
        const ids = accountIds.map(soqlQuote).join(', ');
        for (const c of await sf.queryAll(`SELECT ${contactFields(o).join(', ')} FROM Contact WHERE AccountId IN (${ids}) ORDER BY CreatedDate ASC, Id ASC`)) {
          contacts.set(String(c.AccountId), [...(contacts.get(String(c.AccountId)) ?? []), c]);
        }
        const statuses = OPEN_STATUSES.map(soqlQuote).join(', ');
        for (const r of await sf.queryAll(`SELECT Id, Name, Account__c, Status__c, CreatedDate, Coupa_Supplier_Information_Id__c FROM ${REQUEST_OBJECT} WHERE Account__c IN (${ids}) AND Status__c IN (${statuses})`)) {
          open.set(String(r.Account__c), [...(open.get(String(r.Account__c)) ?? []), r]);
        }
      }
      return requests.map((r) => ({ ...r, PrimaryContact: primaryContact(contacts.get(String(r.Account__c)) ?? [], o), OpenRequests: open.get(String(r.Account__c)) ?? [] }));
    },

    async markFailed(requestId, reason, accountId) {
      const [r] = await sf.update(REQUEST_OBJECT, [{ Id: requestId, Status__c: 'Failed', Error__c: reason }]);
      const err = sfError(r);
      if (err) throw err;
      if (accountId) {
        const [a] = await sf.update('Account', [{ Id: accountId, Coupa_Onboarding_Status__c: 'Failed' }]);
        const aerr = sfError(a);
        if (aerr) log.warn({ accountId, error: aerr.message }, 'could not mark the account failed');
      }
    },

    async accountOf(requestId) {
      const [r] = await sf.queryAll(`SELECT Account__c FROM ${REQUEST_OBJECT} WHERE Id = ${soqlQuote(requestId)}`);
      return r?.Account__c ? String(r.Account__c) : null;
    },
  };
}
