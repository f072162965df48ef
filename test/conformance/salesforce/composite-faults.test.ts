import request from 'supertest';
import { Connection } from 'jsforce';
import type { RunningSalesforceEmulator } from '../../../emulators/salesforce/src/index';
import { connect, failure, startOrg } from './helpers';

type CompositeResponse = { compositeResponse: Array<{ body: unknown; httpHeaders: Record<string, string>; httpStatusCode: number; referenceId: string }> };

describe('composite, fault injection and the test-control surface', () => {
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

  it('/composite resolves @{ref.id} references and counts as one API call', async () => {
    emu.control.resetCounters();
    const res = await conn.requestPost<CompositeResponse>('/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'acct', body: { Name: 'Composite Co' } },
        { method: 'POST', url: '/services/data/v62.0/sobjects/Contact', referenceId: 'ct', body: { LastName: 'Ref', AccountId: '@{acct.id}' } },
        { method: 'GET', url: '/services/data/v62.0/sobjects/Account/@{acct.id}?fields=Name', referenceId: 'get' },
      ],
    });
    expect(res.compositeResponse.map((r) => r.httpStatusCode)).toEqual([201, 201, 200]);
    expect(res.compositeResponse[0].httpHeaders.Location).toMatch(/^\/services\/data\/v62\.0\/sobjects\/Account\/001/);
    expect((res.compositeResponse[2].body as { Name: string }).Name).toBe('Composite Co');
    expect(emu.control.counters().used).toBe(1);
  });

  it('/composite allOrNone rolls back and marks the others PROCESSING_HALTED', async () => {
    const res = await conn.requestPost<CompositeResponse>('/composite', {
      allOrNone: true,
      compositeRequest: [
        { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'ok', body: { Name: 'Kept?' } },
        { method: 'POST', url: '/services/data/v62.0/sobjects/Account', referenceId: 'bad', body: { Industry: 'Energy' } },
      ],
    });
    expect(res.compositeResponse[0]).toMatchObject({ httpStatusCode: 400, body: [{ errorCode: 'PROCESSING_HALTED' }] });
    expect(res.compositeResponse[1]).toMatchObject({ httpStatusCode: 400, body: [{ errorCode: 'REQUIRED_FIELD_MISSING' }] });
    expect(await conn.sobject('Account').count()).toBe(0);
  });

  it('/composite/batch reports hasErrors and halts with 412 BATCH_PROCESSING_HALTED', async () => {
    const res = await conn.requestPost<{ hasErrors: boolean; results: Array<{ statusCode: number; result: unknown }> }>('/composite/batch', {
      haltOnError: true,
      batchRequests: [
        { method: 'POST', url: 'v62.0/sobjects/Account', richInput: { Name: 'Batch' } },
        { method: 'GET', url: 'v62.0/sobjects/Account/001000000000000AAA' },
        { method: 'GET', url: 'v62.0/limits' },
      ],
    });
    expect(res.hasErrors).toBe(true);
    expect(res.results.map((r) => r.statusCode)).toEqual([201, 404, 412]);
    expect(res.results[2].result).toEqual([{ errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' }]);
  });

  it('an injected 503 on GET is retried by jsforce; on POST it surfaces as SERVER_UNAVAILABLE', async () => {
    emu.control.resetCounters();
    emu.control.addFault({ method: 'GET', endpoint: 'query', status: 503, times: 1 });
    const res = await conn.query('SELECT Id FROM Account');
    expect(res.done).toBe(true);
    expect(emu.control.counters().byEndpoint.query).toBe(2);
    emu.control.addFault({ method: 'POST', endpoint: 'sobject.create', status: 503, times: 1 });
    const e = await failure(conn.sobject('Account').create({ Name: 'x' }));
    expect(e.name).toBe('SERVER_UNAVAILABLE');
    expect(await conn.sobject('Account').count()).toBe(0);
  });

  it('latency and lock faults: UNABLE_TO_LOCK_ROW on a single-record update', async () => {
    const { id } = await conn.sobject('Account').create({ Name: 'Locked' });
    emu.control.addFault({ lockRow: true, times: 1 });
    emu.control.addFault({ endpoint: 'sobject.update', latencyMs: 20, times: 1 });
    const e = await failure(conn.sobject('Account').update({ Id: id as string, Name: 'x' }));
    expect(e.name).toBe('UNABLE_TO_LOCK_ROW');
    await conn.sobject('Account').update({ Id: id as string, Name: 'Unlocked' });
    expect((await conn.sobject('Account').retrieve(id as string)).Name).toBe('Unlocked');
  });

  it('writeError faults inject record-level errors such as DUPLICATES_DETECTED', async () => {
    emu.control.addFault({ writeError: 'DUPLICATES_DETECTED', object: 'Account', times: 1 });
    const e = await failure(conn.sobject('Account').create({ Name: 'Dup?' }));
    expect(e.name).toBe('DUPLICATES_DETECTED');
    expect(e.message).toBe("You're creating a duplicate record. We recommend you use an existing record instead.");
    expect((await conn.sobject('Account').create({ Name: 'Fine' })).success).toBe(true);
  });

  it('HTTP control surface: seed, counters, faults, clock, session expiry', async () => {
    const api = request(emu.url);
    const seeded = await api.post('/__control/seed').send({ Account: [{ '@ref': 'x', Name: 'Seeded' }] });
    expect(seeded.status).toBe(200);
    expect(seeded.body.refs.x).toMatch(/^001/);
    expect((await conn.sobject('Account').retrieve(seeded.body.refs.x as string)).Name).toBe('Seeded');
    const counters = await api.get('/__control/counters');
    expect(counters.body).toMatchObject({ limit: 15000, byEndpoint: expect.any(Object) });
    expect((await api.post('/__control/faults').send({ status: 500, endpoint: 'limits', times: 1 })).body.id).toBeTruthy();
    const limitsBefore = emu.control.counters().byEndpoint.limits ?? 0;
    await conn.limits(); // the 500 is retried by jsforce (GET)
    expect(emu.control.counters().byEndpoint.limits).toBe(limitsBefore + 2);
    expect((await api.get('/__control/faults')).body).toEqual([]);
    const before = Date.parse((await api.post('/__control/clock/advance').send({ ms: 0 })).body.now as string);
    const after = Date.parse((await api.post('/__control/clock/advance').send({ ms: 86_400_000 })).body.now as string);
    expect(after - before).toBeGreaterThanOrEqual(86_400_000);
    await api.post('/__control/clock/advance').send({ ms: -86_400_000 });
    expect((await api.post('/__control/sessions/expire')).body.expired).toBeGreaterThan(0);
    // refreshFn logs in again transparently.
    expect((await conn.query('SELECT Id FROM Account')).totalSize).toBe(1);
  });

  it('the control surface is absent unless in test mode', async () => {
    const prod = await startOrg({ testMode: false });
    try {
      expect((await request(prod.url).get('/__control/counters')).status).toBe(404);
    } finally {
      await prod.close();
    }
  });

  it('updated/deleted replication windows', async () => {
    const start = new Date(emu.control.now() - 60_000);
    const { id } = await conn.sobject('Account').create({ Name: 'Rep' });
    const { id: gone } = await conn.sobject('Account').create({ Name: 'Gone' });
    await conn.sobject('Account').destroy(gone as string);
    const end = new Date(emu.control.now() + 60_000);
    const updated = await conn.sobject('Account').updated(start, end);
    expect(updated.ids).toContain(id);
    const deleted = await conn.sobject('Account').deleted(start, end);
    expect(deleted.deletedRecords.map((d) => d.id)).toEqual([gone]);
  });
});
