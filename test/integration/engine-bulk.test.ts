/**
 * A backlog through the real invoice-status flow (FLOW_MODULES, as the runtime registers it), the real clients and
 * both emulators: past the first page the engine hands the writer batches of `bulkBatch` records, which the
 * Salesforce client sends as Bulk API 2.0 upsert jobs; a row Salesforce refuses is dead-lettered with its request and
 * response, the rest of its batch is written. A small incremental poll afterwards uses sObject Collections.
 */
import { FLOW_MODULES } from '../../middleware/src/flows';
import { startRig, type Rig } from '../../scripts/bench/rig';

jest.setTimeout(120_000);

describe('backlog batches through Bulk API 2.0 (invoice-status, emulators)', () => {
  let rig: Rig;
  /** Set: the first write of a backlog batch arms a one-time validation failure in the emulator (its first row fails). */
  let armOnBulk = false;
  const bulkCalls = () => Object.entries(rig.sfEmu.control.counters().byEndpoint).filter(([k]) => k.startsWith('bulk2'));
  const count = (endpoint: string) => rig.sfEmu.control.counters().byEndpoint[endpoint] ?? 0;

  beforeAll(async () => {
    rig = await startRig({
      coupa: { seed: { size: 2_000, seed: 3 } },
      bulkThreshold: 300,
      engine: { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, rateLimitedDelayMs: 50 }, bulkBatch: 300 },
      coupaRate: { ratePerSecond: 10_000, burst: 10_000 }
    });
    const module = FLOW_MODULES.find((m) => m.name === 'invoice-status')!;
    const [flow] = module.build(rig.deps({ tasks: false }));
    expect(flow.bulkWrite).toBe(true);
    const write = flow.write.bind(flow);
    flow.write = (items) => {
      if (armOnBulk && items.length >= 300) {
        armOnBulk = false;
        rig.sfEmu.control.addFault({ writeError: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', object: 'Coupa_Invoice__c', times: 1 });
      }
      return write(items);
    };
    rig.engine.register(flow, { batchSize: 100 });
  });
  afterAll(() => rig?.close());

  it('writes the backlog as Bulk API 2.0 jobs, one outcome per record, a refused row dead-lettered', async () => {
    const invoices = rig.coupaEmu.control.count('invoices');
    expect(invoices).toBeGreaterThan(500);
    rig.sfEmu.control.resetCounters();
    armOnBulk = true;
    const summary = await rig.engine.runNow('invoice-status');
    expect(summary).toMatchObject({ status: 'partial', counts: { read: invoices, created: invoices - 1, deadLettered: 1 } });
    expect(rig.sfEmu.control.records('Coupa_Invoice__c')).toHaveLength(invoices - 1);
    // the first page (100) by sObject Collections, the backlog (batches of 300) by Bulk API 2.0 jobs
    // (a last batch below the threshold goes by sObject Collections too)
    expect(count('bulk2.ingest.create')).toBe(Math.floor((invoices - 100) / 300));
    expect(count('composite.sobjects.upsert')).toBe(1 + ((invoices - 100) % 300 ? 1 : 0));
    const [letter, ...more] = await rig.store.listDeadLetters({ flow: 'invoice-status' });
    expect(more).toEqual([]);
    expect(letter.message).toMatch(/FIELD_CUSTOM_VALIDATION_EXCEPTION/);
    expect(letter.request).toMatchObject({ op: 'upsert', sobject: 'Coupa_Invoice__c', externalIdField: 'Coupa_Invoice_Id__c', payload: expect.objectContaining({ Coupa_Invoice_Id__c: letter.recordKey.split(':').pop() }) });
    expect(letter.response).toEqual([expect.objectContaining({ code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION' })]);
    expect(await rig.store.getCheckpoint('invoice-status')).toMatchObject({ cursorTs: expect.any(String) });
  });

  it('a small incremental poll goes through sObject Collections', async () => {
    rig.coupaEmu.control.clock.advance(180_000);
    const [first] = rig.coupaEmu.control.list('invoices') as Array<{ id: number }>;
    rig.coupaEmu.control.update('invoices', first.id, { comments: 'checked again' });
    rig.sfEmu.control.resetCounters();
    const summary = await rig.engine.runNow('invoice-status');
    expect(summary.counts.updated + summary.counts.created).toBeGreaterThanOrEqual(1);
    expect(bulkCalls()).toEqual([]);
    expect(count('composite.sobjects.upsert')).toBe(1);
  });
});
