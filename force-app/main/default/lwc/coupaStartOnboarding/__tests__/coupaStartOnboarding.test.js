import { createElement } from 'lwc';
import CoupaStartOnboarding from 'c/coupaStartOnboarding';
import { getRecord, createRecord, notifyRecordUpdateAvailable } from 'lightning/uiRecordApi';
import { getObjectInfo } from 'lightning/uiObjectInfoApi';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';
import { subscribe, unsubscribe, isEmpEnabled, onError } from 'lightning/empApi';
import { CHANNEL, POLL_INTERVAL_MS } from '../coupaStartOnboarding';

// lightning/actions has no sfdx-lwc-jest stub.
jest.mock(
  'lightning/actions',
  () => ({
    CloseActionScreenEvent: class CloseActionScreenEvent extends CustomEvent {
      constructor() {
        super('close');
      }
    }
  }),
  { virtual: true }
);

const ACCOUNT_ID = '001000000000001AAA';
const NEW_REQUEST_ID = 'a03000000000001AAA';
const OPEN_REQUEST_ID = 'a03000000000002AAA';

const rec = (apiName, id, fields) => ({
  apiName,
  id,
  fields: Object.fromEntries(Object.entries(fields).map(([k, value]) => [k, { value, displayValue: null }]))
});
const account = (fields = {}) =>
  rec('Account', ACCOUNT_ID, { Name: 'Northwind Traders', Type: 'Vendor', Coupa_Supplier_Id__c: null, ...fields });
const request = (id, status, extra = {}) =>
  rec('Coupa_Onboarding_Request__c', id, {
    Name: id === NEW_REQUEST_ID ? 'OBR-00002' : 'OBR-00001',
    Status__c: status,
    Error__c: null,
    Coupa_SIM_Status__c: null,
    ...extra
  });
const list = (records) => ({ count: records.length, currentPageToken: null, nextPageToken: null, records });

const flushPromises = () => new Promise((resolve) => process.nextTick(resolve));

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const text = (element, selector) => $(element, selector)?.textContent.replace(/\s+/g, ' ').trim();

async function mount() {
  const element = createElement('c-coupa-start-onboarding', { is: CoupaStartOnboarding });
  element.recordId = ACCOUNT_ID;
  document.body.appendChild(element);
  await flushPromises();
  return element;
}

/** Loads the account, the object info and the existing requests. */
async function load({ createable = true, acct = account(), requests = [] } = {}) {
  getObjectInfo.emit({ apiName: 'Coupa_Onboarding_Request__c', createable });
  getRecord.emit(acct, (config) => config.recordId === ACCOUNT_ID);
  getRelatedListRecords.emit(list(requests));
  await flushPromises();
}

async function emitTracked(id, status, extra) {
  getRecord.emit(request(id, status, extra), (config) => config.recordId === id);
  await flushPromises();
}

