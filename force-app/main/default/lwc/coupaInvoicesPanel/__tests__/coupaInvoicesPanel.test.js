import { createElement } from 'lwc';
import CoupaInvoicesPanel from 'c/coupaInvoicesPanel';
import { getRelatedListRecords } from 'lightning/uiRelatedListApi';
import { localToday, totalsByCurrency, toRow, ROWS_PER_PAGE, MAX_INVOICES } from '../coupaInvoicesPanel';

const ACCOUNT_ID = '001000000000001AAA';
const OPPORTUNITY_ID = '006000000000001AAA';

// Dates relative to today, so the overdue rule is tested without freezing the clock.
const shift = (days) => {
  const d = new Date();
  d.setDate(d.getDate() + days);
  return localToday(d);
};
const PAST = shift(-10);
const FUTURE = shift(20);

let seq = 0;
function invoice(fields = {}) {
  seq += 1;
  const all = {
    Name: `INV-${String(seq).padStart(4, '0')}`,
    Status__c: 'approved',
    Invoice_Date__c: shift(-40),
    Due_Date__c: FUTURE,
    Gross_Total__c: 100,
    Currency_Code__c: 'USD',
    Paid__c: false,
    Amount_Paid__c: 0,
    Payment_Date__c: null,
    Dispute_Reason__c: null,
    PO_Number__c: 'PO-1',
    Coupa_Url__c: null,
    ...fields
  };
  return {
    apiName: 'Coupa_Invoice__c',
    id: `a01${String(seq).padStart(15, '0')}`,
    fields: Object.fromEntries(Object.entries(all).map(([k, value]) => [k, { value, displayValue: null }]))
  };
}

function page(records, { count = records.length, currentPageToken = null, nextPageToken = null } = {}) {
  return { count, currentPageToken, nextPageToken, pageSize: 200, records };
}

const OPEN = invoice({ Name: 'INV-OPEN', PO_Number__c: 'PO-7', Gross_Total__c: 500 });
const OVERDUE = invoice({ Name: 'INV-LATE', Due_Date__c: PAST, Gross_Total__c: 300, Amount_Paid__c: 100 });
const DISPUTED = invoice({
  Name: 'INV-DISP',
  Status__c: 'disputed',
  Dispute_Reason__c: 'Wrong quantity',
  Gross_Total__c: 200
});
const PAID = invoice({
  Name: 'INV-PAID',
  Paid__c: true,
  Amount_Paid__c: 400,
  Gross_Total__c: 400,
  Due_Date__c: PAST,
  Coupa_Url__c: 'https://acme.coupahost.com/invoices/9'
});
const VOIDED = invoice({ Name: 'INV-VOID', Status__c: 'voided', Due_Date__c: PAST });
const ALL = [OPEN, OVERDUE, DISPUTED, PAID, VOIDED];

const flushPromises = () => new Promise((resolve) => process.nextTick(resolve));

function mount(props = {}) {
  const element = createElement('c-coupa-invoices-panel', { is: CoupaInvoicesPanel });
  Object.assign(element, { recordId: ACCOUNT_ID, objectApiName: 'Account', ...props });
  document.body.appendChild(element);
  return element;
}

const $ = (element, selector) => element.shadowRoot.querySelector(selector);
const table = (element) => $(element, 'lightning-datatable');
const state = (element) => $(element, 'c-coupa-panel-state');
const numbers = (element) => table(element).data.map((r) => r.number);
const selectFilter = async (element, value) => {
  const group = $(element, 'lightning-radio-group');
  group.dispatchEvent(new CustomEvent('change', { detail: { value } }));
  await flushPromises();
};

