/**
 * invoice-status under every fault kind on both sides (fault-proxy.ts): a 2,000-invoice sync, one in ten invoices
 * disputed, completes with every invoice written exactly once and one dispute Task per disputed invoice — throttles,
 * 5xx, dropped connections, spoilt and late answers, expired sessions and UNABLE_TO_LOCK_ROW included. A Task create
 * whose answer was lost (the Task exists) must be found, not created again.
 */
import type { Connection } from 'jsforce';
import { createInvoiceStatusFlow } from '../../middleware/src/flows/invoice-status';
import { startHarness, type Harness } from '../e2e/harness';
import {
  behindFaultProxies,
  countPerKey,
  expectNoRunLeftRunning,
  kindsNotInjected,
  SOAK,
  type FaultyConnector
} from './faulty-connector';
import { report } from './report';

/** RELIABILITY_SOAK=1 (manual runs): five times the records. */
const N = SOAK ? 10_000 : 2_000;
jest.setTimeout(SOAK ? 1_800_000 : 240_000);

describe(`a ${N.toLocaleString('en')}-invoice sync with every fault kind on both sides`, () => {
  let h: Harness;
  let c: FaultyConnector;
  let user: Connection;
  let accountId: string;
  const disputed: string[] = [];

  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: 0, rateLimit: false } });
    user = h.user();
    const control = h.coupaEmu.control;
    const supplier = control.create('suppliers', { name: 'Reliable Parts', number: 'REL-1', status: 'active' }) as {
      id: number;
    };
    accountId = (
      (await user.sobject('Account').create({ Name: 'Reliable Parts', Coupa_Supplier_Id__c: String(supplier.id) })) as {
        id: string;
      }
    ).id;
    for (let i = 0; i < N; i++) {
      const inv = control.create('invoices', {
        'invoice-number': `REL-${String(i).padStart(5, '0')}`,
        'invoice-date': '2026-11-01',
        status: i % 10 === 3 ? 'disputed' : 'approved',
        supplier: { id: supplier.id },
        currency: { code: 'USD' },
        'gross-total': String(100 + i)
      }) as { id: number; 'invoice-number': string };
      if (i % 10 === 3) disputed.push(`Coupa invoice ${inv['invoice-number']} disputed`);
    }
    c = await behindFaultProxies(h, { salesforce: 11, coupa: 29 });
  });

  afterAll(async () => {
    await c?.close();
    await h?.close();
  });

  it('writes every invoice once, logs one Task per dispute, dead-letters nothing, and keeps the checkpoint at the last invoice', async () => {
    const { salesforce, coupa, engine } = c;
    engine.register(
      createInvoiceStatusFlow({ ...h.deps({ tasks: { onDisputed: true, onPaid: true } }), coupa, salesforce }),
      { batchSize: 200 }
    );
    // A run may stop early when retries run out on a read; the next scheduled run continues from the checkpoint.
    await c.settle('invoice-status', 9);

    expect([
      ...kindsNotInjected(c.sfProxy, 'salesforce', { reads: true, writes: true }),
      ...kindsNotInjected(c.coupaProxy, 'coupa', { reads: true, writes: false })
    ]).toEqual([]);
    const rows = h.sfEmu.control.records('Coupa_Invoice__c') as Array<{ Coupa_Invoice_Id__c: string }>;
    const ids = rows.map((r) => r.Coupa_Invoice_Id__c);
    const coupaIds = (h.coupaEmu.control.list('invoices') as Array<{ id: number }>).map((i) => String(i.id));
    expect(coupaIds.length).toBeGreaterThanOrEqual(N);
    expect(ids.sort()).toEqual(coupaIds.sort());
    const tasks = countPerKey(
      (h.sfEmu.control.records('Task') as Array<{ WhatId: string; Subject: string }>)
        .filter((t) => t.WhatId === accountId)
        .map((t) => t.Subject)
    );
    expect([...tasks.keys()].sort()).toEqual([...disputed].sort());
    expect([...tasks.values()].filter((n) => n !== 1)).toEqual([]);
    expect(await h.store.listDeadLetters({ flow: 'invoice-status' })).toEqual([]);
    await expectNoRunLeftRunning(h.store);
    const last = (h.coupaEmu.control.list('invoices') as Array<{ id: number }>)
      .map((i) => i.id)
      .sort((a, b) => b - a)[0];
    expect((await h.store.getCheckpoint('invoice-status'))?.cursorId).toBe(String(last));
    report({
      story: `invoice-status, ${N.toLocaleString('en')} invoices (${disputed.length} disputed → Tasks), every fault kind both sides`,
      records: coupaIds.length,
      ...c.figures(),
      duplicates: ids.length - new Set(ids).size,
      lost: coupaIds.filter((id) => !ids.includes(id)).length,
      sideEffects: disputed.length,
      sideEffectDuplicates: [...tasks.values()].reduce((n, k) => n + k - 1, 0),
      sideEffectsLost: disputed.filter((s) => !tasks.has(s)).length,
      deadLetters: 0
    });
  });
});
