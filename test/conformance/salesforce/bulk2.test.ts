import { Connection } from 'jsforce';
import type { RunningSalesforceEmulator } from '../../../emulators/salesforce/src/index';
import { connect, failure, startOrg } from './helpers';

/** Reads a Bulk 2.0 query record stream to the end. */
async function collect(streamP: Promise<NodeJS.ReadableStream>): Promise<Array<Record<string, unknown>>> {
  const stream = await streamP;
  const out: Array<Record<string, unknown>> = [];
  await new Promise<void>((resolve, reject) => {
    stream.on('record', (r: Record<string, unknown>) => out.push(r));
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  return out;
}

describe('Bulk API 2.0 through jsforce', () => {
  let emu: RunningSalesforceEmulator;
  let conn: Connection;
  beforeAll(async () => {
    emu = await startOrg();
    conn = await connect(emu);
  });
  afterAll(() => emu.close());
  beforeEach(() => emu.control.reset());

  it('ingest insert: successful and failed results with sf__ columns', async () => {
    const res = await conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'insert',
      input: [
        { Name: 'Bulk A', Industry: 'Energy' },
        { Name: 'Bulk B', Industry: 'Retail' },
        { Name: '', Industry: 'Retail' },
      ],
      pollInterval: 20,
      pollTimeout: 10_000,
    });
    expect(res.successfulResults).toHaveLength(2);
    expect(res.successfulResults[0]).toMatchObject({ sf__Id: expect.stringMatching(/^001/), sf__Created: 'true', Name: 'Bulk A' });
    expect(res.failedResults).toHaveLength(1);
    expect(res.failedResults[0].sf__Error).toMatch(/^REQUIRED_FIELD_MISSING:Required fields are missing: \[Name\]/);
    expect(res.unprocessedRecords).toHaveLength(0);
    expect(await conn.sobject('Account').count()).toBe(2);
  });

  it('ingest upsert by External ID, #N/A blanks a field, relationship columns resolve by External ID', async () => {
    await conn.sobject('Account').create({ Name: 'Keep', Coupa_Supplier_Id__c: 'X-1', Industry: 'Energy' });
    const res = await conn.bulk2.loadAndWaitForResults({
      object: 'Account',
      operation: 'upsert',
      externalIdFieldName: 'Coupa_Supplier_Id__c',
      input: [
        { Coupa_Supplier_Id__c: 'X-1', Name: 'Kept', Industry: null },
        { Coupa_Supplier_Id__c: 'X-2', Name: 'Added' },
      ],
      pollInterval: 20,
    });
    expect(res.successfulResults.map((r) => r.sf__Created)).toEqual(['false', 'true']);
    const rows = await conn.query<{ Name: string; Industry: string | null }>("SELECT Name, Industry FROM Account WHERE Coupa_Supplier_Id__c = 'X-1'");
    expect(rows.records[0]).toMatchObject({ Name: 'Kept', Industry: null });

    const contacts = await conn.bulk2.loadAndWaitForResults({
      object: 'Contact',
      operation: 'insert',
      input: 'LastName,Account.Coupa_Supplier_Id__c\nBulkKid,X-2\n',
      pollInterval: 20,
    });
    expect(contacts.successfulResults).toHaveLength(1);
    const kid = await conn.query<{ Account: { Name: string } }>("SELECT Account.Name FROM Contact WHERE LastName = 'BulkKid'");
    expect(kid.records[0].Account.Name).toBe('Added');
  });

  it('an expired session during a bulk job is refreshed through refreshFn (401 body names INVALID_SESSION_ID)', async () => {
    emu.control.expireSessions();
    const res = await conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input: [{ Name: 'After refresh' }], pollInterval: 20 });
    expect(res.successfulResults).toHaveLength(1);
  });

  it('an aborted job reports uploaded rows as unprocessed and can then be deleted; an open job cannot', async () => {
    const job = conn.bulk2.createJob({ object: 'Account', operation: 'insert' });
    await job.open();
    await job.uploadData('Name\nNever A\nNever B\n');
    expect((await failure(job.delete())).name).toBe('INVALIDJOBSTATE');
    await job.abort();
    expect((await job.check()).state).toBe('Aborted');
    const unprocessed = (await job.getUnprocessedRecords()) as unknown as Array<{ Name: string }>;
    expect(unprocessed.map((r) => r.Name)).toEqual(['Never A', 'Never B']);
    await job.delete();
    expect(await conn.sobject('Account').count()).toBe(0);
  });

  it('a job whose CSV cannot be parsed ends Failed with an errorMessage', async () => {
    const job = conn.bulk2.createJob({ object: 'Account', operation: 'insert' });
    await job.open();
    await job.uploadData('Name,Industry\nOnly one column\n');
    await job.close();
    const e = await failure(job.poll(20, 10_000));
    expect(e.message).toContain("InvalidBatch : Failed to parse CSV");
    expect((await job.check()).state).toBe('Failed');
  });

  it('a header naming a field the object does not have fails the whole job: InvalidBatch : Field name not found', async () => {
    const job = conn.bulk2.createJob({ object: 'Account', operation: 'insert' });
    await job.open();
    await job.uploadData('Name,Bogus__c\nGood row,x\nOther row,y\n');
    await job.close();
    const e = await failure(job.poll(20, 10_000));
    expect(e.message).toContain('InvalidBatch : Field name not found : Bogus__c');
    expect(await job.check()).toMatchObject({ state: 'Failed', numberRecordsProcessed: 0 });
    expect(await conn.sobject('Account').count()).toBe(0);
    // Relationship columns are checked against the related object.
    const rel = conn.bulk2.createJob({ object: 'Contact', operation: 'insert' });
    await rel.open();
    await rel.uploadData('LastName,Account.Nope__c\nX,1\n');
    await rel.close();
    expect((await failure(rel.poll(20, 10_000))).message).toContain('Field name not found : Account.Nope__c');
  });

  it('an upsert on Id inserts the rows whose Id is blank (sf__Created true) and updates the others', async () => {
    const kept = await conn.sobject('Account').create({ Name: 'Existing' });
    const job = conn.bulk2.createJob({ object: 'Account', operation: 'upsert', externalIdFieldName: 'Id' });
    await job.open();
    await job.uploadData(`Id,Name\n${kept.id},Renamed\n,Brand new\n`);
    await job.close();
    await job.poll(20, 10_000);
    const ok = (await job.getSuccessfulResults()) as unknown as Array<{ sf__Id: string; sf__Created: string; Name: string }>;
    expect(ok.map((r) => [r.Name, r.sf__Created])).toEqual([['Renamed', 'false'], ['Brand new', 'true']]);
    expect(ok[1].sf__Id).toMatch(/^001/);
    expect(await job.getFailedResults()).toEqual([]);
    const names = (await conn.query<{ Name: string }>('SELECT Name FROM Account ORDER BY Name')).records.map((r) => r.Name);
    expect(names).toEqual(['Brand new', 'Renamed']);
  });

  it('a job whose upload is empty (Content-Length 0) completes with empty results', async () => {
    const base = `/services/data/v62.0/jobs/ingest`;
    const job = await conn.request<{ id: string }>({ method: 'POST', url: base, body: JSON.stringify({ object: 'Account', operation: 'insert' }), headers: { 'content-type': 'application/json' } });
    const res = await fetch(`${emu.url}${base}/${job.id}/batches`, { method: 'PUT', headers: { authorization: `Bearer ${conn.accessToken}`, 'content-type': 'text/csv', 'content-length': '0' }, body: '' });
    expect(res.status).toBe(201);
    await conn.request({ method: 'PATCH', url: `${base}/${job.id}`, body: JSON.stringify({ state: 'UploadComplete' }), headers: { 'content-type': 'application/json' } });
    let info: { state: string; numberRecordsProcessed: number } = { state: '', numberRecordsProcessed: -1 };
    for (let i = 0; i < 200 && !['JobComplete', 'Failed'].includes(info.state); i++) {
      await new Promise((r) => setTimeout(r, 10));
      info = await conn.request(`${base}/${job.id}`);
    }
    expect(info).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 0 });
    const ok = await fetch(`${emu.url}${base}/${job.id}/successfulResults`, { headers: { authorization: `Bearer ${conn.accessToken}` } });
    expect(ok.status).toBe(200);
    expect((await ok.text()).trim()).toMatch(/^("sf__Id","sf__Created")?$/);
  });

  it('invalid ingest jobs are rejected with Bulk error bodies', async () => {
    const e = await failure(conn.bulk2.loadAndWaitForResults({ object: 'Nope__c', operation: 'insert', input: [{ Name: 'x' }], pollInterval: 20 }));
    expect(e.name).toBe('INVALIDJOB');
    expect(e.message).toBe('Unable to find object: Nope__c');
  });

  it('query job returns CSV records with relationship columns; the last page says Sforce-Locator: null', async () => {
    emu.control.seed({
      Account: [{ '@ref': 'a', Name: 'Q Corp' }],
      Contact: [...Array.from({ length: 30 }, (_, i) => ({ LastName: `C${i}`, AccountId: '@a' })), { LastName: 'Z orphan' }],
    });
    const records = await collect(conn.bulk2.query('SELECT Id, LastName, Account.Name FROM Contact ORDER BY LastName', { pollInterval: 20, pollTimeout: 10_000 }));
    expect(records).toHaveLength(31);
    expect(records[0]).toMatchObject({ LastName: 'C0', 'Account.Name': 'Q Corp' });
    expect(Object.keys(records[30])).toEqual(['Id', 'LastName', 'Account.Name']);
    expect(records[30]['Account.Name']).toBeFalsy();
    const e = await failure(collect(conn.bulk2.query('SELECT Bogus FROM Contact', { pollInterval: 20 })));
    expect(e.name).toBe('INVALID_FIELD');
  });

  it('results before completion → 412 JOB_NOT_COMPLETE (raw REST)', async () => {
    const job = await conn.request<{ id: string; state: string }>({ method: 'POST', url: '/services/data/v62.0/jobs/query', body: JSON.stringify({ operation: 'query', query: 'SELECT Id FROM Account' }), headers: { 'Content-Type': 'application/json' } });
    expect(job.state).toBe('UploadComplete');
    const e = await failure(conn.request(`/services/data/v62.0/jobs/query/${job.id}/results`));
    expect(e.name).toBe('JOB_NOT_COMPLETE');
  });
});