describe('c-coupa-invoices-panel', () => {
  afterEach(() => {
    while (document.body.firstChild) {
      document.body.removeChild(document.body.firstChild);
    }
    jest.clearAllMocks();
  });

  it('shows the loading state until the invoices arrive', () => {
    const element = mount();
    expect(state(element).variant).toBe('loading');
    expect(state(element).loadingText).toBe('Loading Coupa invoices');
    expect(table(element)).toBeNull();
  });

  it('asks the UI API for the Coupa_Invoices related list of the record, newest due date first', async () => {
    mount({ recordId: OPPORTUNITY_ID, objectApiName: 'Opportunity' });
    await flushPromises();
    const config = getRelatedListRecords.getLastConfig();
    expect(config.parentRecordId).toBe(OPPORTUNITY_ID);
    expect(config.relatedListId).toBe('Coupa_Invoices__r');
    expect(config.fields).toEqual(['Coupa_Invoice__c.Name']);
    expect(config.optionalFields).toEqual(
      expect.arrayContaining([
        'Coupa_Invoice__c.Status__c',
        'Coupa_Invoice__c.Due_Date__c',
        'Coupa_Invoice__c.Gross_Total__c',
        'Coupa_Invoice__c.Paid__c',
        'Coupa_Invoice__c.PO_Number__c'
      ])
    );
    expect(config.sortBy).toEqual(['-Coupa_Invoice__c.Due_Date__c']);
    expect(config.pageToken).toBeUndefined();
  });

  it('lists invoices with number, status, dates, total, paid and PO', async () => {
    const element = mount();
    getRelatedListRecords.emit(page(ALL));
    await flushPromises();

    const dt = table(element);
    expect(dt.columns.map((c) => c.label)).toEqual([
      'Invoice',
      'Flag',
      'Status',
      'Invoice date',
      'Due date',
      'Total',
      'Paid',
      'PO'
    ]);
    expect(dt.data).toHaveLength(5);
    const open = dt.data.find((r) => r.number === 'INV-OPEN');
    expect(open).toEqual(
      expect.objectContaining({ statusLabel: 'Approved', total: 500, amountPaid: 0, poNumber: 'PO-7', currency: 'USD' })
    );
    expect(open.link).toBe(`/lightning/r/Coupa_Invoice__c/${OPEN.id}/view`);
    expect(dt.data.find((r) => r.number === 'INV-PAID').link).toBe('https://acme.coupahost.com/invoices/9');
    expect($(element, 'lightning-card').title).toBe('Coupa invoices (5)');
  });

  it("shows Coupa's status through its Custom Label, and a status it does not know as Coupa sent it", async () => {
    const element = mount();
    getRelatedListRecords.emit(
      page([
        invoice({ Name: 'INV-HOLD', Status__c: 'ap_hold' }),
        invoice({ Name: 'INV-DISPUTED', Status__c: 'disputed' }),
        invoice({ Name: 'INV-NEW', Status__c: 'sent_to_erp' }),
        invoice({ Name: 'INV-NONE', Status__c: null })
      ])
    );
    await flushPromises();
    const byNumber = Object.fromEntries(table(element).data.map((r) => [r.number, r.statusLabel]));
    expect(byNumber).toEqual({
      'INV-HOLD': 'AP hold',
      'INV-DISPUTED': 'Disputed',
      'INV-NEW': 'sent_to_erp',
      'INV-NONE': '—'
    });
  });

  it('highlights overdue and disputed invoices with a text flag and an icon, not colour alone', async () => {
    const element = mount();
    getRelatedListRecords.emit(page(ALL));
    await flushPromises();
    const byNumber = Object.fromEntries(table(element).data.map((r) => [r.number, r]));
    expect(byNumber['INV-LATE']).toEqual(
      expect.objectContaining({
        flag: 'Overdue (10 days)',
        flagIcon: 'utility:clock',
        rowClass: 'slds-text-color_error',
        dueDate: PAST,
        daysOverdue: 10
      })
    );
    expect(byNumber['INV-DISP']).toEqual(
      expect.objectContaining({ flag: 'Disputed', flagIcon: 'utility:warning', rowClass: 'slds-text-color_error' })
    );
    // Past due but paid, or voided: not overdue.
    expect(byNumber['INV-PAID'].flag).toBe('Paid');
    expect(byNumber['INV-PAID'].overdue).toBe(false);
    expect(byNumber['INV-VOID']).toEqual(expect.objectContaining({ flag: 'Not counted', overdue: false }));
    expect(byNumber['INV-OPEN']).toEqual(expect.objectContaining({ flag: '', overdue: false, dueDate: FUTURE }));
    // The due date is a column, highlighted with the flag.
    const due = table(element).columns.find((c) => c.fieldName === 'dueDate');
    expect(due).toEqual(expect.objectContaining({ label: 'Due date', type: 'date-local' }));
  });

  it('filters open, overdue, disputed and paid invoices, with counts in the filter labels', async () => {
    const element = mount();
    getRelatedListRecords.emit(page(ALL));
    await flushPromises();

    expect($(element, 'lightning-radio-group').options.map((o) => o.label)).toEqual([
      'All (5)',
      'Open (3)',
      'Overdue (1)',
      'Disputed (1)',
      'Paid (1)'
    ]);

    await selectFilter(element, 'open');
    expect(numbers(element).sort()).toEqual(['INV-DISP', 'INV-LATE', 'INV-OPEN']);
    await selectFilter(element, 'overdue');
    expect(numbers(element)).toEqual(['INV-LATE']);
    await selectFilter(element, 'disputed');
    expect(numbers(element)).toEqual(['INV-DISP']);
    await selectFilter(element, 'paid');
    expect(numbers(element)).toEqual(['INV-PAID']);
    expect($(element, 'lightning-radio-group').value).toBe('paid');
  });

  it('shows totals for the current filter: invoiced, paid, outstanding and overdue', async () => {
    const element = mount();
    getRelatedListRecords.emit(page(ALL));
    await flushPromises();

    const amount = (id) => $(element, `.totals [data-id="${id}"] lightning-formatted-number`).value;
    // The voided invoice is listed but not counted.
    expect($(element, '.totals [data-id="count"]').textContent).toBe('4');
    expect(amount('invoiced')).toBe(1400);
    expect(amount('paid')).toBe(500);
    // Outstanding = invoiced - paid: 500 + (300 - 100) + 200.
    expect(amount('outstanding')).toBe(900);
    expect(amount('overdue')).toBe(200);
    expect($(element, '.not-counted').textContent).toContain('1 draft, voided, rejected');

    await selectFilter(element, 'paid');
    expect(amount('invoiced')).toBe(400);
    expect(amount('outstanding')).toBe(0);
    expect($(element, '.totals [data-id="overdue"]')).toBeNull();
  });

  it('leaves voided invoices out of the totals, so they agree with the spend summaries', async () => {
    // Issue 14: a voided copy of an invoice doubled the invoiced total (USD 13,162.06 instead of 6,581.03).
    const element = mount();
    getRelatedListRecords.emit(
      page([
        invoice({ Name: 'INV-A', Gross_Total__c: 6581.03 }),
        invoice({ Name: 'INV-A-VOID', Gross_Total__c: 6581.03, Status__c: 'voided' }),
        invoice({ Name: 'INV-DRAFT', Gross_Total__c: 99, Status__c: 'draft', Due_Date__c: PAST })
      ])
    );
    await flushPromises();
    const amount = (id) => $(element, `.totals [data-id="${id}"] lightning-formatted-number`).value;
    expect(amount('invoiced')).toBe(6581.03);
    expect(amount('outstanding')).toBe(6581.03);
    expect($(element, '.totals [data-id="overdue"]')).toBeNull();
    expect($(element, '.not-counted').textContent).toContain('2 draft, voided');
    // Listed, though: the table shows all three.
    expect(table(element).data).toHaveLength(3);
    expect($(element, 'lightning-radio-group').options[1].label).toBe('Open (1)');
  });

  it('computes rows once per data or filter change, not on every render', async () => {
    const element = mount();
    const many = Array.from({ length: ROWS_PER_PAGE + 5 }, () => invoice());
    getRelatedListRecords.emit(page(many));
    await flushPromises();
    const options = $(element, 'lightning-radio-group').options;
    const totals = $(element, '.totals [data-id="invoiced"] lightning-formatted-number');

    // Paging re-renders the panel; the filter options are the same array, not rebuilt.
    $(element, '[data-id="next"]').click();
    await flushPromises();
    expect($(element, '.page-label').textContent).toBe('Page 2 of 2');
    expect($(element, 'lightning-radio-group').options).toBe(options);
    expect($(element, '.totals [data-id="invoiced"] lightning-formatted-number')).toBe(totals);

    // New data rebuilds them.
    getRelatedListRecords.emit(page(many.slice(1)));
    await flushPromises();
    expect($(element, 'lightning-radio-group').options).not.toBe(options);
    expect($(element, 'lightning-radio-group').options[0].label).toBe(`All (${many.length - 1})`);
  });

  it('keeps totals apart per currency', () => {
    const today = localToday();
    const rows = [
      invoice({ Gross_Total__c: 10, Currency_Code__c: 'EUR' }),
      invoice({ Gross_Total__c: 20, Currency_Code__c: 'USD' }),
      invoice({ Gross_Total__c: 5, Currency_Code__c: 'EUR' })
    ].map((r) => toRow(r, today));
    expect(totalsByCurrency(rows)).toEqual([
      expect.objectContaining({ currency: 'EUR', count: 2, invoiced: 15, outstanding: 15 }),
      expect.objectContaining({ currency: 'USD', count: 1, invoiced: 20 })
    ]);
  });

  it('says so when a filter matches nothing', async () => {
    const element = mount();
    getRelatedListRecords.emit(page([OPEN]));
    await flushPromises();
    await selectFilter(element, 'disputed');
    expect(table(element)).toBeNull();
    expect($(element, '.no-matches').textContent).toBe('No invoices match this filter.');
  });

  it('pages through hundreds of invoices', async () => {
    const element = mount();
    const many = Array.from({ length: ROWS_PER_PAGE * 2 + 5 }, (_, i) =>
      invoice({ Name: `INV-${String(i).padStart(3, '0')}`, Due_Date__c: shift(i + 1) })
    );
    getRelatedListRecords.emit(page(many));
    await flushPromises();

    expect(table(element).data).toHaveLength(ROWS_PER_PAGE);
    expect($(element, '.page-label').textContent).toBe('Page 1 of 3');
    expect($(element, '[data-id="previous"]').disabled).toBe(true);
    // Newest due date first.
    expect(table(element).data[0].number).toBe(`INV-${String(many.length - 1).padStart(3, '0')}`);

    $(element, '[data-id="next"]').click();
    await flushPromises();
    $(element, '[data-id="next"]').click();
    await flushPromises();
    expect($(element, '.page-label').textContent).toBe('Page 3 of 3');
    expect(table(element).data).toHaveLength(5);
    expect($(element, '[data-id="next"]').disabled).toBe(true);

    $(element, '[data-id="previous"]').click();
    await flushPromises();
    expect($(element, '.page-label').textContent).toBe('Page 2 of 3');

    // A new filter goes back to the first page.
    await selectFilter(element, 'open');
    expect($(element, '.page-label').textContent).toBe('Page 1 of 3');
  });

  it('sorts when a column header is clicked', async () => {
    const element = mount();
    getRelatedListRecords.emit(page(ALL));
    await flushPromises();
    table(element).dispatchEvent(new CustomEvent('sort', { detail: { fieldName: 'total', sortDirection: 'asc' } }));
    await flushPromises();
    expect(table(element).data.map((r) => r.total)).toEqual([100, 200, 300, 400, 500]);
    expect(table(element).sortedBy).toBe('total');
    expect(table(element).sortedDirection).toBe('asc');
  });

  it('follows nextPageToken until every invoice is loaded', async () => {
    const element = mount();
    getRelatedListRecords.emit(page([OPEN, OVERDUE], { count: 4, nextPageToken: '2' }));
    await flushPromises();
    expect(getRelatedListRecords.getLastConfig().pageToken).toBe('2');
    expect($(element, '.loading-more')).not.toBeNull();
    expect(table(element).data).toHaveLength(2);

    getRelatedListRecords.emit(page([DISPUTED, PAID], { count: 4, currentPageToken: '2' }));
    await flushPromises();
    expect(table(element).data).toHaveLength(4);
    expect($(element, '.loading-more')).toBeNull();
    expect($(element, '.truncated')).toBeNull();
  });

  it('starts over for another record', async () => {
    const element = mount();
    getRelatedListRecords.emit(page([OPEN], { count: 3, nextPageToken: '2' }));
    await flushPromises();
    expect(getRelatedListRecords.getLastConfig().pageToken).toBe('2');

    element.recordId = OPPORTUNITY_ID;
    await flushPromises();
    const config = getRelatedListRecords.getLastConfig();
    expect(config.parentRecordId).toBe(OPPORTUNITY_ID);
    expect(config.pageToken).toBeUndefined();
    expect(state(element).variant).toBe('loading');
  });

  it(`stops at ${MAX_INVOICES} invoices and says how many there are`, async () => {
    const element = mount();
    const big = Array.from({ length: MAX_INVOICES }, () => invoice());
    getRelatedListRecords.emit(page(big, { count: MAX_INVOICES + 300, nextPageToken: 'x' }));
    await flushPromises();
    expect(getRelatedListRecords.getLastConfig().pageToken).toBeUndefined();
    expect($(element, '.truncated').textContent).toContain(`latest ${MAX_INVOICES} of ${MAX_INVOICES + 300}`);
  });

  it('explains the empty state', async () => {
    const element = mount({ recordId: OPPORTUNITY_ID, objectApiName: 'Opportunity' });
    getRelatedListRecords.emit(page([]));
    await flushPromises();
    expect(state(element).variant).toBe('empty');
    expect(state(element).title).toBe('No Coupa invoices for this opportunity yet.');
    expect(state(element).message).toContain("connector's invoice sync");
    expect(table(element)).toBeNull();
  });

  it('shows a readable error', async () => {
    const element = mount();
    getRelatedListRecords.error({ message: 'Something broke' }, 500, 'Server Error');
    await flushPromises();
    expect(state(element).variant).toBe('error');
    expect(state(element).title).toBe('Could not load Coupa invoices');
    expect(state(element).errors.body).toEqual({ message: 'Something broke' });
  });

  it('shows the no-access state on a 403', async () => {
    const element = mount();
    getRelatedListRecords.error([{ errorCode: 'INSUFFICIENT_ACCESS', message: 'no' }], 403, 'Forbidden');
    await flushPromises();
    expect(state(element).variant).toBe('no-access');
    expect(state(element).message).toContain('Coupa Viewer permission set');
  });

  it('shows the no-access state when the records come back without the Coupa fields', async () => {
    const element = mount();
    getRelatedListRecords.emit(
      page([{ apiName: 'Coupa_Invoice__c', id: 'a01000000000000XYZ', fields: { Name: { value: 'INV-1' } } }])
    );
    await flushPromises();
    expect(state(element).variant).toBe('no-access');
    expect(table(element)).toBeNull();
  });

  it.each([
    ['with invoices', page(ALL)],
    ['empty', page([])]
  ])('is accessible %s', async (_state, data) => {
    const element = mount();
    getRelatedListRecords.emit(data);
    await flushPromises();
    await expect(element).toBeAccessible();
  });
});
