import { createElement } from 'lwc';
import CoupaSpendPanel from 'c/coupaSpendPanel';
import { getRecord } from 'lightning/uiRecordApi';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';
import { currentMonth, toPeriod } from '../coupaSpendPanel';

const ACCOUNT_ID = '001000000000001AAA';
const OPPORTUNITY_ID = '006000000000001AAA';

const monthsAgo = (n) => {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - n);
  return currentMonth(d);
};

const rec = (apiName, id, fields) => ({
  apiName,
  id,
  fields: Object.fromEntries(Object.entries(fields).map(([k, value]) => [k, { value, displayValue: null }]))
});

let seq = 0;
function summary(period, fields = {}) {
  seq += 1;
  const fy = period.startsWith('FY');
  return rec('Coupa_Spend_Summary__c', `a02${String(seq).padStart(15, '0')}`, {
    Name: period,
    Period__c: period,
    Period_Type__c: fy ? 'Fiscal Year' : 'Month',
    Period_Start__c: fy ? `${period.slice(2)}-01-01` : `${period}-01`,
    Committed_Spend__c: 1000,
    Invoiced_Amount__c: 600,
    Paid_Amount__c: 400,
    Budget_Amount__c: 2000,
    Budget_Remaining__c: 1000,
    Budget_Utilization__c: 50,
    Open_PO_Count__c: 2,
    Currency_Code__c: 'EUR',
    As_Of__c: '2026-11-27T10:00:00.000Z',
    ...fields
  });
}

const list = (records) => ({ count: records.length, currentPageToken: null, nextPageToken: null, records });

function opportunity(fields = {}) {
  return rec('Opportunity', OPPORTUNITY_ID, {
    AccountId: ACCOUNT_ID,
    Coupa_Requisition_Id__c: '812',
    Coupa_Requisition_Status__c: 'pending_approval',
    Coupa_PO_Number__c: 'PO-5001',
    Coupa_PO_Status__c: 'issued',
    Coupa_Committed_Amount__c: 12000,
    ...fields
  });
}

function invoice(fields) {
  seq += 1;
  return rec('Coupa_Invoice__c', `a01${String(seq).padStart(15, '0')}`, {
    Name: `INV-${seq}`,
    Gross_Total__c: 100,
    Amount_Paid__c: 0,
    Paid__c: false,
    Status__c: 'approved',
    Currency_Code__c: 'EUR',
    ...fields
  });
}

const account = (fields = {}) =>
  rec('Account', ACCOUNT_ID, { Name: 'Northwind Traders', Coupa_Supplier_Id__c: '4711', ...fields });

const flushPromises = () => new Promise((resolve) => process.nextTick(resolve));

