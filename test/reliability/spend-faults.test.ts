/**
 * Spend summaries under every fault kind on both sides: computed from a seeded Coupa company (POs, invoices, budget
 * lines) for every linked vendor Account, the figures written through the faults are exactly what a fault-free run
 * computes (that run finds nothing to write), and no summary is written twice.
 */
import pino from 'pino';
import { SyncEngine } from '../../middleware/src/engine';
import { createSpendSummaryFlow, SPEND_SUMMARY_FLOW } from '../../middleware/src/flows/spend-summary';
import { startHarness, type Harness } from '../e2e/harness';
import { behindFaultProxies, type FaultyConnector, expectNoRunLeftRunning } from './faulty-connector';
import { report } from './report';

jest.setTimeout(240_000);

describe('spend summaries with every fault kind on both sides', () => {
  let h: Harness;
  let c: FaultyConnector;
  const now = () => new Date();

  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: { size: 400, seed: 7 }, rateLimit: false } });
    const suppliers = h.coupaEmu.control.list('suppliers') as Array<{ id: number; name: string }>;
    await h.sfEmu.control.seed({
      Account: suppliers.map((s, i) => ({ '@ref': `a${i}`, Name: String(s.name), Type: 'Vendor', Coupa_Supplier_Id__c: String(s.id) })),
    });
    c = await behindFaultProxies(h, { salesforce: 43, coupa: 47 });
  });

  afterAll(async () => {
    await c?.close();
    await h?.close();
  });

  it('writes through the faults exactly what a fault-free run computes', async () => {
    c.engine.register(createSpendSummaryFlow({ ...h.deps(), coupa: c.coupa, salesforce: c.salesforce, now }));
    await c.settle(SPEND_SUMMARY_FLOW);
    await c.engine.stop();
    expect(c.injected()).toBeGreaterThan(0);
    const rows = h.sfEmu.control.records('Coupa_Spend_Summary__c') as Array<{ Key__c: string }>;
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.Key__c)).size).toBe(rows.length);

    // The same flow without faults, on the same state: every figure is already right, so nothing is written.
    const clean = new SyncEngine({ store: h.store, logger: pino({ level: 'silent' }) });
    clean.register(createSpendSummaryFlow({ ...h.deps(), now }));
    const again = await clean.runNow(SPEND_SUMMARY_FLOW);
    await clean.stop();
    expect(again).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ created: 0, updated: 0, deadLettered: 0 }) });
    await expectNoRunLeftRunning(h.store);
    report({
      story: `spend-summary, ${rows.length} summaries, every fault kind both sides`,
      records: rows.length,
      ...c.figures(),
      duplicates: 0,
      lost: 0,
    });
  });
});