describe('c-coupa-start-onboarding', () => {
  beforeEach(() => {
    isEmpEnabled.mockResolvedValue(true);
    subscribe.mockResolvedValue({ id: 'sub-1', channel: CHANNEL });
    createRecord.mockResolvedValue({ id: NEW_REQUEST_ID, apiName: 'Coupa_Onboarding_Request__c', fields: {} });
  });

  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
    jest.useRealTimers();
  });

  it('shows a spinner while it loads', async () => {
    const element = await mount();
    expect($(element, 'lightning-spinner')).not.toBeNull();
  });

  it("looks up the account's recent onboarding requests", async () => {
    await mount();
    const config = getRelatedListRecords.getLastConfig();
    expect(config.parentRecordId).toBe(ACCOUNT_ID);
    expect(config.relatedListId).toBe('Coupa_Onboarding_Requests__r');
    expect(config.optionalFields).toEqual(
      expect.arrayContaining(['Coupa_Onboarding_Request__c.Status__c', 'Coupa_Onboarding_Request__c.Error__c'])
    );
    expect(getObjectInfo.getLastConfig().objectApiName).toEqual({ objectApiName: 'Coupa_Onboarding_Request__c' });
  });

  it('asks for confirmation, then creates the request with createRecord', async () => {
    const element = await mount();
    await load();
    expect(text(element, '.confirm')).toContain('Start onboarding Northwind Traders as a Coupa supplier?');

    $(element, '[data-id="start"]').click();
    await flushPromises();

    expect(createRecord).toHaveBeenCalledWith({
      apiName: 'Coupa_Onboarding_Request__c',
      fields: { Account__c: ACCOUNT_ID, Status__c: 'Requested' }
    });
    expect(getRecord.getLastConfig().recordId).toBe(NEW_REQUEST_ID);
    await emitTracked(NEW_REQUEST_ID, 'Requested');
    expect(text(element, '.progress-heading')).toBe('Onboarding request OBR-00002 created');
    expect($(element, 'lightning-progress-indicator').currentStep).toBe('Requested');
    expect(text(element, '[data-id="status"]')).toContain('Waiting for the connector');
  });

  it('announces success with a toast', async () => {
    const element = await mount();
    await load();
    const toast = jest.fn();
    element.addEventListener('lightning__showtoast', toast);
    $(element, '[data-id="start"]').click();
    await flushPromises();
    expect(toast).toHaveBeenCalledTimes(1);
    expect(toast.mock.calls[0][0].detail).toEqual(
      expect.objectContaining({ title: 'Supplier onboarding started', variant: 'success' })
    );
  });

  it('follows the request over the change-data-capture channel', async () => {
    const element = await mount();
    await load();
    $(element, '[data-id="start"]').click();
    await flushPromises();
    await emitTracked(NEW_REQUEST_ID, 'Requested');

    expect(subscribe).toHaveBeenCalledWith(CHANNEL, -1, expect.any(Function));
    expect(onError).toHaveBeenCalled();
    expect(text(element, '.live')).toBe('Updates appear here as the connector works.');
    const onMessage = subscribe.mock.calls[0][2];

    // Another record's change: ignored.
    onMessage({ data: { payload: { ChangeEventHeader: { recordIds: ['a03000000000099AAA'] } } } });
    expect(notifyRecordUpdateAvailable).not.toHaveBeenCalled();

    // Ours (CDC may carry the 18-character Id): LDS refetches the record.
    onMessage({ data: { payload: { ChangeEventHeader: { recordIds: [NEW_REQUEST_ID] } } } });
    expect(notifyRecordUpdateAvailable).toHaveBeenCalledWith([{ recordId: NEW_REQUEST_ID }]);

    await emitTracked(NEW_REQUEST_ID, 'Submitted');
    expect($(element, 'lightning-progress-indicator').currentStep).toBe('Submitted');
    await emitTracked(NEW_REQUEST_ID, 'In Progress');
    expect($(element, 'lightning-progress-indicator').currentStep).toBe('In Progress');
    await emitTracked(NEW_REQUEST_ID, 'Approved');
    expect($(element, 'lightning-progress-indicator').currentStep).toBe('Approved');
    // The Account is refreshed so the supplier panel shows the new link.
    expect(notifyRecordUpdateAvailable).toHaveBeenCalledWith([{ recordId: ACCOUNT_ID }]);
    expect(text(element, '[data-id="status"]')).toContain('now linked to the Coupa supplier');
    // Finished: the subscription is dropped.
    expect(unsubscribe).toHaveBeenCalledWith({ id: 'sub-1', channel: CHANNEL }, expect.any(Function));
    expect($(element, '.live')).toBeNull();
  });

  it('falls back to polling when the Streaming API is not available', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    isEmpEnabled.mockResolvedValue(false);
    const element = await mount();
    await load();
    $(element, '[data-id="start"]').click();
    await flushPromises();
    await emitTracked(NEW_REQUEST_ID, 'Requested');

    expect(subscribe).not.toHaveBeenCalled();
    expect(text(element, '.live')).toBe('Checking for updates every few seconds.');
    jest.advanceTimersByTime(POLL_INTERVAL_MS);
    expect(notifyRecordUpdateAvailable).toHaveBeenCalledWith([{ recordId: NEW_REQUEST_ID }]);

    await emitTracked(NEW_REQUEST_ID, 'Declined');
    notifyRecordUpdateAvailable.mockClear();
    jest.advanceTimersByTime(POLL_INTERVAL_MS * 3);
    expect(notifyRecordUpdateAvailable).not.toHaveBeenCalled();
  });

  it('shows a failed request with the connector error', async () => {
    const element = await mount();
    await load();
    $(element, '[data-id="start"]').click();
    await flushPromises();
    await emitTracked(NEW_REQUEST_ID, 'Failed', { Error__c: 'Coupa rejected the supplier: duplicate tax id' });
    const indicator = $(element, 'lightning-progress-indicator');
    expect(indicator.hasError).toBe(true);
    expect(indicator.currentStep).toBe('Submitted');
    expect(text(element, '.request-error')).toBe('Coupa rejected the supplier: duplicate tax id');
  });

  it('lets the user check the status by hand', async () => {
    const element = await mount();
    await load();
    $(element, '[data-id="start"]').click();
    await flushPromises();
    await emitTracked(NEW_REQUEST_ID, 'Submitted');
    notifyRecordUpdateAvailable.mockClear();
    $(element, '[data-id="refresh"]').click();
    expect(notifyRecordUpdateAvailable).toHaveBeenCalledWith([{ recordId: NEW_REQUEST_ID }]);
  });

  it('refuses politely and shows progress when a request is already open', async () => {
    const element = await mount();
    await load({ requests: [request(OPEN_REQUEST_ID, 'Submitted'), request('a03000000000003AAA', 'Failed')] });
    expect(getRecord.getLastConfig().recordId).toBe(OPEN_REQUEST_ID);
    await emitTracked(OPEN_REQUEST_ID, 'Submitted');

    expect($(element, '[data-id="start"]')).toBeNull();
    expect(text(element, '.progress-heading')).toBe(
      'An onboarding request (OBR-00001) is already open for this account'
    );
    expect($(element, 'lightning-progress-indicator').currentStep).toBe('Submitted');
    expect(createRecord).not.toHaveBeenCalled();
  });

  it('says how a followed request ended: approved, not "already open"', async () => {
    // Issue 14: the modal said "already open" after the request was Approved.
    const element = await mount();
    await load({ requests: [request(OPEN_REQUEST_ID, 'In Progress')] });
    await emitTracked(OPEN_REQUEST_ID, 'In Progress');
    expect(text(element, '.progress-heading')).toContain('already open');
    await emitTracked(OPEN_REQUEST_ID, 'Approved');
    expect(text(element, '.progress-heading')).toBe('Onboarding request OBR-00001 approved');
    expect(text(element, '[data-id="status"]')).toContain('Approved');
    expect($(element, '.live')).toBeNull();
  });

  it('shows the approved latest request instead of offering a new one', async () => {
    const element = await mount();
    await load({ requests: [request(OPEN_REQUEST_ID, 'Approved'), request('a03000000000003AAA', 'Failed')] });
    expect(getRecord.getLastConfig().recordId).toBe(OPEN_REQUEST_ID);
    await emitTracked(OPEN_REQUEST_ID, 'Approved');
    expect($(element, '[data-id="start"]')).toBeNull();
    expect(text(element, '.progress-heading')).toBe('Onboarding request OBR-00001 approved');
    expect($(element, 'lightning-progress-indicator').currentStep).toBe('Approved');
  });

  it('says how a request ended when it was declined or failed', async () => {
    const element = await mount();
    await load();
    $(element, '[data-id="start"]').click();
    await flushPromises();
    await emitTracked(NEW_REQUEST_ID, 'Declined');
    expect(text(element, '.progress-heading')).toBe('Onboarding request OBR-00002 declined');
    await emitTracked(NEW_REQUEST_ID, 'Failed');
    expect(text(element, '.progress-heading')).toBe('Onboarding request OBR-00002 failed');
  });

  it('offers onboarding only for the configured account types', async () => {
    const element = await mount();
    await load({ acct: account({ Type: 'Customer - Direct' }) });
    expect($(element, '[data-id="start"]')).toBeNull();
    expect(text(element, '.not-offered')).toBe(
      'Supplier onboarding is offered for accounts of type Vendor, Prospect. Northwind Traders is of type Customer - Direct.'
    );
    let accountConfig;
    getRecord.emit(undefined, (config) => {
      accountConfig = config.recordId === ACCOUNT_ID ? config : accountConfig;
      return false;
    });
    expect(accountConfig.optionalFields.map((f) => f.fieldApiName)).toContain('Type');
  });

  it('offers onboarding to a prospect', async () => {
    const element = await mount();
    await load({ acct: account({ Type: 'Prospect' }) });
    expect($(element, '[data-id="start"]')).not.toBeNull();
    expect($(element, '.not-offered')).toBeNull();
  });

  it('offers a new request when the earlier ones are finished', async () => {
    const element = await mount();
    await load({ requests: [request(OPEN_REQUEST_ID, 'Declined')] });
    expect($(element, '[data-id="start"]')).not.toBeNull();
  });

  it('refuses politely when the account is already a Coupa supplier', async () => {
    const element = await mount();
    await load({ acct: account({ Coupa_Supplier_Id__c: '4711' }) });
    expect(text(element, '.already-linked')).toContain('already a Coupa supplier (Coupa supplier ID 4711)');
    expect($(element, '[data-id="start"]')).toBeNull();
  });

  it('refuses politely without the Coupa Onboarding Requester permission set', async () => {
    const element = await mount();
    await load({ createable: false });
    expect(text(element, '.no-access')).toContain('Coupa Onboarding Requester permission set');
    expect($(element, '[data-id="start"]')).toBeNull();
  });

  it('treats an object the user cannot see as no access', async () => {
    const element = await mount();
    getObjectInfo.error({ message: 'not accessible' }, 403, 'Forbidden');
    getRelatedListRecords.error([{ errorCode: 'INSUFFICIENT_ACCESS', message: 'no' }], 403, 'Forbidden');
    getRecord.emit(account(), (config) => config.recordId === ACCOUNT_ID);
    await flushPromises();
    expect($(element, '.no-access')).not.toBeNull();
    expect($(element, '.error')).toBeNull();
  });

  it('shows a readable error when saving fails, and allows another try', async () => {
    createRecord.mockRejectedValueOnce({
      body: { message: 'An unexpected error occurred', output: { errors: [{ message: 'Validation failed' }] } }
    });
    const element = await mount();
    await load();
    $(element, '[data-id="start"]').click();
    await flushPromises();
    expect(text(element, '.save-error')).toBe('Could not start onboarding: Validation failed');
    expect($(element, '[data-id="start"]').disabled).toBe(false);

    $(element, '[data-id="start"]').click();
    await flushPromises();
    expect(createRecord).toHaveBeenCalledTimes(2);
    expect($(element, '.save-error')).toBeNull();
  });

  it('shows a readable error when the account cannot be loaded', async () => {
    const element = await mount();
    getObjectInfo.emit({ apiName: 'Coupa_Onboarding_Request__c', createable: true });
    getRecord.error({ message: 'Record deleted' }, 404, 'Not Found');
    await flushPromises();
    expect(text(element, '.error')).toContain('Record deleted');
  });

  it('closes the action on Cancel', async () => {
    const element = await mount();
    await load();
    const close = jest.fn();
    element.addEventListener('close', close);
    $(element, '[data-id="cancel"]').click();
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('unsubscribes when closed', async () => {
    const element = await mount();
    await load({ requests: [request(OPEN_REQUEST_ID, 'In Progress')] });
    await emitTracked(OPEN_REQUEST_ID, 'In Progress');
    document.body.removeChild(element);
    expect(unsubscribe).toHaveBeenCalled();
  });

  describe('English texts (from Custom Labels)', () => {
    const buttons = (element) =>
      [...element.shadowRoot.querySelectorAll('lightning-button')].map((b) => [b.dataset.id, b.label]);

    it('asks for confirmation with the account name in bold', async () => {
      const element = await mount();
      expect($(element, 'lightning-quick-action-panel').header).toBe('Start supplier onboarding');
      expect($(element, 'lightning-spinner').alternativeText).toBe('Loading');
      await load();
      expect($(element, '.confirm p').textContent).toBe(
        'Start onboarding Northwind Traders as a Coupa supplier? The connector creates a supplier information request in Coupa and reports its progress here.'
      );
      expect($(element, '.confirm strong').textContent).toBe('Northwind Traders');
      expect(buttons(element)).toEqual([
        ['cancel', 'Cancel'],
        ['start', 'Start onboarding']
      ]);
    });

    it('names the steps and explains every status', async () => {
      const element = await mount();
      await load({ requests: [request(OPEN_REQUEST_ID, 'Requested')] });
      const explained = {};
      for (const status of ['Requested', 'Submitted', 'In Progress', 'Approved', 'Declined', 'Failed', 'On Hold']) {
        // One status after the other, as the connector writes them.
        // eslint-disable-next-line no-await-in-loop
        await emitTracked(OPEN_REQUEST_ID, status);
        explained[status] = text(element, '[data-id="status"] span');
      }
      expect(explained).toEqual({
        Requested: 'Waiting for the connector to pick up the request.',
        Submitted: 'Submitted to Coupa. The supplier information record is being prepared.',
        'In Progress': 'Coupa is collecting supplier information or waiting for approval.',
        Approved: 'Approved in Coupa. The account is now linked to the Coupa supplier.',
        Declined: 'Coupa declined this supplier.',
        Failed: 'The connector could not submit the request to Coupa.',
        'On Hold': 'Status: On Hold'
      });
      expect([...element.shadowRoot.querySelectorAll('lightning-progress-step')].map((s) => s.label)).toEqual([
        'Requested',
        'Submitted to Coupa',
        'In review',
        'Approved'
      ]);
      expect(buttons(element)).toEqual([
        ['refresh', 'Check status'],
        ['close', 'Close']
      ]);
    });

    it('announces the new request in the toast', async () => {
      const element = await mount();
      await load();
      const toast = jest.fn();
      element.addEventListener('lightning__showtoast', toast);
      $(element, '[data-id="start"]').click();
      await flushPromises();
      expect(toast.mock.calls[0][0].detail.message).toBe(
        'Northwind Traders will be onboarded in Coupa. Progress shows here and on the request record.'
      );
    });

    it('explains why onboarding is not offered', async () => {
      let element = await mount();
      await load({ createable: false });
      expect($(element, '.no-access').textContent).toBe(
        "You can't start supplier onboarding. Ask your administrator for the Coupa Onboarding Requester permission set."
      );
      document.body.removeChild(element);

      element = await mount();
      await load({ acct: account({ Coupa_Supplier_Id__c: '4711' }) });
      expect($(element, '.already-linked').textContent).toBe(
        'Northwind Traders is already a Coupa supplier (Coupa supplier ID 4711), so there is nothing to onboard.'
      );
      document.body.removeChild(element);

      element = await mount();
      getObjectInfo.emit({ apiName: 'Coupa_Onboarding_Request__c', createable: true });
      getRecord.error({ message: 'Record deleted' }, 404, 'Not Found');
      await flushPromises();
      // The stub sends the error to both getRecord wires (the account's and the request's), hence the repeat.
      expect($(element, '.error').textContent).toMatch(/^Could not load onboarding details: Record deleted(, |$)/);
    });
  });

  it('is accessible when confirming', async () => {
    const element = await mount();
    await load();
    await expect(element).toBeAccessible();
  });

  it('is accessible when showing progress', async () => {
    const element = await mount();
    await load({ requests: [request(OPEN_REQUEST_ID, 'Submitted')] });
    await emitTracked(OPEN_REQUEST_ID, 'Submitted');
    await expect(element).toBeAccessible();
  });
});