function mount(props = {}) {
  const element = createElement('c-coupa-spend-panel', { is: CoupaSpendPanel });
  Object.assign(element, { objectApiName: 'Account', recordId: ACCOUNT_ID, ...props });
  document.body.appendChild(element);
  return element;
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const $$ = (element, selector) => [...element.shadowRoot.querySelectorAll(selector)];
const amount = (element, id) => $(element, `[data-id="${id}"] lightning-formatted-number`).value;

/** getRecord backs two wires (Opportunity, Account); emit to the one for the record. */
async function emitRecord(record) {
  await flushPromises();
  getRecord.emit(record, (config) => config.recordId === record.id);
}

/** getRelatedListRecords backs two wires; emit to the one for the given related list (with the Account first). */
async function emitList(relatedListId, data, { acct = account() } = {}) {
  await flushPromises();
  if (relatedListId === 'Coupa_Spend_Summaries__r' && acct) {
    getRecord.emit(acct, (config) => config.recordId === acct.id);
  }
  getRelatedListRecords.emit(data, (config) => config.relatedListId === relatedListId);
}

const state = (element) => $(element, 'c-coupa-panel-state');

/** The current config of each getRelatedListRecords wire, by related list (collected without emitting). */
function listConfigs() {
  const configs = {};
  getRelatedListRecords.emit(undefined, (config) => {
    configs[config.relatedListId] = config;
    return false;
  });
  return configs;
}

const SIX_MONTHS = [0, 1, 2, 3, 4, 5, 6, 7].map((n) =>
  summary(monthsAgo(n), { Committed_Spend__c: 1000 + n * 100, Invoiced_Amount__c: 500 + n * 10 })
);

describe('c-coupa-spend-panel', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('shows the loading state until the spend summaries arrive', () => {
    const element = mount();
    expect(state(element).variant).toBe('loading');
    expect(state(element).loadingText).toBe('Loading Coupa spend');
  });

  it("reads the account's spend summaries, newest period first", async () => {
    mount();
    await flushPromises();
    const config = listConfigs().Coupa_Spend_Summaries__r;
    expect(config.parentRecordId).toBe(ACCOUNT_ID);
    expect(config.relatedListId).toBe('Coupa_Spend_Summaries__r');
    expect(config.sortBy).toEqual(['-Coupa_Spend_Summary__c.Period_Start__c']);
    expect(config.optionalFields).toEqual(
      expect.arrayContaining([
        'Coupa_Spend_Summary__c.Committed_Spend__c',
        'Coupa_Spend_Summary__c.Budget_Utilization__c',
        'Coupa_Spend_Summary__c.Period__c'
      ])
    );
  });

  it('shows committed, invoiced, paid, budget remaining and utilisation for the current month', async () => {
    const element = mount();
    await emitList('Coupa_Spend_Summaries__r', list(SIX_MONTHS));
    await flushPromises();

    expect($(element, '.current h3').textContent).toBe(`This month (${currentMonth()})`);
    expect(amount(element, 'committed-spend')).toBe(1000);
    expect(amount(element, 'invoiced-spend')).toBe(500);
    expect(amount(element, 'paid-spend')).toBe(400);
    expect(amount(element, 'remaining')).toBe(1000);
    expect($(element, '[data-id="utilization"]').value).toBe(0.5);
    expect($(element, 'lightning-progress-bar').value).toBe(50);
    expect($(element, '[data-id="committed-spend"] lightning-formatted-number').currencyCode).toBe('EUR');
    expect($(element, '.budget-warning')).toBeNull();
  });

  it('shows a trend over the last six periods, oldest first', async () => {
    const element = mount();
    await emitList('Coupa_Spend_Summaries__r', list(SIX_MONTHS));
    await flushPromises();
    const rows = $$(element, '.trend-table tbody tr');
    expect(rows.map((r) => r.dataset.period)).toEqual([5, 4, 3, 2, 1, 0].map(monthsAgo));
    expect($(element, '.trend-table caption').textContent).toContain('last 6 periods');
    // Bars are relative to the largest figure in view (the 2000 budget).
    expect(rows[0].querySelector('.bar-committed').style.width).toBe('75%');
    expect(rows[5].querySelector('.bar-committed').style.width).toBe('50%');
  });

  it('uses the latest period when the current month has no summary yet', async () => {
    const element = mount();
    await emitList('Coupa_Spend_Summaries__r', list(SIX_MONTHS.slice(2)));
    await flushPromises();
    expect($(element, '.current h3').textContent).toBe(`Latest period (${monthsAgo(2)})`);
    expect(amount(element, 'committed-spend')).toBe(1200);
  });

  it('warns when the budget is nearly used or exceeded', async () => {
    const element = mount();
    await emitList(
      'Coupa_Spend_Summaries__r',
      list([summary(currentMonth(), { Budget_Utilization__c: 112.5, Budget_Remaining__c: -250 })])
    );
    await flushPromises();
    expect($(element, '.budget-warning').textContent).toBe('Over budget: 112.5% of the budget is committed.');
    expect($(element, '.budget-warning').className).toContain('slds-text-color_error');
    expect($(element, 'lightning-progress-bar').value).toBe(100);
    expect($(element, 'lightning-progress-bar').variant).toBe('warning');
    // One period: no trend table.
    expect($(element, '.trend-table')).toBeNull();
  });

  it('computes utilisation and remaining budget when the connector left them empty', () => {
    const p = toPeriod(
      summary('2026-01', { Budget_Utilization__c: null, Budget_Remaining__c: null, Committed_Spend__c: 500 })
    );
    expect(p.utilization).toBe(25);
    expect(p.remaining).toBe(1500);
  });

  it('says there is no budget when the period has none', async () => {
    const element = mount();
    await emitList(
      'Coupa_Spend_Summaries__r',
      list([
        summary(currentMonth(), { Budget_Amount__c: null, Budget_Remaining__c: null, Budget_Utilization__c: null })
      ])
    );
    await flushPromises();
    expect($(element, '[data-id="remaining"]').textContent).toBe('No budget');
    expect($(element, 'lightning-progress-bar')).toBeNull();
  });

  it('switches between monthly and fiscal-year figures when both exist', async () => {
    const element = mount();
    await emitList(
      'Coupa_Spend_Summaries__r',
      list([...SIX_MONTHS, summary('FY2026', { Committed_Spend__c: 90000 }), summary('FY2025')])
    );
    await flushPromises();
    const choice = $(element, 'lightning-radio-group.period-type');
    expect(choice.value).toBe('Month');
    choice.dispatchEvent(new CustomEvent('change', { detail: { value: 'Fiscal Year' } }));
    await flushPromises();
    expect($(element, '.current h3').textContent).toBe('Latest period (FY2026)');
    expect(amount(element, 'committed-spend')).toBe(90000);
    expect($$(element, '.trend-table tbody tr').map((r) => r.dataset.period)).toEqual(['FY2025', 'FY2026']);
  });

  it('explains the empty state', async () => {
    const element = mount();
    await emitList('Coupa_Spend_Summaries__r', list([]));
    await flushPromises();
    expect($(element, 'c-coupa-panel-state.no-spend').title).toBe('No Coupa spend summaries yet.');
    expect($(element, 'c-coupa-panel-state.no-spend').message).toContain('spend-summary schedule');
  });

  it('explains that an account which is not a Coupa supplier has no spend', async () => {
    const element = mount();
    await emitList('Coupa_Spend_Summaries__r', list([]), {
      acct: account({ Name: 'Contoso Retail', Coupa_Supplier_Id__c: null })
    });
    await flushPromises();
    const empty = $(element, 'c-coupa-panel-state.no-spend');
    expect(empty.variant).toBe('empty');
    expect(empty.title).toBe('Contoso Retail is not a Coupa supplier, so it has no Coupa spend.');
    expect(empty.message).toBe(
      'Spend summaries exist only for accounts linked to a Coupa supplier. Customer accounts have none.'
    );
  });

  it('does not call an account a non-supplier when the supplier field is hidden', async () => {
    const element = mount();
    await emitList('Coupa_Spend_Summaries__r', list([]), { acct: rec('Account', ACCOUNT_ID, { Name: 'Hidden' }) });
    await flushPromises();
    expect($(element, 'c-coupa-panel-state.no-spend').title).toBe('No Coupa spend summaries yet.');
  });

  it('computes periods and the trend once per data change, not on every render', async () => {
    const element = mount();
    await emitList(
      'Coupa_Spend_Summaries__r',
      list([...SIX_MONTHS, summary('FY2026', { Committed_Spend__c: 90000 }), summary('FY2025')])
    );
    await flushPromises();
    const choice = $(element, 'lightning-radio-group.period-type');
    const options = choice.options;
    const bar = $(element, '.trend-table tbody tr .bar-committed');
    const style = bar.getAttribute('style');
    // A re-render from a property the trend does not use keeps the computed arrays.
    element.objectApiName = undefined;
    await flushPromises();
    expect($(element, 'lightning-radio-group.period-type').options).toBe(options);
    expect($(element, '.trend-table tbody tr .bar-committed').getAttribute('style')).toBe(style);
  });

  it('shows a readable error', async () => {
    const element = mount();
    getRelatedListRecords.error({ message: 'Boom' }, 500, 'Server Error');
    await flushPromises();
    expect(state(element).variant).toBe('error');
    expect(state(element).title).toBe('Could not load Coupa spend');
    expect(state(element).errors[0].body).toEqual({ message: 'Boom' });
  });

  it('shows the no-access state on a 403 and when the fields are hidden', async () => {
    const element = mount();
    getRelatedListRecords.error([{ errorCode: 'INSUFFICIENT_ACCESS', message: 'no' }], 403, 'Forbidden');
    await flushPromises();
    expect(state(element).variant).toBe('no-access');
    expect(state(element).message).toContain('Coupa Viewer permission set');

    const other = mount();
    await emitList('Coupa_Spend_Summaries__r', list([rec('Coupa_Spend_Summary__c', 'a02x', { Name: 'x' })]));
    await flushPromises();
    expect($(other, 'c-coupa-panel-state').variant).toBe('no-access');
  });

  describe('on an Opportunity', () => {
    const mountOpp = () => mount({ objectApiName: 'Opportunity', recordId: OPPORTUNITY_ID });

    it("reads the opportunity's Coupa fields, its invoices, then its account's spend", async () => {
      mountOpp();
      await flushPromises();
      let recordConfig;
      getRecord.emit(undefined, (config) => {
        recordConfig = config.recordId === OPPORTUNITY_ID ? config : recordConfig;
        return false;
      });
      expect(recordConfig.recordId).toBe(OPPORTUNITY_ID);
      expect(recordConfig.optionalFields.map((f) => f.fieldApiName)).toEqual(
        expect.arrayContaining(['Coupa_Requisition_Id__c', 'Coupa_PO_Number__c', 'Coupa_Committed_Amount__c'])
      );
      const invoiceConfig = listConfigs().Coupa_Invoices__r;
      expect(invoiceConfig.relatedListId).toBe('Coupa_Invoices__r');
      expect(invoiceConfig.parentRecordId).toBe(OPPORTUNITY_ID);

      await emitRecord(opportunity());
      await flushPromises();
      expect(getRecord.getLastConfig().recordId).toBe(ACCOUNT_ID);
      const spendConfig = listConfigs().Coupa_Spend_Summaries__r;
      expect(spendConfig.relatedListId).toBe('Coupa_Spend_Summaries__r');
      expect(spendConfig.parentRecordId).toBe(ACCOUNT_ID);
    });

    it('shows the requisition → PO → invoices chain and the account spend', async () => {
      const element = mountOpp();
      await emitRecord(opportunity());
      await emitList(
        'Coupa_Invoices__r',
        list([
          invoice({ Gross_Total__c: 4000, Amount_Paid__c: 4000, Paid__c: true }),
          invoice({ Gross_Total__c: 1500 }),
          invoice({ Gross_Total__c: 999, Status__c: 'voided' })
        ])
      );
      await flushPromises();
      await emitList('Coupa_Spend_Summaries__r', list(SIX_MONTHS));
      await flushPromises();

      expect($(element, '[data-id="requisition-id"]').textContent).toBe('#812');
      expect($(element, '[data-id="requisition-status"]').textContent).toBe('Pending approval');
      expect($(element, '[data-id="po-number"]').textContent).toBe('PO-5001');
      expect($(element, '[data-id="po-status"]').textContent).toBe('Issued');
      expect(amount(element, 'committed')).toBe(12000);
      // The voided invoice is not counted: the same definitions as the invoice panel.
      expect($(element, '[data-id="invoice-count"]').textContent).toBe('2 invoiced');
      expect(amount(element, 'invoiced')).toBe(5500);
      expect(amount(element, 'invoices-paid')).toBe(4000);
      expect(amount(element, 'invoices-outstanding')).toBe(1500);
      expect(amount(element, 'committed-spend')).toBe(1000);
    });

    it('shows requisition and PO statuses through their Custom Labels, and one it does not know as Coupa sent it', async () => {
      const element = mountOpp();
      await emitRecord(
        opportunity({ Coupa_Requisition_Status__c: 'cart', Coupa_PO_Status__c: 'supplier_window_hold' })
      );
      await emitList('Coupa_Invoices__r', list([]));
      await flushPromises();
      await emitList('Coupa_Spend_Summaries__r', list(SIX_MONTHS));
      await flushPromises();
      expect($(element, '[data-id="requisition-status"]').textContent).toBe('In cart');
      expect($(element, '[data-id="po-status"]').textContent).toBe('Supplier window hold');

      await emitRecord(opportunity({ Coupa_Requisition_Status__c: 'pending_receipt_match', Coupa_PO_Status__c: null }));
      await flushPromises();
      expect($(element, '[data-id="requisition-status"]').textContent).toBe('pending_receipt_match');
      expect($(element, '[data-id="po-status"]').textContent).toBe('Unknown');
    });

    it("says the spend figures are the account's, over all its deals", async () => {
      // Issue 14: an Opportunity that was not won showed "Committed USD 40,975" from the account's other deals.
      const element = mountOpp();
      await emitRecord(
        opportunity({
          Coupa_Requisition_Id__c: null,
          Coupa_Requisition_Status__c: null,
          Coupa_PO_Number__c: null,
          Coupa_PO_Status__c: null,
          Coupa_Committed_Amount__c: null
        })
      );
      await emitList('Coupa_Invoices__r', list([]));
      await flushPromises();
      await emitList('Coupa_Spend_Summaries__r', list([summary(currentMonth(), { Committed_Spend__c: 40975 })]), {
        acct: account({ Name: 'Globex Manufacturing' })
      });
      await flushPromises();
      expect($(element, '.account-heading').textContent).toBe('Spend of Globex Manufacturing (all deals)');
      expect($(element, '.account-hint').textContent).toContain('not only this opportunity');
      expect(amount(element, 'committed-spend')).toBe(40975);
      // The opportunity's own chain says it has nothing in Coupa yet.
      expect($(element, '[data-id="po-none"]')).not.toBeNull();
    });

    it('explains a customer opportunity: its account is not a Coupa supplier', async () => {
      const element = mountOpp();
      await emitRecord(opportunity({ Coupa_Requisition_Id__c: null, Coupa_PO_Number__c: null }));
      await emitList('Coupa_Invoices__r', list([]));
      await flushPromises();
      await emitList('Coupa_Spend_Summaries__r', list([]), {
        acct: account({ Name: 'Contoso Retail', Coupa_Supplier_Id__c: null })
      });
      await flushPromises();
      expect($(element, '.account-heading').textContent).toBe('Spend of Contoso Retail (all deals)');
      expect($(element, 'c-coupa-panel-state.no-spend').title).toBe(
        'Contoso Retail is not a Coupa supplier, so it has no Coupa spend.'
      );
    });

    it('shows no account heading on an Account page', async () => {
      const element = mount();
      await emitList('Coupa_Spend_Summaries__r', list(SIX_MONTHS));
      await flushPromises();
      expect($(element, '.account-heading')).toBeNull();
    });

    it('explains an opportunity that has not reached Coupa yet', async () => {
      const element = mountOpp();
      await emitRecord(
        opportunity({
          Coupa_Requisition_Id__c: null,
          Coupa_Requisition_Status__c: null,
          Coupa_PO_Number__c: null,
          Coupa_PO_Status__c: null,
          Coupa_Committed_Amount__c: null
        })
      );
      await emitList('Coupa_Invoices__r', list([]));
      await flushPromises();
      await emitList('Coupa_Spend_Summaries__r', list([]));
      await flushPromises();
      expect($(element, '.no-chain').textContent).toContain('No Coupa requisition yet');
      expect($(element, '[data-id="requisition-none"]')).not.toBeNull();
      expect($(element, '[data-id="po-none"]')).not.toBeNull();
      expect($(element, '[data-id="invoices-none"]')).not.toBeNull();
    });

    it('handles an opportunity without an account', async () => {
      const element = mountOpp();
      await emitRecord(opportunity({ AccountId: null }));
      await emitList('Coupa_Invoices__r', list([]));
      await flushPromises();
      expect($(element, 'c-coupa-panel-state.no-spend').title).toContain('has no account');
      expect($(element, '.account-heading')).toBeNull();
      expect($(element, '.chain')).not.toBeNull();
    });

    it('shows the no-access state when the Coupa fields of the opportunity are hidden', async () => {
      const element = mountOpp();
      await emitRecord(rec('Opportunity', OPPORTUNITY_ID, { AccountId: ACCOUNT_ID }));
      await emitList('Coupa_Invoices__r', list([]));
      await flushPromises();
      await emitList('Coupa_Spend_Summaries__r', list([]));
      await flushPromises();
      expect(state(element).variant).toBe('no-access');
      expect($(element, '.chain')).toBeNull();
    });

    it('is accessible', async () => {
      const element = mountOpp();
      await emitRecord(opportunity());
      await emitList('Coupa_Invoices__r', list([invoice({})]));
      await flushPromises();
      await emitList('Coupa_Spend_Summaries__r', list(SIX_MONTHS));
      await flushPromises();
      await expect(element).toBeAccessible();
    });
  });

  it.each([
    ['with spend', list(SIX_MONTHS)],
    ['empty', list([])]
  ])('is accessible %s', async (_state, data) => {
    const element = mount();
    await emitList('Coupa_Spend_Summaries__r', data);
    await flushPromises();
    await expect(element).toBeAccessible();
  });
});
