import { Connection } from 'jsforce';
import type { RunningSalesforceEmulator } from '../../../emulators/salesforce/src/index';
import { connect, failure, startOrg } from './helpers';

type Result = { id?: string; success: boolean; errors: Array<{ statusCode: string; message: string; fields: string[] }>; created?: boolean };

describe('sObject Collections through jsforce', () => {
  let emu: RunningSalesforceEmulator;
  let conn: Connection;
  beforeAll(async () => {
    emu = await startOrg();
    conn = await connect(emu);
  });
  afterAll(() => emu.close());
  beforeEach(() => {
    emu.control.reset();
    emu.control.clearFaults();
  });

  it('create / retrieve / update / destroy many records, results in request order', async () => {
    const created = (await conn.sobject('Account').create([{ Name: 'A' }, { Name: 'B' }, { Name: 'C' }])) as Result[];
    expect(created).toEqual([0, 1, 2].map(() => ({ id: expect.stringMatching(/^001/), success: true, errors: [] })));
    const ids = created.map((r) => r.id as string);
    const got = await conn.sobject('Account').retrieve(ids, { fields: ['Name'] });
    expect(got.map((r) => r.Name)).toEqual(['A', 'B', 'C']);
    const updated = (await conn.sobject('Account').update(ids.map((Id, i) => ({ Id, Industry: i ? 'Retail' : 'Energy' })))) as Result[];
    expect(updated.map((r) => r.success)).toEqual([true, true, true]);
    const rows = await conn.query<{ Industry: string }>('SELECT Industry FROM Account ORDER BY Name');
    expect(rows.records.map((r) => r.Industry)).toEqual(['Energy', 'Retail', 'Retail']);
    const del = (await conn.sobject('Account').destroy(ids)) as Result[];
    expect(del).toEqual(ids.map((id) => ({ id, success: true, errors: [] })));
    expect(emu.control.counters().byEndpoint).toMatchObject({ 'composite.sobjects.create': 1, 'composite.sobjects.retrieve': 1, 'composite.sobjects.update': 1, 'composite.sobjects.delete': 1 });
  });

  it('allOrNone:false keeps valid items and reports per-item errors with statusCode', async () => {
    const res = (await conn.sobject('Account').create([{ Name: 'ok' }, { Industry: 'Energy' }], { allOrNone: false })) as Result[];
    expect(res[0].success).toBe(true);
    expect(res[1]).toEqual({ success: false, errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }] });
    expect((await conn.query('SELECT Id FROM Account')).totalSize).toBe(1);
  });

  it('allOrNone:true rolls every item back with ALL_OR_NONE_OPERATION_ROLLED_BACK', async () => {
    const res = (await conn.sobject('Account').create([{ Name: 'ok' }, { Name: 'bad', OwnerId: 'zzz' }, { Name: 'ok2' }], { allOrNone: true })) as Result[];
    expect(res[1].errors[0]).toEqual({ statusCode: 'MALFORMED_ID', message: 'Owner ID: id value of incorrect type: zzz', fields: ['OwnerId'] });
    for (const i of [0, 2]) {
      expect(res[i]).toEqual({
        success: false,
        errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK', message: 'Record rolled back because not all records were valid and the request was using AllOrNone header', fields: [] }],
      });
    }
    expect((await conn.query('SELECT Id FROM Account')).totalSize).toBe(0);
  });

  it('upsert collections: created flags, rollback with allOrNone (created:true on inserts), duplicate ext ids in one request', async () => {
    await conn.sobject('Account').create({ Name: 'Existing', Coupa_Supplier_Id__c: 'E-1' });
    const res = (await conn.sobject('Account').upsert(
      [
        { Name: 'Existing renamed', Coupa_Supplier_Id__c: 'E-1' },
        { Name: 'New', Coupa_Supplier_Id__c: 'E-2' },
      ],
      'Coupa_Supplier_Id__c',
    )) as Result[];
    expect(res.map((r) => [r.success, r.created])).toEqual([
      [true, false],
      [true, true],
    ]);
    const rolled = (await conn.sobject('Account').upsert(
      [
        { Name: 'X', Coupa_Supplier_Id__c: 'E-3' },
        { Name: 'Y', Coupa_Supplier_Id__c: 'E-4', OwnerId: 'bad' },
      ],
      'Coupa_Supplier_Id__c',
      { allOrNone: true },
    )) as Result[];
    expect(rolled.map((r) => [r.success, r.created, r.errors[0]?.statusCode])).toEqual([
      [false, true, 'ALL_OR_NONE_OPERATION_ROLLED_BACK'],
      [false, true, 'MALFORMED_ID'],
    ]);
    expect((await conn.query("SELECT Id FROM Account WHERE Coupa_Supplier_Id__c IN ('E-3','E-4')")).totalSize).toBe(0);
    const dup = (await conn.sobject('Account').upsert(
      [
        { Name: 'D1', Coupa_Supplier_Id__c: 'E-9' },
        { Name: 'D2', Coupa_Supplier_Id__c: 'e-9' },
      ],
      'Coupa_Supplier_Id__c',
    )) as Result[];
    expect(dup.map((r) => r.errors[0]?.statusCode)).toEqual(['DUPLICATE_EXTERNAL_ID', 'DUPLICATE_EXTERNAL_ID']);
  });

  it('an upsert of 10,000 records through collections costs exactly 50 API calls', async () => {
    emu.control.resetCounters();
    const records = Array.from({ length: 10000 }, (_, i) => ({ Name: `Bulk ${i}`, Coupa_Supplier_Id__c: `B-${i}` }));
    const res = (await conn.sobject('Account').upsert(records, 'Coupa_Supplier_Id__c', { allowRecursive: true })) as Result[];
    expect(res).toHaveLength(10000);
    expect(res.every((r) => r.success && r.created === true)).toBe(true);
    expect(emu.control.counters().used).toBe(50);
    expect(emu.control.counters().byEndpoint).toEqual({ 'composite.sobjects.upsert': 50 });
    expect(conn.limitInfo.apiUsage?.used).toBe(50);
    expect(await conn.sobject('Account').count()).toBe(10000);
  }, 60_000);

  it('more than 200 records without allowRecursive → EXCEEDED_ID_LIMIT; delete of unknown ids reports per item', async () => {
    const e = await failure(conn.sobject('Account').create(Array.from({ length: 201 }, (_, i) => ({ Name: `n${i}` }))));
    expect(e.name).toBe('EXCEEDED_ID_LIMIT');
    const del = (await conn.sobject('Account').destroy(['001000000000001AAA', 'garbage'])) as Result[];
    expect(del[0].errors[0].statusCode).toBe('INVALID_CROSS_REFERENCE_KEY');
    expect(del[1].errors[0].statusCode).toBe('MALFORMED_ID');
  });

  it('UNABLE_TO_LOCK_ROW fault hits one item, the others succeed', async () => {
    emu.control.addFault({ lockRow: true, object: 'Account', times: 1 });
    const res = (await conn.sobject('Account').create([{ Name: 'a' }, { Name: 'b' }])) as Result[];
    expect(res[0].errors[0].statusCode).toBe('UNABLE_TO_LOCK_ROW');
    expect(res[0].errors[0].message).toMatch(/^unable to obtain exclusive access to this record/);
    expect(res[1].success).toBe(true);
  });
});
