import { createElement } from 'lwc';
import CoupaSupplierPanel from 'c/coupaSupplierPanel';
import { getRecord } from 'lightning/uiRecordApi';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';

const ACCOUNT_ID = '001000000000001AAA';

function accountRecord(fields) {
  const all = { Name: 'Northwind Traders', ...fields };
  return {
    apiName: 'Account',
    id: ACCOUNT_ID,
    fields: Object.fromEntries(Object.entries(all).map(([k, value]) => [k, { value, displayValue: null }]))
  };
}

const LINKED = accountRecord({
  Coupa_Supplier_Id__c: '4711',
  Coupa_Supplier_Number__c: 'SUP-0042',
  Coupa_Supplier_Status__c: 'active',
  Coupa_Risk_Level__c: 'High',
  Coupa_Risk_Score__c: 81.5,
  Coupa_Onboarding_Status__c: 'Approved',
  Coupa_Last_Synced__c: '2026-11-27T10:15:00.000Z'
});

const UNLINKED = accountRecord({
  Type: 'Vendor',
  Coupa_Supplier_Id__c: null,
  Coupa_Supplier_Number__c: null,
  Coupa_Supplier_Status__c: null,
  Coupa_Risk_Level__c: null,
  Coupa_Risk_Score__c: null,
  Coupa_Onboarding_Status__c: null,
  Coupa_Last_Synced__c: null
});

const flushPromises = () => Promise.resolve();

function mount(props = {}) {
  const element = createElement('c-coupa-supplier-panel', { is: CoupaSupplierPanel });
  Object.assign(element, { recordId: ACCOUNT_ID, ...props });
  document.body.appendChild(element);
  return element;
}

const text = (element, selector) => element.shadowRoot.querySelector(selector)?.textContent.trim();
const state = (element) => element.shadowRoot.querySelector('c-coupa-panel-state');
const requests = (...statuses) => ({
  count: statuses.length,
  records: statuses.map((status, i) => ({
    apiName: 'Coupa_Onboarding_Request__c',
    id: `a03${String(i).padStart(15, '0')}`,
    fields: { Name: { value: `OBR-${i}` }, Status__c: { value: status } }
  }))
});

