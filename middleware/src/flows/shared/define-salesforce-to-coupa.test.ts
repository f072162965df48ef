/**
 * The Salesforce → Coupa declaration against both emulators, with the real clients and engine: a small flow of
 * Accounts (Type Vendor) to Coupa suppliers keyed by `salesforce-account-id`.
 */
import { z } from 'zod';
import { startRig, type Rig } from '../../../../scripts/bench/rig';
import { parseMapping } from '../../mapping';
import { defineSalesforceToCoupaFlow, type KeyedRecord } from './define-salesforce-to-coupa';
import { twoWaySync } from './two-way';

jest.setTimeout(60_000);

const KEY = 'salesforce-account-id';
const mapping = parseMapping(
  ['coupa: { resource: suppliers }', 'salesforce: { object: Account }', 'fields:', '  - { owner: salesforce, salesforce: Name, coupa: name }'].join('\n'),
  'vendor-accounts.yaml',
);
const options = z.strictObject({ type: z.string().min(1).default('Vendor'), refuseName: z.string().optional() }).prefault({});

describe('defineSalesforceToCoupaFlow', () => {
  let rig: Rig;
  const seen = { afterWrite: [] as Array<{ id: number; created: boolean }>, refused: [] as string[], createRefused: [] as Array<{ sourceId: string; name: unknown }> };

  function vendorFlow(raw: Record<string, unknown> = {}) {
    return defineSalesforceToCoupaFlow(rig.deps(raw), {
      name: 'vendor-accounts',
      options,
      declare: (o) => ({
        schedule: '0 * * * * *',
        source: { sobject: 'Account', fields: ['Name', 'Type'], where: `Type = '${o.type}'` },
        target: { resource: 'suppliers', keyField: KEY, keyPrefix: 'vendor-account:', fields: ['status'] },
        mapping,
        hooks: {
          filter: (row) => row.Type === o.type,
          refuse: (row) => (row.Name === o.refuseName ? `${String(row.Name)} is on the refusal list` : null),
          onRefused: async ({ sourceId }) => void seen.refused.push(sourceId),
          afterWrite: async (target: KeyedRecord, { created }) => void seen.afterWrite.push({ id: target.id, created }),
          onCreateRefused: async ({ sourceId, row }) => void seen.createRefused.push({ sourceId, name: row?.Name }),
        },
      }),
    });
  }

  async function newAccounts(...names: string[]): Promise<string[]> {
    const created = await rig.salesforce.create('Account', names.map((Name) => ({ Name, Type: 'Vendor' })));
    return created.map((r) => String(r.id));
  }
  const suppliersOf = (accountId: string) => rig.coupaEmu.control.list('suppliers').filter((s) => (s['custom-fields'] as Record<string, unknown> | undefined)?.[KEY] === accountId);

  beforeEach(async () => {
    rig = await startRig({ coupa: { rateLimit: false } });
    seen.afterWrite.length = 0;
    seen.refused.length = 0;
    seen.createRefused.length = 0;
  });
  afterEach(() => rig.close());

  it('creates one Coupa record per Salesforce record, carrying its id, after one page look-up; a re-run creates nothing', async () => {
    const flow = vendorFlow();
    rig.engine.register(flow);
    const ids = await newAccounts('Alpha Parts', 'Beta Tools', 'Gamma Metals');
    rig.coupaEmu.control.resetCounters();
    const run = await rig.engine.runNow(flow.name);
    expect(run.counts.created).toBe(3);
    for (const id of ids) expect(suppliersOf(id)).toHaveLength(1);
    const calls = rig.coupaEmu.control.counters().byEndpoint;
    expect(calls['POST /api/suppliers']).toBe(3);
    // One `[in]` look-up for the page, no look-up per record.
    expect(calls['GET /api/suppliers']).toBe(1);
    expect(seen.afterWrite.map((w) => w.created)).toEqual([true, true, true]);

    await rig.salesforce.update('Account', ids.map((Id) => ({ Id, Description: 'saved again' })));
    await rig.engine.runNow(flow.name);
    expect(rig.coupaEmu.control.counters().byEndpoint['POST /api/suppliers']).toBe(3);
  });

  it('links a record made before (another instance, a lost answer) instead of creating a second one', async () => {
    const flow = vendorFlow();
    rig.engine.register(flow);
    const [id] = await newAccounts('Delta Supply');
    const made = rig.coupaEmu.control.create('suppliers', { name: 'Delta Supply', status: 'active', 'custom-fields': { [KEY]: id } });
    const run = await rig.engine.runNow(flow.name);
    expect(run.counts.created + run.counts.updated).toBe(1);
    expect(suppliersOf(id)).toHaveLength(1);
    expect(seen.afterWrite).toEqual([{ id: made.id, created: false }]);
  });

  it('creates exactly one record when Coupa creates it but the answer is lost', async () => {
    const flow = vendorFlow();
    rig.engine.register(flow);
    const [id] = await newAccounts('Epsilon Freight');
    rig.coupaEmu.control.addFault({ kind: 'drop-after', method: 'POST', path: '/api/suppliers', times: 1 });
    const run = await rig.engine.runNow(flow.name);
    expect(run.status).toBe('succeeded');
    await rig.engine.runNow(flow.name);
    expect(suppliersOf(id)).toHaveLength(1);
    expect(rig.coupaEmu.control.counters().byEndpoint['POST /api/suppliers']).toBe(1);
  });

  it('links no stranger when the instance ignores the custom-field filter: each create looks itself up first', async () => {
    await rig.close();
    rig = await startRig({ coupa: { rateLimit: false, undocumentedFilters: 'ignore' } });
    const flow = vendorFlow();
    rig.engine.register(flow);
    const [other] = await newAccounts('Iota Other');
    rig.coupaEmu.control.create('suppliers', { name: 'Iota Other', status: 'active', 'custom-fields': { [KEY]: other } });
    rig.coupaEmu.control.create('suppliers', { name: 'Kappa Unkeyed', status: 'active' });
    const ids = await newAccounts('Lambda Alloys', 'Mu Fasteners');
    rig.coupaEmu.control.resetCounters();
    await rig.engine.runNow(flow.name);
    for (const id of [other, ...ids]) expect(suppliersOf(id)).toHaveLength(1);
    const calls = rig.coupaEmu.control.counters().byEndpoint;
    expect(calls['POST /api/suppliers']).toBe(2);
    // The page look-up, then one verified look-up per create.
    expect(calls['GET /api/suppliers']).toBe(3);
  });

  it('sends a refused record nowhere: the hook runs and the record is dead-lettered with the reason', async () => {
    const flow = vendorFlow({ refuseName: 'Zeta Scrap' });
    rig.engine.register(flow);
    const [id] = await newAccounts('Zeta Scrap');
    const run = await rig.engine.runNow(flow.name);
    expect(run.counts.deadLettered).toBe(1);
    expect(seen.refused).toEqual([id]);
    expect(suppliersOf(id)).toHaveLength(0);
    const [letter] = await rig.store.listDeadLetters({ status: 'open' });
    expect(letter).toMatchObject({ errorClass: 'validation', attempts: 1, message: expect.stringMatching(/: Zeta Scrap is on the refusal list$/) });
  });

  it("tells the hook, with the record, when Coupa refuses the create for good", async () => {
    const flow = vendorFlow();
    rig.engine.register(flow);
    rig.coupaEmu.control.create('suppliers', { name: 'Eta Logistics', status: 'active' });
    const [id] = await newAccounts('Eta Logistics');
    const run = await rig.engine.runNow(flow.name);
    expect(run.counts.deadLettered).toBe(1);
    expect(seen.createRefused).toEqual([{ sourceId: id, name: 'Eta Logistics' }]);
  });

  it('skips records the filter rejects, and refuses bad options with their path', async () => {
    const flow = vendorFlow({ type: 'Partner' });
    rig.engine.register(flow);
    const [id] = await newAccounts('Theta Goods');
    expect((await flow.fetch!([id])).map((r) => r.id)).toEqual([id]);
    await rig.engine.ingest(flow.name, await flow.fetch!([id]), { trigger: 'stream', advanceCheckpoint: false });
    expect(suppliersOf(id)).toHaveLength(0);
    expect(() => vendorFlow({ type: '' })).toThrow(/flows\.vendor-accounts\.options\.type/);
  });
  it('two-way: updates a linked record without its create-only fields, and links the record a Salesforce record names', async () => {
    const twoWayMapping = parseMapping(
      [
        'coupa: { resource: suppliers }',
        'salesforce: { object: Account, externalId: Coupa_Supplier_Id__c }',
        'fields:',
        '  - { owner: salesforce, salesforce: Name, coupa: name }',
        '  - { owner: salesforce, salesforce: AccountNumber, coupa: number }',
        '  - { owner: coupa, coupa: id, salesforce: Coupa_Supplier_Id__c, expression: "$string($)" }',
      ].join('\n'),
      'vendor-accounts-two-way.yaml',
    );
    const deps = rig.deps();
    const twoWay = twoWaySync({
      mapping: twoWayMapping,
      linkGroup: 'vendor-accounts',
      store: deps.store,
      sides: { salesforce: { system: 'salesforce', object: 'Account' }, coupa: { system: 'coupa', object: 'suppliers' } },
    });
    const flow = defineSalesforceToCoupaFlow(deps, {
      name: 'vendor-accounts.to-coupa',
      options,
      declare: () => ({
        twoWay,
        schedule: '0 * * * * *',
        source: { sobject: 'Account', fields: [] },
        target: { resource: 'suppliers', keyField: KEY, keyPrefix: 'vendor-account:', createOnly: ['number'], carriedId: (row) => (row.Coupa_Supplier_Id__c as string | null) ?? null },
        mapping: twoWayMapping,
      }),
    });
    rig.engine.register(flow);
    expect(flow.fieldOwners).toMatchObject({ name: 'salesforce', number: 'salesforce' });
    const named = rig.coupaEmu.control.create('suppliers', { name: 'Nu Castings', number: 'C-1', status: 'active' });
    const [created] = await rig.salesforce.create('Account', [{ Name: 'Xi Bearings', AccountNumber: 'A-1' }]);
    const [carrying] = await rig.salesforce.create('Account', [{ Name: 'Nu Castings Ltd', AccountNumber: 'A-2', Coupa_Supplier_Id__c: String(named.id) }]);
    const first = await rig.engine.runNow(flow.name);
    expect(first.counts).toMatchObject({ created: 1, updated: 1 });
    const made = suppliersOf(String(created.id));
    expect(made).toEqual([expect.objectContaining({ name: 'Xi Bearings', number: 'A-1' })]);
    // Linked by the id it carries: updated, never created, and keeps its own number.
    expect(rig.coupaEmu.control.list('suppliers').find((s) => s.id === named.id)).toMatchObject({ name: 'Nu Castings Ltd', number: 'C-1' });
    expect(suppliersOf(String(carrying.id))).toHaveLength(0);

    await rig.salesforce.update('Account', [{ Id: String(created.id), Name: 'Xi Bearings Group', AccountNumber: 'A-9' }]);
    rig.coupaEmu.control.resetCounters();
    expect((await rig.engine.runNow(flow.name)).counts.updated).toBe(1);
    expect(rig.coupaEmu.control.counters().byEndpoint['POST /api/suppliers']).toBeUndefined();
    expect(rig.coupaEmu.control.list('suppliers').find((s) => s.id === made[0].id)).toMatchObject({
      name: 'Xi Bearings Group',
      number: 'A-1',
      'custom-fields': { [KEY]: String(created.id) },
    });
  });

  it('two-way, never creating: links a record naming an existing one, dead-letters one naming none, skips the rest', async () => {
    const linkMapping = parseMapping(
      [
        'coupa: { resource: suppliers }',
        'salesforce: { object: Account, externalId: Coupa_Supplier_Id__c }',
        'fields:',
        '  - { owner: salesforce, salesforce: Website, coupa: website }',
        '  - { owner: coupa, coupa: id, salesforce: Coupa_Supplier_Id__c, expression: "$string($)" }',
      ].join('\n'),
      'vendor-accounts-link.yaml',
    );
    const deps = rig.deps();
    const sides = { salesforce: { system: 'salesforce' as const, object: 'Account' }, coupa: { system: 'coupa' as const, object: 'suppliers' } };
    const declare = (twoWay: ReturnType<typeof twoWaySync>) => () => ({
      twoWay,
      schedule: '0 * * * * *',
      source: { sobject: 'Account', fields: [] },
      target: {
        resource: 'suppliers' as const,
        carriedId: (row: Record<string, unknown>) => (row.Coupa_Supplier_Id__c as string | null) ?? null,
        neverCreates: (id: string) => `Account ${id} names no Coupa supplier`,
      },
      mapping: linkMapping,
    });
    const linkOnly = twoWaySync({ mapping: linkMapping, linkGroup: 'vendor-links', store: deps.store, sides, targetValues: { coupa: 'all' } });
    const flow = defineSalesforceToCoupaFlow(deps, { name: 'vendor-links.to-coupa', options, declare: declare(linkOnly) });
    expect(flow.idempotencyKey).toBeUndefined();
    rig.engine.register(flow);
    const same = rig.coupaEmu.control.create('suppliers', { name: 'Omicron Steel', status: 'active', website: 'https://omicron.example' });
    const other = rig.coupaEmu.control.create('suppliers', { name: 'Pi Plastics', status: 'active', website: 'https://old.example' });
    const [alreadyEqual, differs, dangling, plain] = await rig.salesforce.create('Account', [
      { Name: 'Omicron', Website: 'https://omicron.example', Coupa_Supplier_Id__c: String(same.id) },
      { Name: 'Pi', Website: 'https://pi.example', Coupa_Supplier_Id__c: String(other.id) },
      { Name: 'Rho', Website: 'https://rho.example', Coupa_Supplier_Id__c: '999999' },
      { Name: 'Sigma', Website: 'https://sigma.example' },
    ]);
    const before = rig.coupaEmu.control.list('suppliers').length;
    rig.coupaEmu.control.resetCounters();
    const run = await rig.engine.runNow(flow.name);
    const calls = rig.coupaEmu.control.counters().byEndpoint;
    // Nothing is created; the supplier already holding the Account's values is linked without a write ('all' values).
    expect(rig.coupaEmu.control.list('suppliers')).toHaveLength(before);
    expect(calls['POST /api/suppliers']).toBeUndefined();
    expect(calls['PUT /api/suppliers/:id']).toBe(1);
    expect(rig.coupaEmu.control.list('suppliers').find((s) => s.id === other.id)).toMatchObject({ website: 'https://pi.example' });
    expect(run.counts).toMatchObject({ created: 0, updated: 1, skipped: 2, deadLettered: 1 });
    const letters = await deps.store.listDeadLetters({ flow: flow.name });
    expect(letters.map((l) => [l.recordKey, l.message])).toEqual([[expect.stringContaining(String(dangling.id)), expect.stringContaining(`Account ${dangling.id} names no Coupa supplier`)]]);
    // Both named suppliers are linked, the one already holding the Account's values without a write.
    expect(await deps.store.findLink('vendor-links', 'salesforce', 'Account', String(alreadyEqual.id))).toMatchObject({ coupaId: String(same.id) });
    expect(await deps.store.findLink('vendor-links', 'salesforce', 'Account', String(differs.id))).toMatchObject({ coupaId: String(other.id) });
    expect(await deps.store.findLink('vendor-links', 'salesforce', 'Account', String(plain.id))).toBeNull();
    expect(() => defineSalesforceToCoupaFlow(deps, { name: 'x', options, declare: () => ({ ...declare(linkOnly)(), twoWay: undefined }) })).toThrow(/never creates/);
  });
});
