/** Pure parts of the supplier-onboarding flows: request fields, duplicate detection, status mirroring. */
export { contentStamp, floorSecond } from '../coupa-stamp';
import { soqlQuote } from '../../salesforce/query';
import type { SupplierOnboardingOptions } from './options';

export const FLOW_NAME = 'supplier-onboarding';
export const STATUS_FLOW_NAME = 'supplier-onboarding-status';
export const VENDOR_ACCOUNTS_FLOW_NAME = 'supplier-onboarding-vendor-accounts';
export const WON_OPPORTUNITIES_FLOW_NAME = 'supplier-onboarding-won-opportunities';
export const LINK_GROUP = 'supplier-onboarding';
export const REQUEST_ID_FIELD = 'salesforce-onboarding-request-id';
export const REQUEST_OBJECT = 'Coupa_Onboarding_Request__c';
/** Request states in which onboarding is under way (the LWC treats every other state as finished). */
export const OPEN_STATUSES = ['Requested', 'Submitted', 'In Progress'];
export const KEY_PREFIX = 'onboarding-request:';

export const REQUEST_FIELDS = [
  'Name',
  'Status__c',
  'Account__c',
  'CreatedDate',
  'Coupa_Supplier_Information_Id__c',
  'Account__r.Name',
  'Account__r.Type',
  'Account__r.Website',
  'Account__r.Phone',
  'Account__r.AccountNumber',
  'Account__r.BillingStreet',
  'Account__r.BillingCity',
  'Account__r.BillingState',
  'Account__r.BillingPostalCode',
  'Account__r.BillingCountry',
  'Account__r.Coupa_Supplier_Id__c'
];

export function contactFields(o: SupplierOnboardingOptions): string[] {
  return [
    'Id',
    'AccountId',
    'FirstName',
    'LastName',
    'Email',
    'Phone',
    'Title',
    'CreatedDate',
    ...(o.primaryContactField ? [o.primaryContactField] : [])
  ];
}

/** A request that must not start an onboarding; the message is written to the request's Error__c as is. */
export class OnboardingRejected extends Error {
  override name = 'OnboardingRejected';
}

const ACCOUNT_KEY_PREFIX = 'onboarding-account:';
export const accountKeyOf = (accountId: string) => `${ACCOUNT_KEY_PREFIX}${accountId}`;
export const accountIdOfKey = (key: string) =>
  key.startsWith(ACCOUNT_KEY_PREFIX) ? key.slice(ACCOUNT_KEY_PREFIX.length) : key;

/** Trigger conditions of the auto-start flows (null when that trigger is off). */
export function autoStartWhere(o: SupplierOnboardingOptions): { account: string | null; opportunity: string | null } {
  const a = o.autoStart;
  if (!a) return { account: null, opportunity: null };
  const since = new Date(Date.parse(a.since)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const list = (values: string[]) => values.map(soqlQuote).join(', ');
  return {
    account: a.accountTypes
      ? `Type IN (${list(a.accountTypes)}) AND Coupa_Supplier_Id__c = null AND Coupa_Onboarding_Status__c = null AND CreatedDate >= ${since}`
      : null,
    opportunity: a.opportunityTypes
      ? `StageName IN (${list(a.opportunityStages)}) AND Type IN (${list(a.opportunityTypes)}) AND AccountId != null AND Account.Coupa_Supplier_Id__c = null AND Account.Coupa_Onboarding_Status__c = null AND SystemModstamp >= ${since}`
      : null
  };
}

export const idempotencyKeyOf = (requestId: string) => `${KEY_PREFIX}${requestId}`;
export const requestIdOfKey = (key: string) => (key.startsWith(KEY_PREFIX) ? key.slice(KEY_PREFIX.length) : key);

type Rec = Record<string, unknown>;

/** The primary contact: the one flagged by `primaryContactField`, else the oldest with an email, else the oldest. */
export function primaryContact(contacts: Rec[], o: SupplierOnboardingOptions): Rec | null {
  if (o.primaryContactField) {
    const flagged = contacts.find((c) => c[o.primaryContactField!] === true);
    if (flagged) return flagged;
  }
  return contacts.find((c) => typeof c.Email === 'string' && c.Email) ?? contacts[0] ?? null;
}

const before = (a: Rec, b: Rec) => {
  const t = Date.parse(String(a.CreatedDate)) - Date.parse(String(b.CreatedDate));
  return t < 0 || (t === 0 && String(a.Id) < String(b.Id));
};

/**
 * Why this request must not start an onboarding, or null. `others` are the Account's other open requests.
 * Of several requests waiting at once, the oldest goes ahead; one already sent to Coupa blocks the rest.
 */
export function rejectionReason(request: Rec, others: Rec[], accountTypes: string[] | null = null): string | null {
  const account = request.Account__r as Rec | null | undefined;
  if (!account) return 'The request has no Account (it may have been deleted), so there is nothing to onboard.';
  const name = String(account.Name ?? request.Account__c);
  if (accountTypes && !accountTypes.includes(String(account.Type ?? ''))) {
    const kind = account.Type ? `a ${String(account.Type)} Account` : 'an Account without a Type';
    return `Supplier onboarding is offered for ${accountTypes.join(' and ')} Accounts; ${name} is ${kind}, so this request was not sent to Coupa.`;
  }
  if (account.Coupa_Supplier_Id__c)
    return `${name} is already linked to Coupa supplier ${String(account.Coupa_Supplier_Id__c)}; no onboarding is needed.`;
  const blocking = others
    .filter((r) => r.Id !== request.Id && OPEN_STATUSES.includes(String(r.Status__c)))
    .filter((r) => r.Status__c !== 'Requested' || r.Coupa_Supplier_Information_Id__c || before(r, request))
    .sort((a, b) => (before(a, b) ? -1 : 1))[0];
  if (blocking) {
    return `Supplier onboarding for ${name} is already in progress (request ${String(blocking.Name ?? blocking.Id)}, ${String(blocking.Status__c)}); this request was not sent to Coupa.`;
  }
  return null;
}

/** Readable reason for a Coupa refusal, for Error__c. */
export function coupaRefusal(messages: string[], fallback: string): string {
  const detail = messages.length ? messages.join('; ') : fallback;
  return `Coupa did not accept the supplier: ${detail}`;
}

/** Account values that follow a request: its status, and the supplier link once approved. */
export function accountUpdate(accountId: string, requestPayload: Rec): Rec {
  const status = requestPayload.Status__c;
  return {
    Id: accountId,
    Coupa_Onboarding_Status__c: status ?? null,
    ...(status === 'Approved' && requestPayload.Coupa_Supplier_Id__c
      ? { Coupa_Supplier_Id__c: requestPayload.Coupa_Supplier_Id__c }
      : {})
  };
}
