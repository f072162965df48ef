import { createElement } from 'lwc';
import CoupaSupplierPanel from 'c/coupaSupplierPanel';
import { getRecord } from 'lightning/uiRecordApi';

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

describe('c-coupa-supplier-panel', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('shows a spinner until the record arrives', () => {
    const element = mount();
    expect(element.shadowRoot.querySelector('lightning-spinner')).not.toBeNull();
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

  it('explains how to onboard when the account has no Coupa supplier', async () => {
    const element = mount();
    getRecord.emit(UNLINKED);
    await flushPromises();
    expect(text(element, '.empty-state')).toContain('not linked to a Coupa supplier');
    expect(text(element, '.empty-state')).toContain('Start supplier onboarding');
    expect(element.shadowRoot.querySelector('.supplier-details')).toBeNull();
  });

  it('says so when the user cannot see the Coupa fields', async () => {
    const element = mount();
    getRecord.emit(accountRecord({}));
    await flushPromises();
    expect(text(element, '.no-access')).toContain('Coupa Viewer permission set');
    expect(element.shadowRoot.querySelector('.supplier-details')).toBeNull();
  });

  it('shows a readable error when the record cannot be loaded', async () => {
    const element = mount();
    getRecord.error({ message: 'The requested resource does not exist' }, 404, 'Not Found');
    await flushPromises();
    expect(text(element, '.error')).toContain('The requested resource does not exist');
  });

  it('treats a 403 as no access rather than an error', async () => {
    const element = mount();
    getRecord.error([{ errorCode: 'INSUFFICIENT_ACCESS', message: 'insufficient access' }], 403, 'Forbidden');
    await flushPromises();
    expect(element.shadowRoot.querySelector('.error')).toBeNull();
    expect(element.shadowRoot.querySelector('.no-access')).not.toBeNull();
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
