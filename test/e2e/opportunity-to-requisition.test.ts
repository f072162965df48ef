/**
 * Story: a sales rep wins a deal in Salesforce; procurement gets exactly one Coupa requisition for it, and the
 * rep sees the requisition, then the purchase order, on the Opportunity as Coupa approves it.
 */
import type { FlowDefinition, WriteItem, WriteOutcome } from '../../middleware/src/engine';
import { COUPA_SCHEMA } from '../../middleware/src/coupa';
import {
  createOpportunityToRequisitionFlows,
  FLOW_NAME,
  STATUS_FLOW_NAME
} from '../../middleware/src/flows/opportunity-to-requisition';
import { assertMappingsValid } from '../../middleware/src/mapping';
import { startHarness, type Harness } from './harness';

jest.setTimeout(60_000);

describe('opportunity → requisition (end to end)', () => {
  let h: Harness;
  const coupaApi = <T = any>(method: string, path: string, body?: unknown) => h.coupaApi<T>(method, path, body);
  let supplierId: number;
  let accountId: string;
  let productIds: string[];

  const requisitionsFor = (oppId: string) =>
    coupaApi<any[]>('GET', `/api/requisitions?custom_fields[salesforce-opportunity-id]=${oppId}`);

  /** An open Opportunity with two products, as a rep would build it. */
  async function newOpportunity(name: string, extra: Record<string, unknown> = {}): Promise<string> {
    const conn = h.user();
    const opp = await conn
      .sobject('Opportunity')
      .create({
        Name: name,
        StageName: 'Negotiation/Review',
        CloseDate: '2026-12-15',
        AccountId: accountId,
        Amount: 2600,
        ...extra
      });
    const oppId = (opp as { id: string }).id;
    await conn.sobject('OpportunityLineItem').create([
      { OpportunityId: oppId, Product2Id: productIds[0], Quantity: 2, UnitPrice: 800, Description: 'Rack install' },
      { OpportunityId: oppId, Product2Id: productIds[1], Quantity: 10, UnitPrice: 100 }
    ]);
    return oppId;
  }
  const win = (oppId: string) => h.user().sobject('Opportunity').update({ Id: oppId, StageName: 'Closed Won' });
  const opportunity = async (oppId: string) =>
    (
      await h
        .user()
        .query<any>(
          `SELECT Coupa_Requisition_Id__c, Coupa_Requisition_Status__c, Coupa_PO_Number__c, Coupa_PO_Status__c, Coupa_Committed_Amount__c FROM Opportunity WHERE Id = '${oppId}'`
        )
    ).records[0];

  beforeAll(async () => {
    h = await startHarness();
    await h.salesforce.connect(); // the harness leaves the client unauthenticated (no instance URL yet)
    const supplier = h.coupaEmu.control.create('suppliers', {
      name: 'Northwind Racks',
      number: 'NW-100',
      status: 'active'
    }) as { id: number };
    // The rep who owns the Opportunities is a Coupa user too (same email).
    const [rep] = (
      await h
        .user()
        .query<{ Email: string }>(`SELECT Email FROM User WHERE Id = '${h.sfEmu.control.integrationUserId()}'`)
    ).records;
    h.coupaEmu.control.create('users', {
      login: 'sales.rep',
      email: rep.Email,
      firstname: 'Sam',
      lastname: 'Rep',
      active: true
    });
    supplierId = supplier.id;
    const refs = await h.sfEmu.control.seed({
      Account: [{ '@ref': 'acct', Name: 'Northwind Racks', Type: 'Vendor', Coupa_Supplier_Id__c: String(supplierId) }],
      Product2: [
        { '@ref': 'p1', Name: 'Server rack', ProductCode: 'RACK-42U', IsActive: true },
        { '@ref': 'p2', Name: 'Patch cable', ProductCode: 'CAB-2M', IsActive: true }
      ]
    });
    accountId = refs.acct;
    productIds = [refs.p1, refs.p2];
    const flows = createOpportunityToRequisitionFlows(
      h.deps({ submitForApproval: true, fallbackRequesterLogin: 'jdoe', shipToLocationCode: 'HQ' })
    );
    // Small pages make every status run page through its overlap window (already-seen records) and beyond.
    for (const f of flows) h.engine.register(f, { batchSize: 2 });
  });
  afterAll(() => h.close());

  it('ships default mappings that validate against the org describe and the Coupa schema', async () => {
    const mappings = ['opportunity-to-requisition', 'opportunity-to-requisition-lines'].map((n) =>
      h.deps().mappings.get(n)!
    );
    await expect(
      assertMappingsValid(mappings, { coupaSchema: COUPA_SCHEMA, describe: (o) => h.salesforce.describe(o) })
    ).resolves.toBeDefined();
  });

  it('creates one submitted requisition when the Opportunity is won, and writes its progress back', async () => {
    const oppId = await newOpportunity('Northwind — data centre racks');
    await h.engine.runNow(FLOW_NAME);
    expect(await requisitionsFor(oppId)).toHaveLength(0); // not won yet

    await win(oppId);
    const run = await h.engine.runNow(FLOW_NAME);
    expect(run.counts.created).toBe(1);
    const [req] = await requisitionsFor(oppId);
    expect(req.status).toBe('pending_approval');
    expect(req['requested-by'].login).toBe('sales.rep'); // the owner's email, not the fallback
    expect(req['ship-to-address']['location-code']).toBe('HQ');
    expect(req['requisition-lines']).toEqual([
      expect.objectContaining({
        description: 'Server rack — Rack install',
        quantity: '2.0',
        'unit-price': '800.0',
        'source-part-num': 'RACK-42U',
        currency: expect.objectContaining({ code: 'USD' }),
        supplier: expect.objectContaining({ id: supplierId })
      }),
      expect.objectContaining({ description: 'Patch cable', quantity: '10.0', 'unit-price': '100.0' })
    ]);

    await h.engine.runNow(STATUS_FLOW_NAME);
    expect(await opportunity(oppId)).toMatchObject({
      Coupa_Requisition_Id__c: String(req.id),
      Coupa_Requisition_Status__c: 'pending_approval',
      Coupa_PO_Number__c: null
    });

    // Procurement approves in Coupa; Coupa issues the PO.
    const [approval] = await coupaApi<any[]>('GET', `/api/approvals?approvable-id=${req.id}&status=pending_approval`);
    await coupaApi('PUT', `/api/approvals/${approval.id}/approve`);
    const [po] = await coupaApi<any[]>('GET', `/api/purchase_orders?requisition-header[id]=${req.id}`);
    await h.engine.runNow(STATUS_FLOW_NAME);
    expect(await opportunity(oppId)).toMatchObject({
      Coupa_Requisition_Status__c: 'ordered',
      Coupa_PO_Number__c: String(po['po-number']),
      Coupa_PO_Status__c: 'issued',
      Coupa_Committed_Amount__c: 2600
    });

    // Coupa closes the PO later; only the PO changed, and the Opportunity follows.
    await coupaApi('PUT', `/api/purchase_orders/${po.id}/close`);
    await h.engine.runNow(STATUS_FLOW_NAME);
    expect(await opportunity(oppId)).toMatchObject({ Coupa_PO_Status__c: 'closed' });

    // Re-saving the won Opportunity never creates a second requisition.
    await h.user().sobject('Opportunity').update({ Id: oppId, Description: 'updated after the win' });
    await h.engine.runNow(FLOW_NAME);
    expect(await requisitionsFor(oppId)).toHaveLength(1);
  });

  it('creates exactly one requisition when Coupa creates it but the answer is lost', async () => {
    const oppId = await newOpportunity('Northwind — lost answer');
    await win(oppId);
    h.coupaEmu.control.addFault({ kind: 'drop-after', method: 'POST', path: '/api/requisitions', times: 1 });
    h.coupaEmu.control.resetCounters();
    const run = await h.engine.runNow(FLOW_NAME);
    expect(run.status).toBe('succeeded');
    // The page look-up before the create, one re-check after the lost answer, and no second POST.
    const calls = h.coupaEmu.control.counters().byEndpoint;
    expect(calls['POST /api/requisitions/submit_for_approval']).toBe(1);
    expect(calls['GET /api/requisitions']).toBe(2);
    expect(await requisitionsFor(oppId)).toHaveLength(1);
    await h.engine.runNow(FLOW_NAME);
    await h.engine.runNow(STATUS_FLOW_NAME);
    const [req] = await requisitionsFor(oppId);
    expect((await opportunity(oppId)).Coupa_Requisition_Id__c).toBe(String(req.id));
  });

  it('a second instance (fresh state store) finds the requisition by the Opportunity id instead of creating another', async () => {
    const oppId = await newOpportunity('Northwind — second instance');
    await win(oppId);
    // Another instance created it already, but this instance has no link or ledger entry for it.
    const other = createOpportunityToRequisitionFlows(
      h.deps({ submitForApproval: true, fallbackRequesterLogin: 'jdoe', shipToLocationCode: 'HQ' })
    )[0];
    const created = await writeDirect(other, {
      sourceId: oppId,
      op: 'create',
      idempotencyKey: `x:${oppId}`,
      payload: (await other.map((await other.read({ after: null, limit: 200 })).find((r) => r.id === oppId)!, { targetId: null }))!
    });
    expect(created.ok).toBe(true);
    await h.engine.runNow(FLOW_NAME);
    expect(await requisitionsFor(oppId)).toHaveLength(1);
  });

  it('writes back every requisition when more change at once than fit in a page', async () => {
    const pending = await coupaApi<any[]>('GET', '/api/approvals?status=pending_approval');
    expect(pending.length).toBeGreaterThanOrEqual(2);
    for (const a of pending) await coupaApi('PUT', `/api/approvals/${a.id}/approve`);
    await h.engine.runNow(STATUS_FLOW_NAME);
    const opps = (
      await h
        .user()
        .query<any>(
          'SELECT Name, Coupa_Requisition_Status__c, Coupa_PO_Status__c FROM Opportunity WHERE Coupa_Requisition_Id__c != null'
        )
    ).records;
    expect(opps.length).toBeGreaterThanOrEqual(3);
    for (const o of opps)
      expect(o).toMatchObject({
        Coupa_Requisition_Status__c: 'ordered',
        Coupa_PO_Status__c: expect.stringMatching(/issued|closed/)
      });
  });

  it('dead-letters a won Opportunity without products with a reason a person can act on', async () => {
    const conn = h.user();
    const res = (await conn
      .sobject('Opportunity')
      .create({
        Name: 'Northwind — no products',
        StageName: 'Closed Won',
        CloseDate: '2026-12-15',
        AccountId: accountId
      })) as { id: string };
    const run = await h.engine.runNow(FLOW_NAME);
    expect(run.counts.deadLettered).toBe(1);
    expect(await requisitionsFor(res.id)).toHaveLength(0);
    const letters = await h.store.listDeadLetters({ flow: FLOW_NAME });
    expect(letters.map((l) => l.message).join('\n')).toMatch(
      /has no products \(OpportunityLineItems\); add products and save it again/
    );

    // The rep does what the message says.
    await conn
      .sobject('OpportunityLineItem')
      .create({ OpportunityId: res.id, Product2Id: productIds[0], Quantity: 1, UnitPrice: 900 });
    await conn.sobject('Opportunity').update({ Id: res.id, NextStep: 'products added' });
    await h.engine.runNow(FLOW_NAME);
    expect(await requisitionsFor(res.id)).toHaveLength(1);
  });

  it('replays a dead-lettered Opportunity once the rep has added products', async () => {
    const conn = h.user();
    const res = (await conn
      .sobject('Opportunity')
      .create({
        Name: 'Northwind — replay',
        StageName: 'Closed Won',
        CloseDate: '2026-12-15',
        AccountId: accountId
      })) as { id: string };
    await h.engine.runNow(FLOW_NAME);
    const letter = (await h.store.listDeadLetters({ flow: FLOW_NAME, status: 'open' })).find((l) =>
      l.recordKey.endsWith(res.id)
    )!;
    expect(letter.message).toMatch(/"Northwind — replay" has no products/);
    await conn
      .sobject('OpportunityLineItem')
      .create({ OpportunityId: res.id, Product2Id: productIds[1], Quantity: 3, UnitPrice: 10 });
    await expect(h.engine.replay(letter.id, 'ops@example.com')).resolves.toEqual({ ok: true });
    const [req] = await requisitionsFor(res.id);
    expect(req['requisition-lines']).toEqual([
      expect.objectContaining({ description: 'Patch cable', quantity: '3.0' })
    ]);
  });

  it('leaves the requisition a draft when submitForApproval is off', async () => {
    const oppId = await newOpportunity('Northwind — draft only');
    await win(oppId);
    const [draftFlow] = createOpportunityToRequisitionFlows(
      h.deps({ submitForApproval: false, fallbackRequesterLogin: 'jdoe' })
    );
    const rec = (await draftFlow.read({ after: null, limit: 200 })).find((r) => r.id === oppId)!;
    const payload = (await draftFlow.map(rec, { targetId: null }))!;
    const out = await writeDirect(draftFlow, { sourceId: oppId, op: 'create', idempotencyKey: `draft:${oppId}`, payload });
    expect(out.ok ? 'ok' : String((out as { error: unknown }).error)).toBe('ok');
    const [req] = await requisitionsFor(oppId);
    expect(req).toMatchObject({ status: 'draft', 'submitted-at': null });
  });
});

/**
 * A flow's write called directly, as another instance would: no engine retries it, so a 429 caused by the person's
 * calls sharing the emulator's rate limit is waited out here.
 */
async function writeDirect(flow: FlowDefinition, item: WriteItem): Promise<WriteOutcome> {
  let [out] = await flow.write([item]);
  for (let i = 0; i < 5 && !out.ok && /429/.test(String(out.error)); i++) {
    await new Promise((r) => setTimeout(r, 1000));
    [out] = await flow.write([item]);
  }
  return out;
}
