/**
 * What invoice-status asks Coupa to link invoices to Opportunities (PO → requisition → Opportunity), counted by the
 * Coupa emulator: pages of invoices whose POs mostly belong to requisitions no Opportunity names cost a constant
 * number of purchase-order requests, not one per page; the invoices of linked requisitions still get their
 * Opportunity, also through a PO made after the first load and a link made after the invoice was synced.
 */
import { createInvoiceStatusFlow } from '../../middleware/src/flows/invoice-status';
import { startHarness, type Harness } from '../e2e/harness';

jest.setTimeout(120_000);

const FLOW = 'invoice-status';
/** Requisitions named by an Opportunity (set by hand on the Opportunity, as people may). */
const LINKED = 3;

describe('invoice-status: PO → requisition look-ups', () => {
  let h: Harness;
  const oppOfReq = new Map<number, string>();

  const run = () => h.engine.runNow(FLOW);
  const poRequests = () => h.coupaEmu.control.counters().byEndpoint['GET /api/purchase_orders'] ?? 0;
  const invoicePages = () => h.coupaEmu.control.counters().byEndpoint['GET /api/invoices'] ?? 0;
  const opportunityOfInvoice = async (id: number) =>
    (
      await h
        .user()
        .query<{ Opportunity__c: string | null }>(
          `SELECT Opportunity__c FROM Coupa_Invoice__c WHERE Coupa_Invoice_Id__c = '${id}'`
        )
    ).records[0]?.Opportunity__c;
  const later = () => h.coupaEmu.control.clock.advance(1500);

  /** A requisition submitted through the API as a person would, pending approval; its PO is made when approved. */
  const submitRequisition = async () => {
    const supplier = h.coupaEmu.control.list('suppliers')[0] as { id: number };
    return h.coupaApi<{ id: number; 'current-approval': { id: number } | null }>(
      'POST',
      '/api/requisitions/submit_for_approval',
      {
        'requested-by': { login: 'jdoe' },
        'ship-to-address': { name: 'Headquarters' },
        'requisition-lines': [
          { description: 'Widgets', quantity: 4, 'unit-price': 25, currency: { code: 'USD' }, supplier: { id: supplier.id } }
        ]
      }
    );
  };
  const approve = async (req: { id: number; 'current-approval': { id: number } | null }) => {
    await h.coupaApi('PUT', `/api/approvals/${req['current-approval']!.id}/approve`);
    return (h.coupaEmu.control.list('purchase_orders') as any[]).find(
      (p) => p['requisition-header']?.id === req.id
    );
  };
  const invoiceFor = async (po: any, number: string) => {
    const supplier = po.supplier.id as number;
    const inv = await h.coupaApi<{ id: number }>('POST', '/api/invoices', {
      'invoice-number': number,
      'invoice-date': '2026-11-20',
      supplier: { id: supplier },
      currency: { code: 'USD' },
      'invoice-lines': [{ description: 'Widgets', quantity: 4, price: 25, 'order-line-id': po['order-lines'][0].id }]
    });
    await h.coupaApi('PUT', `/api/invoices/${inv.id}/submit`);
    return inv;
  };
  const linkOpportunity = async (reqId: number) => {
    const created = (await h.user().sobject('Opportunity').create({
      Name: `Deal for requisition ${reqId}`,
      StageName: 'Closed Won',
      CloseDate: '2026-11-01',
      Coupa_Requisition_Id__c: String(reqId)
    })) as { id: string };
    return created.id;
  };

  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: { size: 2400, seed: 5 } } });
    await h.salesforce.connect();
    const reqOfPo = new Map<string, number>();
    for (const po of h.coupaEmu.control.list('purchase_orders') as any[]) {
      const req = po['requisition-header']?.id;
      if (req) reqOfPo.set(String(po['po-number']), req);
    }
    // Requisitions some seeded invoice bills against.
    for (const inv of h.coupaEmu.control.list('invoices') as any[]) {
      for (const l of inv['invoice-lines'] ?? []) {
        const req = reqOfPo.get(String(l['po-number']));
        if (req && oppOfReq.size < LINKED && !oppOfReq.has(req)) oppOfReq.set(req, '');
      }
    }
    expect(oppOfReq.size).toBe(LINKED);
    const refs = await h.sfEmu.control.seed({
      Opportunity: [...oppOfReq.keys()].map((id) => ({
        '@ref': `o${id}`,
        Name: `Deal ${id}`,
        StageName: 'Closed Won',
        CloseDate: '2026-12-01',
        Coupa_Requisition_Id__c: String(id)
      }))
    });
    for (const id of oppOfReq.keys()) oppOfReq.set(id, refs[`o${id}`]);
    h.engine.register(createInvoiceStatusFlow(h.deps({ tasks: false })));
  });

  afterAll(async () => {
    await h?.close();
  });

  it('a backfill of many pages makes a constant number of PO requests and links the invoices of linked requisitions', async () => {
    h.coupaEmu.control.resetCounters();
    const summary = await run();
    expect(summary.status).toBe('succeeded');
    const invoices = h.coupaEmu.control.list('invoices') as any[];
    expect(summary.counts.created).toBe(invoices.length);
    expect(invoicePages()).toBeGreaterThanOrEqual(12);
    // The newest PO (where the PO stream starts) and one look-up of the three linked requisitions' POs. (The one
    // invoice stamped after the newest PO names a PO an older invoice named: no read of the PO stream for it.)
    expect(poRequests()).toBe(2);

    const reqOfPo = new Map<string, number>();
    for (const po of h.coupaEmu.control.list('purchase_orders') as any[]) reqOfPo.set(String(po['po-number']), po['requisition-header']?.id);
    const expected = new Map<number, string | null>();
    for (const inv of invoices) {
      const opp = (inv['invoice-lines'] ?? [])
        .map((l: any) => oppOfReq.get(reqOfPo.get(String(l['po-number'])) ?? -1))
        .find((o: string | undefined) => !!o);
      expected.set(inv.id, opp ?? null);
    }
    const rows = (
      await h.user().query<{ Coupa_Invoice_Id__c: string; Opportunity__c: string | null }>(
        'SELECT Coupa_Invoice_Id__c, Opportunity__c FROM Coupa_Invoice__c'
      )
    ).records;
    const actual = new Map(rows.map((r) => [Number(r.Coupa_Invoice_Id__c), r.Opportunity__c ?? null]));
    expect(actual).toEqual(expected);
    expect([...expected.values()].filter(Boolean).length).toBeGreaterThan(0);
  });

  it('an invoice that changes after the backfill, naming a PO seen before, costs no PO request', async () => {
    later();
    const reqOfPo = new Map((h.coupaEmu.control.list('purchase_orders') as any[]).map((p) => [String(p['po-number']), p['requisition-header']?.id]));
    // One whose PO is in no linked requisition: the resolver cannot know it from the map.
    const inv = (h.coupaEmu.control.list('invoices') as any[]).find((i) => {
      const pos = (i['invoice-lines'] ?? []).map((l: any) => l['po-number']).filter(Boolean);
      return pos.length > 0 && pos.every((p: string) => !oppOfReq.has(reqOfPo.get(String(p))));
    });
    h.coupaEmu.control.update('invoices', inv.id, { comments: 'checked by AP' });
    h.coupaEmu.control.resetCounters();
    const summary = await run();
    expect(summary.counts.read).toBe(1); // (planned again: its payload did not change, so nothing is written)
    expect(poRequests()).toBe(0);
  });

  it('an invoice of a PO made after the first load, for a requisition linked since, gets its Opportunity', async () => {
    later();
    const req = await submitRequisition();
    const opp = await linkOpportunity(req.id);
    await run(); // no invoice changed: the new link is read, the requisition has no PO yet
    later();
    const po = await approve(req);
    expect(po).toBeDefined();
    later();
    const inv = await invoiceFor(po, 'PO-LATE-1');
    h.coupaEmu.control.resetCounters();
    expect((await run()).status).toBe('succeeded');
    expect(await opportunityOfInvoice(inv.id)).toBe(opp);
    // The PO change stream, read once for the invoice newer than what the resolver knew.
    expect(poRequests()).toBe(1);
  });

  it('an invoice synced before its requisition has an Opportunity gets it once the link appears, without changing', async () => {
    later();
    const req = await submitRequisition();
    later();
    const po = await approve(req);
    later();
    const inv = await invoiceFor(po, 'LINK-LATE-1');
    await run();
    expect(await opportunityOfInvoice(inv.id)).toBeNull();

    const opp = await linkOpportunity(req.id);
    await run(); // sees the link at the end of its read and releases the invoice waiting on its PO
    await run(); // plans it again
    expect(await opportunityOfInvoice(inv.id)).toBe(opp);
  });
});
