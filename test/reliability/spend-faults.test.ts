/**
 * Spend summaries under 10% injected 429/5xx on both sides: computed from a seeded Coupa company (POs, invoices, budget
 * lines) for every linked vendor Account, the figures written through the faults are exactly what a fault-free run
 * computes (that run finds nothing to write), and no summary is written twice.
 */
import pino from 'pino';
import { SyncEngine } from '../../middleware/src/engine';
import { createSpendSummaryFlow, SPEND_SUMMARY_FLOW } from '../../middleware/src/flows/spend-summary';
import { startHarness, type Harness } from '../e2e/harness';
import { clientsBehind } from './behind-proxies';
import { coupaFailure, salesforceFailure, startFaultProxy, type FaultProxy } from './fault-proxy';
import { report } from './report';

jest.setTimeout(240_000);

describe('spend summaries with 10% injected 429/5xx on both sides', () => {
  let h: Harness;
  let sfProxy: FaultProxy;
  let coupaProxy: FaultProxy;
  const now = () => new Date();

  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: { size: 400, seed: 7 }, rateLimit: false } });
    const suppliers = h.coupaEmu.control.list('suppliers') as Array<{ id: number; name: string }>;
    await h.sfEmu.control.seed({
      Account: suppliers.map((s, i) => ({ '@ref': `a${i}`, Name: String(s.name), Type: 'Vendor', Coupa_Supplier_Id__c: String(s.id) })),
    });
    const notAuth = (_m: string, p: string) => !p.includes('oauth2');
    sfProxy = await startFaultProxy({ target: h.sfEmu.url, rate: 0.1, seed: 43, match: notAuth, respond: salesforceFailure });
    coupaProxy = await startFaultProxy({ target: h.coupaEmu.url, rate: 0.1, seed: 47, match: notAuth, respond: coupaFailure });
  });

  afterAll(async () => {
    await sfProxy?.close();
    await coupaProxy?.close();
    await h?.close();
  });

  it('writes through the faults exactly what a fault-free run computes', async () => {
    const { salesforce, coupa } = await clientsBehind(h, sfProxy, coupaProxy);
    const faulty = new SyncEngine({ store: h.store, logger: pino({ level: 'silent' }), retry: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 20 } });
    faulty.register(createSpendSummaryFlow({ ...h.deps(), coupa, salesforce, now }));
    let s = await faulty.runNow(SPEND_SUMMARY_FLOW);
    for (let i = 0; i < 8 && s.status !== 'succeeded'; i++) s = await faulty.runNow(SPEND_SUMMARY_FLOW);
    await faulty.stop();
    expect({ status: s.status, error: s.error }).toEqual({ status: 'succeeded', error: undefined });
    expect(sfProxy.injected + coupaProxy.injected).toBeGreaterThan(0);
    const rows = h.sfEmu.control.records('Coupa_Spend_Summary__c') as Array<{ Key__c: string }>;
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.Key__c)).size).toBe(rows.length);

    // The same flow without faults, on the same state: every figure is already right, so nothing is written.
    const clean = new SyncEngine({ store: h.store, logger: pino({ level: 'silent' }) });
    clean.register(createSpendSummaryFlow({ ...h.deps(), now }));
    const again = await clean.runNow(SPEND_SUMMARY_FLOW);
    await clean.stop();
    expect(again).toMatchObject({ status: 'succeeded', counts: expect.objectContaining({ created: 0, updated: 0, deadLettered: 0 }) });
    report({
      story: `spend-summary, ${rows.length} summaries, 10% faults both sides`,
      records: rows.length,
      faultsSalesforce: sfProxy.injected,
      faultsCoupa: coupaProxy.injected,
      duplicates: 0,
      lost: 0,
    });
  });
});
