/**
 * What the requisition status write-back costs when nothing changed, counted by the Coupa emulator: a re-read of the overlap
 * window reads the change streams and nothing per record; a PO change still reaches its Opportunity, from memory, and
 * a reader that starts again (restart, another instance) reads what it does not remember.
 */
import { overlapStart } from '../../middleware/src/engine';
import {
  createOpportunityToRequisitionFlows,
  STATUS_FLOW_NAME
} from '../../middleware/src/flows/opportunity-to-requisition';
import { OPPORTUNITY_ID_FIELD } from '../../middleware/src/flows/opportunity-to-requisition/logic';
import { startHarness, type Harness } from '../e2e/harness';

jest.setTimeout(120_000);

/** Linked requisitions: more than one page of 50, so the overlap window spans several pages. */
const LINKED = 60;

describe('status write-backs: idle cost', () => {
  let h: Harness;
  const oppIds: string[] = [];
  const reqIds: number[] = [];
  const poOf = new Map<number, number>();

  /** The connector's Coupa list calls: look-ups by a list of ids (`id[in]`, `requisition-header[id][in]`) and the rest. */
  let calls: Array<{ resource: string; stream: boolean }> = [];
  const coupaCalls = () => ({
    streamPages: calls.filter((c) => c.stream).length,
    lookups: calls.filter((c) => !c.stream).map((c) => c.resource),
    total: Object.entries(h.coupaEmu.control.counters().byEndpoint)
      .filter(([k]) => !/oauth|token/i.test(k))
      .reduce((n, [, v]) => n + v, 0)
  });
  const measure = async (flow: string) => {
    h.coupaEmu.control.resetCounters();
    calls = [];
    const run = await h.engine.runNow(flow);
    return { run, calls: coupaCalls() };
  };
  const opportunity = async (id: string) =>
    (
      await h
        .user()
        .query<any>(
          `SELECT Coupa_Requisition_Status__c, Coupa_PO_Number__c, Coupa_PO_Status__c FROM Opportunity WHERE Id = '${id}'`
        )
    ).records[0];

  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: { size: 600, seed: 3 } } });
    await h.salesforce.connect();
    // Seeded requisitions that have a PO, each named by an Opportunity (as the create flow would have made them).
    const posOf = new Map<number, number[]>();
    for (const po of h.coupaEmu.control.list('purchase_orders')) {
      const reqId = (po['requisition-header'] as { id?: number } | null)?.id;
      if (reqId) posOf.set(reqId, [...(posOf.get(reqId) ?? []), po.id as number]);
    }
    for (const [reqId, pos] of posOf) if (poOf.size < LINKED) poOf.set(reqId, pos[0]);
    reqIds.push(...poOf.keys());
    expect(reqIds).toHaveLength(LINKED);
    const refs = await h.sfEmu.control.seed({
      Opportunity: reqIds.map((id) => ({
        '@ref': `o${id}`,
        Name: `Deal ${id}`,
        StageName: 'Closed Won',
        CloseDate: '2026-12-01'
      }))
    });
    for (const id of reqIds) {
      oppIds.push(refs[`o${id}`]);
      h.coupaEmu.control.update('requisitions', id, { 'custom-fields': { [OPPORTUNITY_ID_FIELD]: refs[`o${id}`] } });
    }
    // Then their POs are issued, later than any seeded stamp (a seeded PO is stamped up to a day after its
    // requisition): every record's latest change falls in one overlap window.
    h.coupaEmu.control.clock.advance(2 * 86_400_000);
    for (const id of reqIds) {
      for (const po of posOf.get(id)!) {
        h.coupaEmu.control.update('purchase_orders', po, { status: 'buyer_hold' }); // (an unchanged record keeps its stamp)
        h.coupaEmu.control.update('purchase_orders', po, { status: 'issued' });
      }
    }
    const getPage = h.coupa.getPage.bind(h.coupa);
    jest.spyOn(h.coupa, 'getPage').mockImplementation((resource: string, params: URLSearchParams) => {
      calls.push({ resource, stream: ![...params.keys()].some((k) => k.endsWith('[in]')) });
      return getPage(resource, params);
    });
    for (const f of createOpportunityToRequisitionFlows(h.deps())) h.engine.register(f);
  });
  afterAll(() => h.close());

  it('opportunity-to-requisition-status: an idle poll reads the two change streams only', async () => {
    const first = await measure(STATUS_FLOW_NAME);
    expect(first.run.counts.updated).toBe(LINKED);
    // The first read looks up the POs of the requisitions it has not seen: one call per 50.
    expect(first.calls.lookups).toContain('purchase_orders');

    h.coupaEmu.control.clock.advance(5 * 60_000);
    const idle = await measure(STATUS_FLOW_NAME);

    expect(idle.run.counts).toMatchObject({ created: 0, updated: 0, deadLettered: 0 });
    // The overlap window still holds all 60 requisitions and their POs: it costs the pages of the two change streams
    // and no look-up (before: every requisition in the window and its POs read by id again, per page read).
    expect(idle.calls.lookups).toEqual([]);
    expect(idle.calls.total).toBe(idle.calls.streamPages);
  });

  it('a PO change reaches its Opportunity from the PO stream alone, and a fresh reader reads what it does not remember', async () => {
    const reqId = reqIds[7];
    h.coupaEmu.control.clock.advance(2_000);
    h.coupaEmu.control.update('purchase_orders', poOf.get(reqId)!, { status: 'closed' });
    const changed = await measure(STATUS_FLOW_NAME);
    expect(changed.run.counts.updated).toBe(1);
    expect(await opportunity(oppIds[7])).toMatchObject({
      Coupa_PO_Status__c: 'closed',
      Coupa_PO_Number__c: expect.stringContaining(String(poOf.get(reqId)))
    });
    // the requisition came from memory (no read by id), its POs from the stream (no look-up)
    expect(changed.calls.lookups).toEqual([]);

    // Another instance (or a restart) has nothing in memory: it reads the window's requisitions (only their POs changed
    // in it) and their POs by id again, as every idle poll did before, and finds the change.
    const [, fresh] = createOpportunityToRequisitionFlows(h.deps());
    const cp = (await h.store.getCheckpoint(STATUS_FLOW_NAME))!;
    calls = [];
    const page = await fresh.read({
      after: overlapStart({ ts: cp.cursorTs!, id: cp.cursorId ?? '' }, 60_000),
      limit: 500
    });
    expect(coupaCalls().lookups).toEqual(expect.arrayContaining(['requisitions', 'purchase_orders']));
    expect(page.find((r) => r.id === String(reqId))?.data['purchase-order-summary']).toMatchObject({
      'po-status': 'closed'
    });
  });

  it('forgets what it remembers when the cursor moved past its last read (another instance ran the flow meanwhile)', async () => {
    const i = 11;
    const reqId = reqIds[i];
    // A PO change this process never reads: another instance processes it and moves the checkpoint past it.
    h.coupaEmu.control.clock.advance(5 * 60_000);
    h.coupaEmu.control.update('purchase_orders', poOf.get(reqId)!, { status: 'buyer_hold' });
    const cp = (await h.store.getCheckpoint(STATUS_FLOW_NAME))!;
    const movedTo = new Date(Date.parse(h.coupaEmu.control.clock.now()) + 120_000).toISOString();
    await h.store.saveCheckpoint({ flow: STATUS_FLOW_NAME, cursorTs: movedTo, cursorId: cp.cursorId, extra: {} });
    // Later the requisition itself changes; the PO change is behind the cursor, out of this read's PO stream.
    h.coupaEmu.control.clock.advance(5 * 60_000);
    h.coupaEmu.control.update('requisitions', reqId, { status: 'ordered' });
    const run = await measure(STATUS_FLOW_NAME);
    expect(run.run.counts.updated).toBe(1);
    // Summarised from a fresh look-up, not from memory (which still says issued).
    expect(run.calls.lookups).toContain('purchase_orders');
    expect(await opportunity(oppIds[i])).toMatchObject({
      Coupa_Requisition_Status__c: 'ordered',
      Coupa_PO_Status__c: 'buyer_hold'
    });
  });
});
