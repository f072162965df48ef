/**
 * The sync engine driving the real clients against both emulators: Coupa invoices → Salesforce
 * Coupa_Invoice__c (upsert by Coupa_Invoice_Id__c), with faults injected on both sides and a PostgreSQL store.
 */
import { startCoupaEmulator, type CoupaEmulator } from '../../emulators/coupa/src';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../../emulators/salesforce/src';
import { CoupaClient, TokenBucket, classifyCoupaError, iterateChanges, projectionFromPaths } from '../../middleware/src/coupa';
import { SyncEngine } from '../../middleware/src/engine';
import type { Classification, FlowDefinition, SourceRecord, WriteOutcome } from '../../middleware/src/engine';
import { SalesforceClient, classifySalesforceError, soqlQuote, type WriteResult } from '../../middleware/src/salesforce';
import { openStateStore, uniqueSchemaName, type SqlStateStore } from '../../middleware/src/store';
import { TEST_DATABASE_URL } from '../../middleware/src/store/test-stores';

jest.setTimeout(60_000);

const SF = { clientId: 'engine-it', clientSecret: 'engine-it-secret', username: 'integration@coupa-connector.example' };

type Invoice = { id: number; 'updated-at': string; 'gross-total'?: string | number | null; currency?: { code?: string } | null };

/** A record-level Salesforce failure, carrying the client's classification. */
class RecordFailure extends Error {
  constructor(readonly result: WriteResult) {
    super(result.errors.map((e) => `${e.code}: ${e.message}`).join('; '));
  }
}

function invoiceFlow(coupa: CoupaClient, sf: SalesforceClient): FlowDefinition<Invoice> {
  return {
    name: 'invoice-status',
    source: { system: 'coupa', object: 'invoices' },
    target: { system: 'salesforce', object: 'Coupa_Invoice__c' },
    trigger: { kind: 'poll' },
    batchSize: 50,
    overlapMs: 1000,
    async read({ after, limit }) {
      const out: SourceRecord<Invoice>[] = [];
      const since = after ? { updatedAt: after.ts, id: Number(after.id || 0) } : undefined;
      const fields = projectionFromPaths(['id', 'updated-at', 'gross-total', 'currency.code']);
      for await (const { record } of iterateChanges<Invoice>(coupa, 'invoices', { since, fields })) {
        out.push({ id: String(record.id), ts: record['updated-at'], data: record });
        if (out.length >= limit) break;
      }
      return out;
    },
    map: (r) => ({
      Name: `Invoice ${r.id}`,
      Coupa_Invoice_Id__c: r.id,
      Gross_Total__c: r.data['gross-total'] == null ? null : Number(r.data['gross-total']),
      Currency_Code__c: r.data.currency?.code ?? null,
    }),
    async write(items) {
      const results = await sf.upsert('Coupa_Invoice__c', 'Coupa_Invoice_Id__c', items.map((i) => i.payload));
      return results.map((r): WriteOutcome => (r.success && r.id ? { ok: true, targetId: r.id } : { ok: false, error: new RecordFailure(r), response: r }));
    },
    async findByIdempotencyKey(key) {
      const [row] = await sf.queryAll<{ Id: string }>(`SELECT Id FROM Coupa_Invoice__c WHERE Coupa_Invoice_Id__c = ${soqlQuote(key.split(':').pop()!)}`);
      return row?.Id ?? null;
    },
    idempotencyKey: (r) => `invoice-status:${r.id}`,
    classify(err): Classification {
      if (err instanceof RecordFailure) return err.result.failure ?? { kind: 'validation', retryable: false };
      const sfClass = classifySalesforceError(err);
      return sfClass.kind === 'ambiguous' ? classifyCoupaError(err) : sfClass;
    },
  };
}

describe('engine + clients + emulators', () => {
  let coupaEmu: CoupaEmulator;
  let sfEmu: RunningSalesforceEmulator;
  let store: SqlStateStore;

  beforeAll(async () => {
    coupaEmu = await startCoupaEmulator({ seed: { size: 400, seed: 11 } });
    sfEmu = await startSalesforceEmulator({ ...SF });
    store = await openStateStore({ databaseUrl: TEST_DATABASE_URL, pgSchema: uniqueSchemaName('cs_e2e'), dropSchemaOnClose: true });
  });
  afterAll(async () => {
    await store?.close();
    await sfEmu?.close();
    await coupaEmu?.close();
  });

  it('syncs every invoice exactly once through injected faults on both sides, then only changes', async () => {
    const coupa = new CoupaClient({
      baseUrl: coupaEmu.url,
      clientId: coupaEmu.clientId,
      clientSecret: coupaEmu.clientSecret,
      scopes: ['core.invoice.read'],
      bucket: new TokenBucket({ ratePerSecond: 1000, burst: 100 }),
      backoff: { baseMs: 1, maxMs: 5 },
    });
    // recordRetries 0: per-record transient failures come back to the engine, whose retry policy is under test.
    const sf = new SalesforceClient({ auth: { flow: 'client-credentials', loginUrl: sfEmu.url, ...SF }, backoff: { baseMs: 1, maxMs: 5 }, recordRetries: 0 });
    await sf.connect();
    coupaEmu.control.addFault({ kind: 'status', status: 429, method: 'GET', path: '/api/invoices', times: 2, after: 1 });
    coupaEmu.control.addFault({ kind: 'status', status: 503, method: 'GET', path: '/api/invoices', times: 1, after: 3 });
    sfEmu.control.addFault({ lockRow: true, object: 'Coupa_Invoice__c', times: 3 });
    sfEmu.control.addFault({ status: 503, endpoint: 'composite.sobjects.upsert', times: 1 });

    const engine = new SyncEngine({ store, sleep: async () => undefined, retry: { maxAttempts: 6 } });
    engine.register(invoiceFlow(coupa, sf));
    const first = await engine.runNow('invoice-status');
    const expected = coupaEmu.control.count('invoices');
    const dls = await store.listDeadLetters({ limit: 3 });
    expect(dls.map((d) => [d.errorClass, d.message])).toEqual([]);
    expect(first).toMatchObject({ status: 'succeeded', counts: { deadLettered: 0 } });
    expect(first.counts.created + first.counts.updated).toBe(expected);
    expect(first.counts.retries).toBeGreaterThan(0); // the row-lock failures came back per record and were retried

    const rows = sfEmu.control.records('Coupa_Invoice__c');
    expect(rows).toHaveLength(expected);
    expect(new Set(rows.map((r) => r.Coupa_Invoice_Id__c)).size).toBe(expected);
    expect(await store.listLinks('invoice-status', { limit: 10_000 })).toHaveLength(expected);

    const again = await engine.runNow('invoice-status');
    expect(again.counts).toMatchObject({ created: 0, updated: 0, deadLettered: 0 });
    await engine.stop();
  });
});