describe('c-coupa-supplier-panel', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('shows the loading state until the record arrives', () => {
    const element = mount();
    expect(state(element).variant).toBe('loading');
    expect(state(element).loadingText).toBe('Loading Coupa supplier');
  });

  it('asks for the Coupa fields as optional fields of the Account', async () => {
    mount();
    await flushPromises();
    const config = getRecord.getLastConfig();
    expect(config.recordId).toBe(ACCOUNT_ID);
    expect(config.optionalFields.map((f) => f.fieldApiName)).toEqual(
      expect.arrayContaining(['Coupa_Supplier_Id__c', 'Coupa_Risk_Level__c', 'Coupa_Last_Synced__c'])
    );
  });

  it('shows status, number, risk, onboarding and a deep link for a linked supplier', async () => {
    const element = mount({ coupaBaseUrl: 'https://acme.coupahost.com/' });
    getRecord.emit(LINKED);
    getRelatedListRecords.emit(requests('Approved'));
    await flushPromises();

    expect(text(element, '[data-id="status"]')).toBe('Active');
    expect(element.shadowRoot.querySelector('[data-id="status"]').className).toContain('slds-theme_success');
    expect(text(element, '[data-id="number"]')).toBe('SUP-0042');
    expect(text(element, '[data-id="risk"]')).toBe('High');
    expect(element.shadowRoot.querySelector('[data-id="risk"]').className).toContain('slds-theme_error');
    expect(element.shadowRoot.querySelector('[data-id="score"] lightning-formatted-number').value).toBe(81.5);
    expect(text(element, '[data-id="onboarding"]')).toBe('Approved');
    expect(element.shadowRoot.querySelector('lightning-formatted-date-time').value).toBe('2026-11-27T10:15:00.000Z');
    expect(text(element, '.high-risk')).toContain('rated High risk');
    expect(element.shadowRoot.querySelector('[data-id="coupa-link"]').href).toBe(
      'https://acme.coupahost.com/suppliers/4711'
    );
  });

  it('shows the supplier status through its Custom Label, and a status it does not know as Coupa sent it', async () => {
    const element = mount();
    getRecord.emit({
      ...LINKED,
      fields: { ...LINKED.fields, Coupa_Supplier_Status__c: { value: 'onboarding', displayValue: null } }
    });
    getRelatedListRecords.emit(requests());
    await flushPromises();
    expect(text(element, '[data-id="status"]')).toBe('Onboarding');

    getRecord.emit({
      ...LINKED,
      fields: { ...LINKED.fields, Coupa_Supplier_Status__c: { value: 'blocked', displayValue: null } }
    });
    await flushPromises();
    expect(text(element, '[data-id="status"]')).toBe('blocked');
    expect(element.shadowRoot.querySelector('[data-id="status"]').className).toBe('slds-badge');
  });

  it('hides the risk warning and the link when risk is low and no Coupa URL is configured', async () => {
    const element = mount();
    getRecord.emit(
      accountRecord({
        ...Object.fromEntries(Object.entries(LINKED.fields).map(([k, v]) => [k, v.value])),
        Coupa_Risk_Level__c: 'Low'
      })
    );
    await flushPromises();
    expect(element.shadowRoot.querySelector('.high-risk')).toBeNull();
    expect(element.shadowRoot.querySelector('[data-id="coupa-link"]')).toBeNull();
    expect(element.shadowRoot.querySelector('[data-id="risk"]').className).toContain('slds-theme_success');
  });

  it('shows the Coupa risk level and score, and says when risk is not assessed', async () => {
    const element = mount();
    getRecord.emit(
      accountRecord({
        ...Object.fromEntries(Object.entries(LINKED.fields).map(([k, v]) => [k, v.value])),
        Coupa_Risk_Level__c: 'Critical',
        Coupa_Risk_Score__c: 0
      })
    );
    await flushPromises();
    expect(text(element, '[data-id="risk"]')).toBe('Critical');
    // A score of 0 is a score.
    expect(element.shadowRoot.querySelector('[data-id="score"] lightning-formatted-number').value).toBe(0);
    expect(text(element, '.high-risk')).toBe(
      'This supplier is rated Critical risk in Coupa. Review before new business.'
    );

    getRecord.emit(
      accountRecord({
        ...Object.fromEntries(Object.entries(LINKED.fields).map(([k, v]) => [k, v.value])),
        Coupa_Risk_Level__c: null,
        Coupa_Risk_Score__c: null
      })
    );
    await flushPromises();
    expect(text(element, '[data-id="risk"]')).toBe('Not assessed');
    expect(element.shadowRoot.querySelector('[data-id="score"]')).toBeNull();
    expect(element.shadowRoot.querySelector('.high-risk')).toBeNull();
  });

  it('shows when the account was last synced, and "Never" only when it never was', async () => {
    const element = mount();
    getRecord.emit(LINKED);
    await flushPromises();
    expect(element.shadowRoot.querySelector('[data-id="synced"] lightning-formatted-date-time').value).toBe(
      '2026-11-27T10:15:00.000Z'
    );
    expect(text(element, '[data-id="synced"]')).not.toContain('Never');

    getRecord.emit(
      accountRecord({
        ...Object.fromEntries(Object.entries(LINKED.fields).map(([k, v]) => [k, v.value])),
        Coupa_Last_Synced__c: null
      })
    );
    await flushPromises();
    expect(text(element, '[data-id="synced"]')).toBe('Never');
  });

  it('takes the onboarding status from the latest request, not from a stale Account field', async () => {
    // Issue 14: a seeded vendor showed "Onboarding: Requested" before any request existed.
    const element = mount();
    getRecord.emit(
      accountRecord({
        ...Object.fromEntries(Object.entries(UNLINKED.fields).map(([k, v]) => [k, v.value])),
        Coupa_Onboarding_Status__c: 'Requested'
      })
    );
    getRelatedListRecords.emit(requests());
    await flushPromises();
    expect(text(element, '[data-id="onboarding"]')).toBe('No onboarding request');

    getRelatedListRecords.emit(requests('In Progress', 'Declined'));
    await flushPromises();
    expect(text(element, '[data-id="onboarding"]')).toBe('In Progress');
  });

  it('reads the latest onboarding request of the account', async () => {
    mount();
    await flushPromises();
    const config = getRelatedListRecords.getLastConfig();
    expect(config.parentRecordId).toBe(ACCOUNT_ID);
    expect(config.relatedListId).toBe('Coupa_Onboarding_Requests__r');
    expect(config.sortBy).toEqual(['-Coupa_Onboarding_Request__c.CreatedDate']);
    expect(config.pageSize).toBe(1);
  });

  it("falls back to the Account's onboarding status when the requests cannot be read", async () => {
    const element = mount();
    getRecord.emit(
      accountRecord({
        ...Object.fromEntries(Object.entries(UNLINKED.fields).map(([k, v]) => [k, v.value])),
        Coupa_Onboarding_Status__c: 'Submitted'
      })
    );
    getRelatedListRecords.error([{ errorCode: 'INSUFFICIENT_ACCESS', message: 'no' }], 403, 'Forbidden');
    await flushPromises();
    expect(text(element, '[data-id="onboarding"]')).toBe('Submitted');
  });

  it('explains how to onboard when the account has no Coupa supplier', async () => {
    const element = mount();
    getRecord.emit(UNLINKED);
    getRelatedListRecords.emit(requests());
    await flushPromises();
    expect(state(element).title).toBe('This account is not linked to a Coupa supplier.');
    expect(state(element).message).toContain('Start supplier onboarding');
    expect(element.shadowRoot.querySelector('.supplier-details')).toBeNull();
  });

  it('offers onboarding only for the configured account types', async () => {
    const customer = accountRecord({
      ...Object.fromEntries(Object.entries(UNLINKED.fields).map(([k, v]) => [k, v.value])),
      Type: 'Customer - Direct'
    });
    const element = mount();
    getRecord.emit(customer);
    await flushPromises();
    expect(state(element).message).toBe(
      'Coupa onboarding is offered for accounts of type Vendor, Prospect. This account is of type Customer - Direct.'
    );

    // An admin can configure the types in Lightning App Builder.
    const configured = mount({ vendorAccountTypes: 'Customer - Direct, Vendor' });
    getRecord.emit(customer);
    await flushPromises();
    expect(state(configured).message).toContain('Start supplier onboarding');
  });

  it('says so when the user cannot see the Coupa fields', async () => {
    const element = mount();
    getRecord.emit(accountRecord({}));
    await flushPromises();
    expect(state(element).variant).toBe('no-access');
    expect(state(element).message).toContain('Coupa Viewer permission set');
    expect(element.shadowRoot.querySelector('.supplier-details')).toBeNull();
  });

  it('shows a readable error when the record cannot be loaded', async () => {
    const element = mount();
    getRecord.error({ message: 'The requested resource does not exist' }, 404, 'Not Found');
    await flushPromises();
    expect(state(element).variant).toBe('error');
    expect(state(element).title).toBe('Could not load Coupa supplier data');
    expect(state(element).errors.body).toEqual({ message: 'The requested resource does not exist' });
  });

  it('treats a 403 as no access rather than an error', async () => {
    const element = mount();
    getRecord.error([{ errorCode: 'INSUFFICIENT_ACCESS', message: 'insufficient access' }], 403, 'Forbidden');
    await flushPromises();
    expect(state(element).variant).toBe('no-access');
  });

  it.each([
    ['linked', LINKED],
    ['unlinked', UNLINKED]
  ])('is accessible when %s', async (_state, record) => {
    const element = mount({ coupaBaseUrl: 'https://acme.coupahost.com' });
    getRecord.emit(record);
    await flushPromises();
    await expect(element).toBeAccessible();
  });
});
