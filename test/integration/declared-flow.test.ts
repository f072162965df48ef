/**
 * The Coupa → Salesforce declaration (`defineCoupaToSalesforceFlow`) on its own, through the engine and the Salesforce
 * emulator: a custom source, a target the record names, the write hook, side effects planned with their record, and a
 * snapshot source.
 */
import type { SourceRecord } from '../../middleware/src/engine';
import { defineCoupaToSalesforceFlow } from '../../middleware/src/flows/shared/define-flow';
import { startRig, type Rig } from '../../scripts/bench/rig';

jest.setTimeout(60_000);

type Row = Record<string, unknown> & { id: number };

describe('defineCoupaToSalesforceFlow', () => {
  let rig: Rig;
  let opps: string[];
  /** What the custom source returns (requisitions carrying an Opportunity id and a PO summary). */
  let rows: Row[] = [];
  const stamp = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString();
  const records = (): SourceRecord<Row>[] =>
    rows.map((r) => ({ id: String(r.id), ts: String(r['updated-at']), data: r }));
  const req = (id: number, opportunityId: string | null, status: string, second = id): Row => ({
    id,
    status,
    'updated-at': stamp(second),
    'custom-fields': { 'salesforce-opportunity-id': opportunityId },
    'purchase-order-summary': { 'po-number': `PO-${id}`, 'po-status': 'issued', 'committed-amount': 100 * id }
  });
  const opportunity = async (id: string) =>
    (
      await rig.salesforce.queryAll<any>(
        `SELECT Coupa_Requisition_Status__c, Coupa_PO_Number__c, Description FROM Opportunity WHERE Id = '${id}'`
      )
    )[0];
  const tasksOn = async (id: string) =>
    rig.salesforce.queryAll<any>(`SELECT Id, Subject FROM Task WHERE WhatId = '${id}'`);
  const named = (row: Row) =>
    (row['custom-fields'] as Record<string, string | null>)['salesforce-opportunity-id'] ?? null;

  beforeAll(async () => {
    rig = await startRig({ coupa: { seed: 0 } });
    await rig.salesforce.connect();
    const refs = rig.sfEmu.control.seed({
      Opportunity: [1, 2, 3].map((n) => ({
        '@ref': `o${n}`,
        Name: `Deal ${n}`,
        StageName: 'Closed Won',
        CloseDate: '2026-12-01'
      }))
    });
    opps = [refs.o1, refs.o2, refs.o3];
  });
  afterAll(() => rig.close());

  it('custom source, named target, write hook and effects: updates only, one effect per transition', async () => {
    const wrapped: string[] = [];
    const flow = defineCoupaToSalesforceFlow<Row>(rig.deps(), {
      name: 'declared-status',
      mapping: rig.mappings.get('opportunity-to-requisition')!,
      schedule: '* * * * *',
      source: {
        kind: 'custom',
        read: async ({ after }) =>
          records().filter((r) => !after || r.ts > after.ts || (r.ts === after.ts && r.id > after.id))
      },
      target: { named: { id: named, missing: 'names no Opportunity' } },
      hooks: {
        async write(items, update) {
          wrapped.push(...items.map((i) => i.sourceId));
          return update(items.map((i) => ({ ...i, payload: { ...i.payload, Description: `via hook ${i.sourceId}` } })));
        },
        afterWrite: {
          plan: (row, payload, ctx) =>
            payload.Coupa_Requisition_Status__c === 'approved' &&
            ctx.lastWritten?.Coupa_Requisition_Status__c !== 'approved'
              ? [
                  {
                    key: `declared-status:approved:${row.id}`,
                    kind: 'task',
                    description: 'approved',
                    payload: { WhatId: ctx.targetId ?? named(row), Subject: `Requisition ${row.id} approved` }
                  }
                ]
              : [],
          async apply(effects) {
            const results = await rig.salesforce.create(
              'Task',
              effects.map((e) => e.payload)
            );
            return results.map((r) =>
              r.success && r.id
                ? { ok: true as const, remoteId: r.id }
                : { ok: false as const, error: new Error('task failed') }
            );
          }
        },
        label: (item) => `requisition ${item.sourceId}`
      }
    });
    expect(flow).toMatchObject({
      source: { system: 'coupa', object: 'requisitions' },
      target: { system: 'salesforce', object: 'Opportunity' }
    });
    expect(flow.findByIdempotencyKey).toBeUndefined(); // an update-only flow never creates
    rig.engine.register(flow);

    // 1 and 2 name their Opportunities, 3 names none (skipped), 4 names one that does not exist (dead letter).
    rows = [
      req(1, opps[0], 'pending_approval'),
      req(2, opps[1], 'approved'),
      req(3, null, 'approved'),
      req(4, '006000000000000AAA', 'approved')
    ];
    const first = await rig.engine.runNow('declared-status');
    expect(first.counts).toMatchObject({ updated: 2, created: 0, deadLettered: 1 });
    expect(wrapped).toEqual(expect.arrayContaining(['1', '2', '4']));
    expect(await opportunity(opps[0])).toMatchObject({
      Coupa_Requisition_Status__c: 'pending_approval',
      Coupa_PO_Number__c: 'PO-1',
      Description: 'via hook 1'
    });
    expect(await opportunity(opps[2])).toMatchObject({ Coupa_Requisition_Status__c: null });
    const [dead] = await rig.store.listDeadLetters({ flow: 'declared-status', status: 'open' });
    expect(dead.message).toMatch(/requisition 4/);
    expect(await tasksOn(opps[1])).toHaveLength(1);

    // 1 is approved now; 2 is read again unchanged: one more Task, none repeated.
    rows = [req(2, opps[1], 'approved', 10), req(1, opps[0], 'approved', 11)];
    const second = await rig.engine.runNow('declared-status');
    expect(second.counts).toMatchObject({ updated: 1, deadLettered: 0 });
    expect(await tasksOn(opps[0])).toEqual([expect.objectContaining({ Subject: 'Requisition 1 approved' })]);
    expect(await tasksOn(opps[1])).toHaveLength(1);
  });

  it('a connector hook feeds the mapping and may skip a record', async () => {
    const flow = defineCoupaToSalesforceFlow<Row>(rig.deps(), {
      name: 'declared-connector',
      mapping: rig.mappings.get('opportunity-to-requisition')!,
      schedule: '* * * * *',
      source: { kind: 'custom', read: async ({ after }) => (after ? [] : records()) },
      target: { named: { id: named, missing: 'names no Opportunity' } },
      hooks: {
        connector: (row) => (row.status === 'cancelled' ? null : { seen: true }),
        afterMap: (payload, row) => ({ ...payload, Description: `status ${String(row.status)}` })
      }
    });
    rig.engine.register(flow);
    rows = [req(1, opps[0], 'cancelled', 20), req(3, opps[2], 'ordered', 21)];
    const run = await rig.engine.runNow('declared-connector');
    expect(run.counts).toMatchObject({ updated: 1 });
    expect(await opportunity(opps[2])).toMatchObject({
      Coupa_Requisition_Status__c: 'ordered',
      Description: 'status ordered'
    });
    expect(await opportunity(opps[0])).toMatchObject({ Coupa_Requisition_Status__c: 'approved' });
  });

  it('a snapshot source writes what changed since the last snapshot, nothing when nothing did', async () => {
    let snapshots = 0;
    const flow = defineCoupaToSalesforceFlow<Row>(rig.deps(), {
      name: 'declared-snapshot',
      mapping: rig.mappings.get('opportunity-to-requisition')!,
      schedule: '* * * * *',
      source: {
        kind: 'snapshot',
        snapshot: async () => {
          snapshots++;
          return { records: records(), fingerprint: String(rows.length) };
        }
      },
      target: { named: { id: named, missing: 'names no Opportunity' } }
    });
    expect(flow.snapshot).toBeDefined();
    rig.engine.register(flow);
    rows = [req(1, opps[0], 'pending_approval', 30), req(2, opps[1], 'pending_approval', 30)];
    expect((await rig.engine.runNow('declared-snapshot')).counts).toMatchObject({ updated: 2 });
    expect((await rig.engine.runNow('declared-snapshot')).counts).toMatchObject({ updated: 0 });
    rows = [req(1, opps[0], 'ordered', 31), req(2, opps[1], 'pending_approval', 30)];
    expect((await rig.engine.runNow('declared-snapshot')).counts).toMatchObject({ updated: 1 });
    expect(await opportunity(opps[0])).toMatchObject({ Coupa_Requisition_Status__c: 'ordered' });
    expect(snapshots).toBe(3);
  });

  it('refuses an upsert flow whose mapping has no external id', () => {
    expect(() =>
      defineCoupaToSalesforceFlow(rig.deps(), {
        name: 'no-key',
        mapping: rig.mappings.get('opportunity-to-requisition')!,
        schedule: '* * * * *'
      })
    ).toThrow(/salesforce.externalId is required \(the upsert key of flow no-key\)/);
  });
});
