import pino from 'pino';
import request from 'supertest';
import YAML from 'yaml';
import { openStateStore, type StateStore } from '../store';
import { createHttpApp } from './app';
import type { FlowControl } from './flow-control';
import { createMetrics } from './metrics';

const TOKEN = 'test-admin-token-0123456789';

function fakeControl(store: StateStore): FlowControl & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    listFlows: () => [
      {
        name: 'invoice-status',
        enabled: true,
        trigger: 'poll',
        schedule: '*/1 * * * *',
        source: { system: 'coupa', object: 'invoices' },
        target: { system: 'salesforce', object: 'Coupa_Invoice__c' },
        group: 'invoice-status'
      },
      { name: 'spend-summary', enabled: false, trigger: 'schedule', schedule: '0 2 * * *' }
    ],
    runNow: async (flow) => {
      calls.push(`run:${flow}`);
      return (await store.getFlowState(flow)).paused ? { runId: null, status: 'paused' } : { runId: 'run-1', status: 'running' };
    },
    pause: async (flow, actor, reason) => {
      calls.push(`pause:${flow}`);
      await store.setFlowPaused(flow, true, reason ?? null);
      await store.audit(actor, 'flow.pause', { flow, reason: reason ?? null });
    },
    resume: async (flow, actor) => {
      calls.push(`resume:${flow}`);
      await store.setFlowPaused(flow, false);
      await store.audit(actor, 'flow.resume', { flow });
    },
    replayDeadLetter: async (id, actor) => {
      calls.push(`replay:${id}`);
      await store.updateDeadLetter(id, { status: 'replayed' });
      await store.audit(actor, 'dead-letter.replay', { id });
      return { status: 'replayed' };
    },
    resolveConflict: async (id, winner, actor) => {
      calls.push(`resolve:${id}:${winner}`);
      await store.resolveConflict(id, winner);
      await store.audit(actor, 'conflict.resolve', { id, winner });
      return { written: true, action: 'update' };
    },
    preview: async (flow, input) =>
      'id' in input ? { flow, read: input.id } : { flow, payload: { Name: input.record.name }, diff: [] },
    isReady: () => true
  };
}

