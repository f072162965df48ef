/**
 * The two-way supplier sync under 10% injected 429/5xx on both sides: 300 suppliers are linked to exactly one Account
 * each, nothing is written back to Coupa on the first link, and 20 Website edits in Salesforce reach Coupa as exactly
 * 20 supplier updates. Failures come from fault proxies in front of each emulator, so a failed request never reached
 * the system behind it.
 */
import pino from 'pino';
import { SyncEngine } from '../../middleware/src/engine';
import { createSupplierAccountSyncFlows, TO_COUPA, TO_SALESFORCE } from '../../middleware/src/flows/supplier-account-sync';
import { startHarness, type Harness } from '../e2e/harness';
import { clientsBehind } from './behind-proxies';
import { coupaFailure, salesforceFailure, startFaultProxy, type FaultProxy } from './fault-proxy';
import { report } from './report';

/** RELIABILITY_SOAK=1 (manual runs): ten times the suppliers. */
const N = process.env.RELIABILITY_SOAK ? 3_000 : 300;
jest.setTimeout(process.env.RELIABILITY_SOAK ? 1_800_000 : 240_000);

describe('supplier ⇄ Account sync with 10% injected 429/5xx on both sides', () => {
  let h: Harness;
  let sfProxy: FaultProxy;
  let coupaProxy: FaultProxy;
  let engine: SyncEngine;

  const coupaPuts = () =>
    Object.entries(h.coupaEmu.control.counters().byEndpoint as Record<string, number>)
      .filter(([k]) => /^(PUT|POST|PATCH) \/api\/suppliers/.test(k))
      .reduce((n, [, v]) => n + v, 0);
  /** Runs a flow until it succeeds (a run may stop early when retries run out on a read, as a scheduled run would). */
  const settle = async (name: string) => {
    let s = await engine.runNow(name);
    for (let i = 0; i < 6 && s.status !== 'succeeded'; i++) s = await engine.runNow(name);
    expect({ flow: name, status: s.status, error: s.error }).toEqual({ flow: name, status: 'succeeded', error: undefined });
  };

  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: 0, rateLimit: false } });
    for (let i = 0; i < N; i++) {
      h.coupaEmu.control.create('suppliers', { name: `Faulty Supplies ${i}`, number: `FS-${i}`, status: 'active', website: `https://fs-${i}.example` });
    }
    const notAuth = (_m: string, p: string) => !p.includes('oauth2');
    sfProxy = await startFaultProxy({ target: h.sfEmu.url, rate: 0.1, seed: 7, match: notAuth, respond: salesforceFailure });
    coupaProxy = await startFaultProxy({ target: h.coupaEmu.url, rate: 0.1, seed: 13, match: notAuth, respond: coupaFailure });
    const { salesforce, coupa } = await clientsBehind(h, sfProxy, coupaProxy);
    engine = new SyncEngine({ store: h.store, logger: pino({ level: 'silent' }), retry: { maxAttempts: 8, baseDelayMs: 1, maxDelayMs: 20 } });
    for (const flow of createSupplierAccountSyncFlows({ ...h.deps({ syncPrimaryContact: false }), coupa, salesforce })) engine.register(flow);
  });

  afterAll(async () => {
    await engine?.stop();
    await sfProxy?.close();
    await coupaProxy?.close();
    await h?.close();
  });

  it('links every supplier to exactly one Account and writes nothing back on the first link', async () => {
    h.coupaEmu.control.resetCounters();
    await settle(TO_SALESFORCE);
    await settle(TO_COUPA);
    expect(sfProxy.injected).toBeGreaterThan(0);
    expect(coupaProxy.injected).toBeGreaterThan(0);
    const accounts = h.sfEmu.control.records('Account') as Array<{ Coupa_Supplier_Id__c?: string | null }>;
    const bySupplier = new Map<string, number>();
    for (const a of accounts) if (a.Coupa_Supplier_Id__c) bySupplier.set(a.Coupa_Supplier_Id__c, (bySupplier.get(a.Coupa_Supplier_Id__c) ?? 0) + 1);
    const suppliers = (h.coupaEmu.control.list('suppliers') as Array<{ id: number }>).map((s) => String(s.id));
    expect([...bySupplier.keys()].sort()).toEqual(suppliers.sort());
    expect([...bySupplier.values()].filter((n) => n !== 1)).toEqual([]);
    expect(coupaPuts()).toBe(0);
    expect(await h.store.listDeadLetters({ status: 'open' })).toEqual([]);
    expect(await h.store.listQuarantine()).toEqual([]);
  });

  it('sends 20 Website edits made in Salesforce to Coupa as exactly 20 supplier updates, and nothing after', async () => {
    const accounts = (h.sfEmu.control.records('Account') as Array<{ Id: string; Coupa_Supplier_Id__c?: string | null }>).filter((a) => a.Coupa_Supplier_Id__c).slice(0, 20);
    const user = h.user();
    await user.sobject('Account').update(
      accounts.map((a) => ({ Id: a.Id, Website: `https://edited-${a.Coupa_Supplier_Id__c}.example` })),
      { allOrNone: true } as never,
    );
    h.coupaEmu.control.resetCounters();
    await settle(TO_COUPA);
    await settle(TO_SALESFORCE);
    await settle(TO_COUPA);
    expect(coupaPuts()).toBe(20);
    for (const a of accounts) {
      const s = h.coupaEmu.control.get('suppliers', Number(a.Coupa_Supplier_Id__c)) as { website: string };
      expect(s.website).toBe(`https://edited-${a.Coupa_Supplier_Id__c}.example`);
    }
    expect(await h.store.listDeadLetters({ status: 'open' })).toEqual([]);
    report({
      story: `supplier-account-sync both ways, ${N.toLocaleString('en')} suppliers + 20 edits, 10% faults both sides`,
      records: h.coupaEmu.control.list('suppliers').length,
      faultsSalesforce: sfProxy.injected,
      faultsCoupa: coupaProxy.injected,
      coupaUpdatesForTwentyEdits: coupaPuts(),
      duplicates: 0,
      lost: 0,
    });
  });
});
