/**
 * Story (issue 6, flow 5): "As an account manager I see, on a vendor Account, what we have committed, been invoiced
 * and paid, and how much of the budget is used, per month and fiscal year — refreshed on a schedule, and the refresh
 * costs nothing when nothing changed in Coupa."
 */
import type { Connection } from 'jsforce';
import { COUPA_SCHEMA } from '../../middleware/src/coupa';
import { createSpendSummaryFlow } from '../../middleware/src/flows/spend-summary';
import { validateMapping } from '../../middleware/src/mapping';
import { startHarness, type Harness, salesforceWriteCalls } from './harness';

const FLOW = 'spend-summary';
// Mid-November of the current year: the Coupa emulator's budget periods cover last, this and next year.
const Y = new Date().getUTCFullYear();
const TODAY = new Date(`${Y}-11-16T12:00:00Z`);
jest.setTimeout(60_000);

describe('spend-summary: spend per linked Account, month and fiscal year', () => {
  let h: Harness;
  let sf: Connection;
  let accountId: string;
  let invoiceId: number;
  let today = TODAY;

  const summaries = async () =>
    (
      await sf.query<Record<string, any>>(
        `SELECT Key__c, Name, Account__c, Period__c, Period_Type__c, Period_Start__c, Committed_Spend__c, Open_PO_Count__c, Invoiced_Amount__c, Paid_Amount__c, Budget_Amount__c, Budget_Remaining__c, Budget_Utilization__c, Currency_Code__c, As_Of__c FROM Coupa_Spend_Summary__c ORDER BY Period__c`
      )
    ).records;

  /** A requisition for `quantity` widgets at 25.00, approved at once, which Coupa turns into an issued PO. */
  async function orderWidgets(supplierId: number, quantity: number): Promise<{ id: number }> {
    const req = await h.coupaApi('POST', '/api/requisitions/submit_for_approval', {
      'requested-by': { login: 'jdoe' },
      'ship-to-address': { name: 'Headquarters' },
      'requisition-lines': [
        {
          description: 'Widgets',
          quantity,
          'unit-price': 25,
          currency: { code: 'USD' },
          supplier: { id: supplierId },
          account: { code: '300-6200' }
        }
      ]
    });
    return (h.coupaEmu.control.list('purchase_orders') as any[]).find((p) => p['requisition-header']?.id === req.id);
  }

  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: 0, autoApprove: true } });
    h.coupaEmu.control.clock.set(`${Y}-11-15T18:00:00Z`);
    sf = h.user();
    await h.salesforce.connect(); // the harness leaves the connector's client unauthenticated
    const c = h.coupaEmu.control;
    const linked = (c.create('suppliers', { name: 'Acme Parts', number: 'ACME-1', status: 'active' }) as { id: number })
      .id;
    const unlinked = (
      c.create('suppliers', { name: 'Nobody Ltd', number: 'NOBODY-1', status: 'active' }) as { id: number }
    ).id;
    accountId = (
      (await sf.sobject('Account').create({ Name: 'Acme Parts', Coupa_Supplier_Id__c: String(linked) })) as {
        id: string;
      }
    ).id;

    // Acme: one open PO (10 × 25), one closed PO (4 × 25), an approved invoice of 200 with a payment of 120.
    const open = await orderWidgets(linked, 10);
    const closed = await orderWidgets(linked, 4);
    await h.coupaApi('PUT', `/api/purchase_orders/${closed.id}/close`);
    const inv = await h.coupaApi('POST', '/api/invoices', {
      'invoice-number': 'ACME-INV-1',
      'invoice-date': `${Y}-11-10`,
      supplier: { id: linked },
      currency: { code: 'USD' },
      'invoice-lines': [
        { description: 'Widgets', quantity: 8, price: 25, 'order-line-id': (open as any)['order-lines'][0].id }
      ]
    });
    invoiceId = inv.id;
    await h.coupaApi('PUT', `/api/invoices/${invoiceId}/submit`);
    await h.coupaApi('PUT', `/api/invoices/${invoiceId}`, {
      payments: [{ 'amount-paid': '120.00', 'payment-date': `${Y}-11-14` }]
    });
    // Nobody's spend has no Salesforce Account: it is not summarised.
    await orderWidgets(unlinked, 3);
    // The Q4 budget of the account both POs charge.
    c.create('budget_lines', {
      period: { name: `FY${Y}-Q4` },
      amount: 1000,
      currency: { code: 'USD' },
      'segment-1': '300',
      'segment-2': '6200',
      description: 'Widgets Q4'
    });

    // batchSize 2: the three summaries are paged out of one snapshot in two pages.
    h.engine.register(
      createSpendSummaryFlow({ ...h.deps({ months: 3, fiscalYears: 1, fiscalYearStartMonth: 1 }), now: () => today }),
      { batchSize: 2 }
    );
  });

  afterAll(async () => {
    await h?.close();
  });

  it('ships a default mapping that is valid against the org', async () => {
    const issues = await validateMapping(h.deps().mappings.get(FLOW)!, {
      coupaSchema: COUPA_SCHEMA,
      describe: (o) => h.salesforce.describe(o).catch(() => undefined)
    });
    expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  it('a scheduled run writes one summary per period with spend or budget', async () => {
    const summary = await h.engine.runNow(FLOW);
    expect(summary.error).toBeUndefined();
    expect(summary.counts).toMatchObject({ created: 3, deadLettered: 0 });

    const rows = await summaries();
    expect(rows.map((r) => r.Key__c)).toEqual([`${accountId}-${Y}-10`, `${accountId}-${Y}-11`, `${accountId}-FY${Y}`]);
    const [october, november, fy] = rows;
    const spend = {
      Account__c: accountId,
      Currency_Code__c: 'USD',
      Committed_Spend__c: 250,
      Open_PO_Count__c: 1,
      Invoiced_Amount__c: 200,
      Paid_Amount__c: 120
    };
    // Coupa's own remaining budget: 1000 − every issued or closed PO line charged to 300-6200 in the quarter, Nobody's
    // 75 included (a budget belongs to the chart-of-accounts line, not to one supplier).
    const budget = { Budget_Amount__c: 1000, Budget_Remaining__c: 575, Budget_Utilization__c: 42.5 };
    expect(november).toMatchObject({
      ...spend,
      ...budget,
      Name: `Acme Parts · ${Y}-11`,
      Period__c: `${Y}-11`,
      Period_Type__c: 'Month',
      Period_Start__c: `${Y}-11-01`
    });
    expect(fy).toMatchObject({
      ...spend,
      ...budget,
      Period__c: `FY${Y}`,
      Period_Type__c: 'Fiscal Year',
      Period_Start__c: `${Y}-01-01`
    });
    // October has no spend, but the quarter's budget was in force.
    expect(october).toMatchObject({
      ...budget,
      Committed_Spend__c: 0,
      Open_PO_Count__c: 0,
      Invoiced_Amount__c: 0,
      Paid_Amount__c: 0
    });
    expect(Date.parse(november.As_Of__c)).toBe(TODAY.getTime());
  });

  it('re-running with nothing changed in Coupa reads three rows of Coupa at most and makes zero Salesforce writes', async () => {
    const before = await summaries();
    h.sfEmu.control.resetCounters();
    h.coupaEmu.control.resetCounters();
    const again = await h.engine.runNow(FLOW);
    expect(again.status).toBe('succeeded');
    expect(again.counts).toMatchObject({ read: 0, created: 0, updated: 0, deadLettered: 0 });
    expect(salesforceWriteCalls(h)).toBe(0);
    // The newest change of each source (POs, invoices, budget lines), one row each, instead of reading them all.
    const coupaCalls = h.coupaEmu.control.counters().byEndpoint;
    expect(coupaCalls).toEqual({ 'GET /api/purchase_orders': 1, 'GET /api/invoices': 1, 'GET /api/budget_lines': 1 });
    expect(await summaries()).toEqual(before);
  });

  it('recomputes everything when the linked Accounts change, even with nothing new in Coupa', async () => {
    await h.user().sobject('Account').update({ Id: accountId, Name: 'Acme Parts (renamed)' });
    const run = await h.engine.runNow(FLOW);
    expect(run.counts).toMatchObject({ read: 3, updated: 3 });
    expect((await summaries()).map((r) => r.Name)).toEqual([
      `Acme Parts (renamed) · ${Y}-10`,
      `Acme Parts (renamed) · ${Y}-11`,
      `Acme Parts (renamed) · FY${Y}`
    ]);
  });

  it('a new payment updates only the periods it falls in, and moves their as-of time', async () => {
    h.coupaEmu.control.clock.advance(2000);
    await h.coupaApi('PUT', `/api/invoices/${invoiceId}`, {
      payments: [{ 'amount-paid': '80.00', 'payment-date': `${Y}-11-15` }]
    });
    today = new Date(TODAY.getTime() + 3_600_000);
    const next = await h.engine.runNow(FLOW);
    expect(next.counts).toMatchObject({ created: 0, updated: 2 });
    const rows = await summaries();
    expect(rows.map((r) => r.Paid_Amount__c)).toEqual([0, 200, 200]);
    expect(rows.map((r) => Date.parse(r.As_Of__c))).toEqual([TODAY.getTime(), today.getTime(), today.getTime()]);
  });

  it('recomputes everything once a day (fullRecomputeHours) even when Coupa reports nothing new, writing nothing unchanged', async () => {
    today = new Date(TODAY.getTime() + 2 * 3_600_000);
    expect((await h.engine.runNow(FLOW)).counts).toMatchObject({ read: 0 });
    today = new Date(TODAY.getTime() + 26 * 3_600_000);
    h.sfEmu.control.resetCounters();
    expect((await h.engine.runNow(FLOW)).counts).toMatchObject({ read: 3, created: 0, updated: 0 });
    expect(salesforceWriteCalls(h)).toBe(0);
  });

  it('a fiscal year starting in October summarises Oct–Sep as the year it ends in', async () => {
    const flow = createSpendSummaryFlow({
      ...h.deps({ months: 0, fiscalYears: 1, fiscalYearStartMonth: 10 }),
      now: () => today
    });
    const snapshot = await flow.snapshot!(null);
    expect('records' in snapshot && snapshot.records.map((r) => r.data)).toEqual([
      expect.objectContaining({
        key: `${accountId}-FY${Y + 1}`,
        periodType: 'Fiscal Year',
        periodStart: `${Y}-10-01`,
        committed: 250,
        invoiced: 200,
        paid: 200
      })
    ]);
  });
});