describe('admin HTTP API', () => {
  let store: StateStore;
  let control: ReturnType<typeof fakeControl>;
  let app: ReturnType<typeof createHttpApp>;
  const auth = { Authorization: `Bearer ${TOKEN}` };

  beforeEach(async () => {
    store = await openStateStore({ sqlitePath: ':memory:' });
    control = fakeControl(store);
    app = createHttpApp({
      store,
      control,
      adminTokens: [TOKEN],
      logger: pino({ level: 'silent' }),
      metrics: createMetrics()
    });
  });
  afterEach(() => store.close());

  it('answers health and readiness without a token', async () => {
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    await request(app).get('/readyz').expect(200, { status: 'ready' });
  });

  it('reports not ready while flows are starting', async () => {
    control.isReady = () => false;
    await request(app).get('/readyz').expect(503);
  });

  it.each([
    '/metrics',
    '/api/v1/flows',
    '/api/v1/runs',
    '/api/v1/dead-letters',
    '/api/v1/conflicts',
    '/api/v1/audit',
    '/api/v1/quarantine',
    '/api/v1/openapi.yaml',
    '/api/v1/nope'
  ])('refuses %s without a valid token', async (path) => {
    const none = await request(app).get(path).expect(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    await request(app).get(path).set('Authorization', 'Bearer wrong').expect(401);
    await request(app).get(path).set('Authorization', TOKEN).expect(401);
  });

  it('lists flows with pause state, last run and open dead letters', async () => {
    await store.setFlowPaused('spend-summary', true, 'month-end close');
    const run = await store.startRun({ flow: 'invoice-status', trigger: 'schedule' });
    await store.finishRun(run.id, { status: 'partial', counts: { written: 9, deadLettered: 1 } });
    await store.addDeadLetter({
      flow: 'invoice-status',
      recordKey: 'invoice:7',
      errorClass: 'validation',
      attempts: 1,
      message: 'bad picklist'
    });

    const res = await request(app).get('/api/v1/flows').set(auth).expect(200);
    const [invoices, spend] = res.body.flows;
    expect(invoices).toMatchObject({
      name: 'invoice-status',
      paused: false,
      openDeadLetters: 1,
      lastRun: { id: run.id, status: 'partial' }
    });
    expect(spend).toMatchObject({
      name: 'spend-summary',
      paused: true,
      pausedReason: 'month-end close',
      lastRun: null
    });
  });

  it('pauses, resumes and runs a flow, and audits each action without the token', async () => {
    await request(app)
      .post('/api/v1/flows/invoice-status/pause')
      .set(auth)
      .send({ reason: 'maintenance' })
      .expect(200, { flow: 'invoice-status', paused: true });
    expect((await store.getFlowState('invoice-status')).paused).toBe(true);
    await request(app).post('/api/v1/flows/invoice-status/resume').set(auth).expect(200);
    await request(app)
      .post('/api/v1/flows/invoice-status/run')
      .set(auth)
      .expect('Location', '/api/v1/runs/run-1')
      .expect(202, { runId: 'run-1', status: 'running' });
    expect(control.calls).toEqual(['pause:invoice-status', 'resume:invoice-status', 'run:invoice-status']);

    const audit = (await request(app).get('/api/v1/audit').set(auth).expect(200)).body.audit;
    expect(audit.map((a: { action: string }) => a.action).sort()).toEqual(['flow.pause', 'flow.resume', 'flow.run']);
    expect(audit[0].actor).toMatch(/^token:[0-9a-f]{8}$/);
    expect(JSON.stringify(audit)).not.toContain(TOKEN);
  });

  it('answers 404 for an unknown flow', async () => {
    const res = await request(app).post('/api/v1/flows/no-such-flow/run').set(auth).expect(404);
    expect(res.body).toEqual({ error: 'not_found', message: 'unknown flow "no-such-flow"' });
  });

  it('shows a dead letter with its request and response, replays it once, and refuses a second replay', async () => {
    const id = await store.addDeadLetter({
      flow: 'invoice-status',
      recordKey: 'invoice:42',
      errorClass: 'validation',
      attempts: 1,
      message: 'Status__c: bad value for restricted picklist field: paid',
      request: { method: 'PATCH', url: '/services/data/v62.0/composite/sobjects' },
      response: { status: 400, body: [{ statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST' }] }
    });
    const dl = (await request(app).get(`/api/v1/dead-letters/${id}`).set(auth).expect(200)).body;
    expect(dl).toMatchObject({ recordKey: 'invoice:42', status: 'open', response: { status: 400 } });

    await request(app).post(`/api/v1/dead-letters/${id}/replay`).set(auth).expect(200, { status: 'replayed' });
    await request(app).post(`/api/v1/dead-letters/${id}/replay`).set(auth).expect(409);
    expect((await request(app).get('/api/v1/dead-letters').set(auth)).body.deadLetters).toEqual([]);
    expect((await request(app).get('/api/v1/dead-letters?status=replayed').set(auth)).body.deadLetters).toHaveLength(1);
  });

  it('discards an open dead letter once, and refuses one already replayed or discarded', async () => {
    const id = await store.addDeadLetter({
      flow: 'invoice-status',
      recordKey: 'invoice:43',
      errorClass: 'validation',
      attempts: 1
    });
    await request(app).post(`/api/v1/dead-letters/${id}/discard`).set(auth).expect(200);
    expect((await store.getDeadLetter(id))!.status).toBe('discarded');
    await request(app).post(`/api/v1/dead-letters/${id}/discard`).set(auth).expect(409);
    await request(app).post(`/api/v1/dead-letters/${id}/replay`).set(auth).expect(409);
    expect((await store.getDeadLetter(id))!.status).toBe('discarded');
    const replayed = await store.addDeadLetter({ flow: 'invoice-status', recordKey: 'invoice:44', errorClass: 'validation', attempts: 1 });
    await request(app).post(`/api/v1/dead-letters/${replayed}/replay`).set(auth).expect(200);
    const res = await request(app).post(`/api/v1/dead-letters/${replayed}/discard`).set(auth).expect(409);
    expect(res.body).toEqual({ error: 'conflict', message: `dead letter ${replayed} is already replayed` });
    expect((await store.getDeadLetter(replayed))!.status).toBe('replayed');
    await request(app).post('/api/v1/dead-letters/999/discard').set(auth).expect(404);
    expect(await store.listAudit({ action: 'dead-letter.discard' })).toHaveLength(1);
  });

  it('resolves a conflict once, naming the winning side', async () => {
    const id = await store.addConflict({
      flow: 'contract-sync',
      recordKey: 'contract:9',
      field: 'EndDate',
      sfValue: '2027-01-31',
      coupaValue: '2027-03-31'
    });
    await request(app).post(`/api/v1/conflicts/${id}/resolve`).set(auth).send({ winner: 'both' }).expect(400);
    const res = await request(app).post(`/api/v1/conflicts/${id}/resolve`).set(auth).send({ winner: 'coupa' }).expect(200);
    expect(res.body).toEqual({ id, status: 'resolved', winner: 'coupa', written: true, action: 'update' });
    expect(control.calls).toEqual([`resolve:${id}:coupa`]);
    await request(app).post(`/api/v1/conflicts/${id}/resolve`).set(auth).send({ winner: 'coupa' }).expect(409);
  });

  it('lists quarantined records and releases one, audited with the caller', async () => {
    await store.quarantine('contract-sync', 'coupa:contracts:7', 'written 6 times in 300s');
    await request(app).post('/api/v1/quarantine/release').send({ flow: 'contract-sync', recordKey: 'coupa:contracts:7' }).expect(401);
    const list = (await request(app).get('/api/v1/quarantine').set(auth).expect(200)).body.quarantine;
    expect(list).toEqual([expect.objectContaining({ flow: 'contract-sync', recordKey: 'coupa:contracts:7', reason: 'written 6 times in 300s' })]);
    expect((await request(app).get('/api/v1/quarantine?flow=other').set(auth).expect(200)).body.quarantine).toEqual([]);

    await request(app).post('/api/v1/quarantine/release').set(auth).send({ flow: 'contract-sync' }).expect(400);
    await request(app)
      .post('/api/v1/quarantine/release')
      .set(auth)
      .send({ flow: 'contract-sync', recordKey: 'coupa:contracts:7' })
      .expect(200, { flow: 'contract-sync', recordKey: 'coupa:contracts:7', status: 'released' });
    expect(await store.isQuarantined('contract-sync', 'coupa:contracts:7')).toBe(false);
    const again = await request(app)
      .post('/api/v1/quarantine/release')
      .set(auth)
      .send({ flow: 'contract-sync', recordKey: 'coupa:contracts:7' })
      .expect(409);
    expect(again.body.message).toContain('already released');
    await request(app)
      .post('/api/v1/quarantine/release')
      .set(auth)
      .send({ flow: 'contract-sync', recordKey: 'coupa:contracts:8' })
      .expect(404);
    const audit = await store.listAudit({ action: 'quarantine.release' });
    expect(audit).toEqual([
      expect.objectContaining({ actor: expect.stringMatching(/^token:[0-9a-f]{8}$/), detail: expect.objectContaining({ recordKey: 'coupa:contracts:7' }) })
    ]);
    expect((await store.listJournal({ recordKey: 'coupa:contracts:7' })).map((j) => j.action)).toEqual(['quarantine-released']);
  });

  it('shows a record timeline and a run with its journal', async () => {
    const run = await store.startRun({ flow: 'invoice-status', trigger: 'manual' });
    await store.appendJournal({
      runId: run.id,
      flow: 'invoice-status',
      direction: 'coupa->salesforce',
      recordKey: 'invoice:5',
      action: 'create'
    });
    await store.appendJournal({
      runId: run.id,
      flow: 'invoice-status',
      direction: 'coupa->salesforce',
      recordKey: 'invoice:6',
      action: 'update'
    });
    const timeline = (await request(app).get('/api/v1/records/invoice:5/timeline').set(auth).expect(200)).body;
    expect(timeline.journal.map((j: { action: string }) => j.action)).toEqual(['create']);
    const detail = (await request(app).get(`/api/v1/runs/${run.id}`).set(auth).expect(200)).body;
    expect(detail.journal).toHaveLength(2);
    await request(app).get('/api/v1/runs/does-not-exist').set(auth).expect(404);
  });

  it('previews a mapping and rejects a preview without a record', async () => {
    const res = await request(app)
      .post('/api/v1/flows/invoice-status/preview')
      .set(auth)
      .send({ record: { name: 'Acme' } })
      .expect(200);
    expect(res.body.payload).toEqual({ Name: 'Acme' });
    await request(app).post('/api/v1/flows/invoice-status/preview').set(auth).send({}).expect(400);
    const byId = await request(app).post('/api/v1/flows/invoice-status/preview').set(auth).send({ id: ' 42 ' }).expect(200);
    expect(byId.body).toEqual({ flow: 'invoice-status', read: '42' });
  });

  it('refuses to run a paused flow with 409 and says why', async () => {
    await store.setFlowPaused('invoice-status', true, 'month-end');
    const res = await request(app).post('/api/v1/flows/invoice-status/run').set(auth).expect(409);
    expect(res.body).toMatchObject({ status: 'paused', message: 'invoice-status is paused; resume it first' });
  });

  it('lists runs that did something and summarises idle runs per flow', async () => {
    const idle = [];
    for (let i = 0; i < 3; i++) {
      const r = await store.startRun({ flow: 'invoice-status', trigger: 'schedule' });
      await store.finishRun(r.id, { status: 'succeeded', counts: { read: 0, created: 0 } });
      idle.push(r.id);
    }
    const busy = await store.startRun({ flow: 'invoice-status', trigger: 'schedule' });
    await store.finishRun(busy.id, { status: 'succeeded', counts: { read: 2, created: 2 } });
    const failed = await store.startRun({ flow: 'invoice-status', trigger: 'schedule' });
    await store.finishRun(failed.id, { status: 'failed', counts: { read: 0 }, error: 'Coupa unreachable' });
    const body = (await request(app).get('/api/v1/runs').set(auth).expect(200)).body;
    expect(body.runs.map((r: { id: string }) => r.id).sort()).toEqual([busy.id, failed.id].sort());
    expect(body.idle).toEqual([expect.objectContaining({ flow: 'invoice-status', runs: 3 })]);
    const all = (await request(app).get('/api/v1/runs?empty=include').set(auth).expect(200)).body;
    expect(all.runs).toHaveLength(5);
  });

  it('finds a timeline by a plain Coupa id or Salesforce Id, with the linked counterpart', async () => {
    const sfId = 'a0B5g00000AbCdEFGH';
    await store.createLink({ flow: 'invoice-status', sfObject: 'Coupa_Invoice__c', sfId, coupaResource: 'invoices', coupaId: '5' });
    await store.appendJournal({ flow: 'invoice-status', direction: 'to-salesforce', recordKey: 'coupa:invoices:5', action: 'create' });
    await store.appendJournal({ flow: 'invoice-status', direction: 'to-salesforce', recordKey: 'coupa:invoices:6', action: 'update' });
    await store.addDeadLetter({ flow: 'invoice-status', recordKey: 'coupa:invoices:5', errorClass: 'validation', attempts: 1 });
    for (const q of ['5', sfId, 'coupa:invoices:5']) {
      const t = (await request(app).get(`/api/v1/records/${q}/timeline`).set(auth).expect(200)).body;
      expect(t.journal.map((j: { recordKey: string }) => j.recordKey)).toEqual(['coupa:invoices:5']);
      expect(t.deadLetters).toHaveLength(1);
      expect(t.links).toEqual([{ group: 'invoice-status', salesforce: `salesforce:Coupa_Invoice__c:${sfId}`, coupa: 'coupa:invoices:5' }]);
    }
    const none = (await request(app).get('/api/v1/records/77/timeline').set(auth).expect(200)).body;
    expect(none).toMatchObject({ query: '77', recordKey: null, journal: [], deadLetters: [] });
  });

  it('rejects bad parameters and malformed JSON with a clear message', async () => {
    expect((await request(app).get('/api/v1/runs?limit=-3').set(auth).expect(400)).body.message).toContain('-3');
    const res = await request(app)
      .post('/api/v1/flows/invoice-status/pause')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send('{"reason":')
      .expect(400);
    expect(res.body.error).toBe('invalid_request');
  });

  describe('request bodies', () => {
    let logs: Array<{ level: number; msg: string; err?: unknown; stack?: unknown }>;
    let logged: ReturnType<typeof createHttpApp>;
    beforeEach(() => {
      logs = [];
      const stream = { write: (line: string) => void logs.push(JSON.parse(line)) };
      logged = createHttpApp({ store, control, adminTokens: [TOKEN], logger: pino({ level: 'debug' }, stream), metrics: createMetrics() });
    });
    const big = JSON.stringify({ reason: 'x'.repeat(2 * 1024 * 1024) });
    const noStack = () => {
      expect(logs.filter((l) => l.level >= 50)).toEqual([]);
      expect(JSON.stringify(logs)).not.toMatch(/"stack"|\s+at /);
    };

    it('are not read before the token is checked', async () => {
      const pause = '/api/v1/flows/invoice-status/pause';
      await request(logged).post(pause).set('Content-Type', 'application/json').send('{"reason":').expect(401);
      await request(logged).post(pause).set('Content-Type', 'application/json').send(big).expect(401);
      await request(logged)
        .post(pause)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'x-unknown')
        .send('{"reason":"a"}')
        .expect(401);
      expect(control.calls).toEqual([]);
      noStack();
    });

    it('answer 413 when too large and 415 for an unknown encoding, logged at warn without a stack', async () => {
      const pause = '/api/v1/flows/invoice-status/pause';
      const tooLarge = await request(logged).post(pause).set(auth).set('Content-Type', 'application/json').send(big).expect(413);
      expect(tooLarge.body.error).toBe('payload_too_large');
      const encoded = await request(logged)
        .post(pause)
        .set(auth)
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', 'x-unknown')
        .send('{"reason":"a"}')
        .expect(415);
      expect(encoded.body.error).toBe('unsupported_media_type');
      expect(control.calls).toEqual([]);
      expect(logs.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
        'admin API request body refused',
        'admin API request body refused'
      ]);
      noStack();
    });
  });

  it('serves Prometheus metrics and the OpenAPI document', async () => {
    await request(app).get('/healthz');
    const metrics = await request(app).get('/metrics').set(auth).expect(200);
    expect(metrics.text).toContain('connector_http_requests_total{method="GET",route="/healthz",status="200"} 1');
    const openapi = await request(app).get('/api/v1/openapi.yaml').set(auth).expect(200);
    expect(openapi.text).toContain('/api/v1/dead-letters/{id}/replay');
    // It is valid YAML (a client generator or a viewer can read it).
    const doc = YAML.parse(openapi.text) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/flows/{flow}/run', '/api/v1/records/{key}/timeline']));
  });

  it('serves the console (no data, no inline script) and sends / and /admin to it', async () => {
    await request(app).get('/').expect(302).expect('Location', '/console');
    await request(app).get('/admin').expect(302).expect('Location', '/console');
    const page = await request(app).get('/console').expect(200).expect('Content-Type', /html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('<script type="module" src="/console/console.js"></script>');
    expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    await request(app).get('/console/console.js').expect(200).expect('Content-Type', /javascript/);
    await request(app).get('/console/console.css').expect(200).expect('Content-Type', /css/);
    await request(app).get('/console/nothing-else').expect(404);
  });

  it('sets security headers', async () => {
    const res = await request(app).get('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });
});
