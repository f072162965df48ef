/**
 * Issue 5 acceptance: with 10% of requests failing (429/5xx) on both sides, a 2,000-record sync completes with
 * every record written exactly once. Failures come from fault proxies in front of each emulator, so a failed
 * request never reached the system behind it.
 */
import type { Connection } from 'jsforce';
import { createInvoiceStatusFlow } from '../../middleware/src/flows/invoice-status';
import { startHarness, type Harness } from '../e2e/harness';
import { behindFaultProxies, type FaultyConnector } from './faulty-connector';
import { report } from './report';

/** RELIABILITY_SOAK=1 (manual runs): ten times the records. */
const N = process.env.RELIABILITY_SOAK ? 10_000 : 2_000;
jest.setTimeout(process.env.RELIABILITY_SOAK ? 1_800_000 : 240_000);

describe(`a ${N.toLocaleString('en')}-invoice sync with 10% injected 429/5xx on both sides`, () => {
  let h: Harness;
  let c: FaultyConnector;
  let user: Connection;

  beforeAll(async () => {
    h = await startHarness({ coupa: { seed: 0, rateLimit: false } });
    user = h.user();
    const control = h.coupaEmu.control;
    const supplier = control.create('suppliers', { name: 'Reliable Parts', number: 'REL-1', status: 'active' }) as {
      id: number;
    };
    await user.sobject('Account').create({ Name: 'Reliable Parts', Coupa_Supplier_Id__c: String(supplier.id) });
    for (let i = 0; i < N; i++) {
      control.create('invoices', {
        'invoice-number': `REL-${String(i).padStart(5, '0')}`,
        'invoice-date': '2026-11-01',
        status: 'approved',
        supplier: { id: supplier.id },
        currency: { code: 'USD' },
        'gross-total': String(100 + i)
      });
    }
    c = await behindFaultProxies(h, { salesforce: 11, coupa: 29 });
  });

  afterAll(async () => {
    await c?.close();
    await h?.close();
  });

  it('writes every invoice once, dead-letters nothing, and keeps the checkpoint at the last invoice', async () => {
    const { salesforce, coupa, engine } = c;
    engine.register(
      createInvoiceStatusFlow({ ...h.deps({ tasks: { onDisputed: false, onPaid: false } }), coupa, salesforce }),
      { batchSize: 200 }
    );
    // A run may stop early when retries run out on a read; the next scheduled run continues from the checkpoint.
    await c.settle('invoice-status', 6);

    expect(c.sfProxy.injected).toBeGreaterThan(0);
    expect(c.coupaProxy.injected).toBeGreaterThan(0);
    const rows = h.sfEmu.control.records('Coupa_Invoice__c') as Array<{
      Coupa_Invoice_Id__c: string;
      IsDeleted?: boolean;
    }>;
    const ids = rows.map((r) => r.Coupa_Invoice_Id__c);
    const coupaIds = (h.coupaEmu.control.list('invoices') as Array<{ id: number }>).map((i) => String(i.id));
    expect(coupaIds.length).toBeGreaterThanOrEqual(N);
    expect(ids.sort()).toEqual(coupaIds.sort());
    expect(await h.store.listDeadLetters({ flow: 'invoice-status' })).toEqual([]);
    const last = (h.coupaEmu.control.list('invoices') as Array<{ id: number }>)
      .map((i) => i.id)
      .sort((a, b) => b - a)[0];
    expect((await h.store.getCheckpoint('invoice-status'))?.cursorId).toBe(String(last));
    report({
      story: `invoice-status, ${N.toLocaleString('en')} invoices, 10% faults both sides`,
      records: coupaIds.length,
      faultsSalesforce: c.sfProxy.injected,
      faultsCoupa: c.coupaProxy.injected,
      duplicates: ids.length - new Set(ids).size,
      lost: coupaIds.filter((id) => !ids.includes(id)).length,
      deadLetters: 0,
    });
  });
});
