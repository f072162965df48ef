import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { Connection } from 'jsforce';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../../../emulators/salesforce/src';
import { COUPA_SCHEMA } from '../../../middleware/src/coupa';
import { assertMappingsValid, loadMappingDir, parseMapping, previewMapping } from '../../../middleware/src/mapping';
import { SalesforceClient, soqlQuote, type ChangeEvent, type ReplayStore } from '../../../middleware/src/salesforce';

const CLIENT_ID = 'middleware-client';
const CLIENT_SECRET = 'middleware-secret';
const USERNAME = 'integration@coupa-connector.example';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function waitFor<T>(items: T[], n: number): Promise<void> {
  return new Promise((resolve) => {
    const tick = () => (items.length >= n ? resolve() : setTimeout(tick, 10));
    tick();
  });
}

describe('SalesforceClient against the Salesforce emulator', () => {
  let emu: RunningSalesforceEmulator;
  const clients: SalesforceClient[] = [];
  const jwtClient = (over: Partial<ConstructorParameters<typeof SalesforceClient>[0]> = {}) => {
    const c = new SalesforceClient({
      auth: { flow: 'jwt', loginUrl: emu.url, clientId: CLIENT_ID, username: USERNAME, privateKey: PEM },
      clientName: 'coupa-connector',
      recordRetries: 3,
      backoff: { baseMs: 1, maxMs: 5 },
      ...over,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    emu = await startSalesforceEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, username: USERNAME, jwtCertificates: [publicKey.export({ type: 'spki', format: 'pem' }).toString()] });
  });
  afterAll(() => emu.close());
  beforeEach(() => {
    emu.control.reset();
    emu.control.clearFaults();
    emu.control.resetCounters();
  });

  it('logs in with the JWT bearer flow and the client-credentials flow', async () => {
    const who = await jwtClient().connect();
    expect(who.userId).toBe(emu.control.integrationUserId());
    expect(who.instanceUrl).toBe(emu.url);
    const cc = new SalesforceClient({ auth: { flow: 'client-credentials', loginUrl: emu.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } });
    expect((await cc.connect()).userId).toBe(emu.control.integrationUserId());
    const bad = new SalesforceClient({ auth: { flow: 'client-credentials', loginUrl: emu.url, clientId: CLIENT_ID, clientSecret: 'wrong' } });
    await expect(bad.connect()).rejects.toMatchObject({ kind: 'auth', code: 'invalid_client' });
  });

  it('upserts by external id through sObject Collections, 200 per call, and re-authenticates after expiry', async () => {
    const sf = jwtClient();
    await sf.connect();
    const records = Array.from({ length: 450 }, (_, i) => ({ Coupa_Supplier_Id__c: `S-${i}`, Name: `Supplier ${i}` }));
    const first = await sf.upsert('Account', 'Coupa_Supplier_Id__c', records);
    expect(first.every((r) => r.success && r.created)).toBe(true);
    expect(emu.control.counters().byEndpoint['composite.sobjects.upsert']).toBe(3);

    emu.control.expireSessions();
    const again = await sf.upsert('Account', 'Coupa_Supplier_Id__c', records.slice(0, 10).map((r) => ({ ...r, Name: `${r.Name} v2` })));
    expect(again.every((r) => r.success && r.created === false)).toBe(true);
    const rows = await sf.queryAll<{ Name: string }>("SELECT Name FROM Account WHERE Coupa_Supplier_Id__c = 'S-3'");
    expect(rows).toEqual([{ Name: 'Supplier 3 v2' }]);
  });

  it('finds records whose values hold line breaks, tabs, quotes and backslashes (soqlQuote)', async () => {
    const sf = jwtClient();
    await sf.connect();
    const odd = ['Acme\nGmbH', 'tab\there\r\nCRLF', `O'Brien "Ltd" C:\\dir\\`, 'bell\b form\f'];
    await sf.upsert('Account', 'Coupa_Supplier_Id__c', odd.map((v, i) => ({ Coupa_Supplier_Id__c: `ODD-${i}`, Name: v })));
    for (const v of odd) {
      const rows = await sf.queryAll<{ Name: string }>(`SELECT Name FROM Account WHERE Name = ${soqlQuote(v)}`);
      expect(rows).toEqual([{ Name: v }]);
    }
    const all = await sf.queryAll<{ Name: string }>(`SELECT Name FROM Account WHERE Name IN (${odd.map(soqlQuote).join(', ')})`);
    expect(all.map((r) => r.Name).sort()).toEqual([...odd].sort());
  });

  it('reads every row of a query across pages', async () => {
    const sf = jwtClient();
    await sf.connect();
    await sf.upsert('Account', 'Coupa_Supplier_Id__c', Array.from({ length: 450 }, (_, i) => ({ Coupa_Supplier_Id__c: `Q-${i}`, Name: `Q ${i}` })));
    emu.control.setQueryBatchSize(200);
    emu.control.resetCounters();
    const rows = await sf.queryAll<{ Id: string }>("SELECT Id FROM Account WHERE Name LIKE 'Q %'");
    expect(rows).toHaveLength(450);
    expect(new Set(rows.map((r) => r.Id)).size).toBe(450);
  });

  it('by default hands UNABLE_TO_LOCK_ROW back to the caller as a retryable failure', async () => {
    const sf = jwtClient({ recordRetries: 0 });
    await sf.connect();
    emu.control.addFault({ lockRow: true, object: 'Account', times: 1 });
    const results = await sf.upsert('Account', 'Coupa_Supplier_Id__c', [{ Coupa_Supplier_Id__c: 'L-0', Name: 'Locked' }]);
    expect(results[0]).toMatchObject({ success: false, errors: [{ code: 'UNABLE_TO_LOCK_ROW' }], failure: { kind: 'transient', retryable: true } });
  });

  it('re-sends only records that hit UNABLE_TO_LOCK_ROW when asked to, and reports validation and conflict per record', async () => {
    const sf = jwtClient();
    await sf.connect();
    emu.control.addFault({ lockRow: true, object: 'Account', times: 1 });
    const results = await sf.upsert('Account', 'Coupa_Supplier_Id__c', [
      { Coupa_Supplier_Id__c: 'L-1', Name: 'Locked once' },
      { Coupa_Supplier_Id__c: 'L-2', Name: 'Fine' },
      { Coupa_Supplier_Id__c: 'L-3', Name: 'Bad', No_Such_Field__c: 1 },
    ]);
    expect(results[0]).toMatchObject({ success: true });
    expect(results[1]).toMatchObject({ success: true });
    expect(results[2]).toMatchObject({ success: false, failure: { kind: 'validation' } });
    expect(emu.control.records('Account').filter((r) => String(r.Coupa_Supplier_Id__c).startsWith('L-'))).toHaveLength(2);
  });

  it('writes through Bulk API 2.0 above the threshold and maps results back to inputs', async () => {
    const sf = jwtClient({ bulkThreshold: 100, bulk: { pollFirstMs: 5, pollIntervalMs: 20 } });
    await sf.connect();
    const records = Array.from({ length: 150 }, (_, i) => ({ Coupa_Supplier_Id__c: `B-${i}`, Name: `Bulk ${i}` }));
    records[5] = { ...records[5], Name: '' };
    const results = await sf.upsert('Account', 'Coupa_Supplier_Id__c', records);
    expect(results).toHaveLength(150);
    expect(results.filter((r) => r.success)).toHaveLength(149);
    expect(results[5]).toMatchObject({ index: 5, success: false, failure: { kind: 'validation' } });
    expect(results[7]).toMatchObject({ index: 7, success: true, created: true });
    expect(emu.control.counters().byEndpoint['composite.sobjects.upsert'] ?? 0).toBe(0);
  });

  it('Bulk API 2.0: clears fields sent as null, writes fields only later records have, fails a repeated key alone, a few calls per job', async () => {
    const sf = jwtClient({ bulkThreshold: 3, bulk: { pollFirstMs: 5 } });
    await sf.connect();
    await sf.upsert('Account', 'Coupa_Supplier_Id__c', [{ Coupa_Supplier_Id__c: 'N-0', Name: 'Before', Website: 'https://before.example' }], { bulk: false });
    emu.control.resetCounters();
    const results = await sf.upsert('Account', 'Coupa_Supplier_Id__c', [
      { Coupa_Supplier_Id__c: 'N-0', Name: 'After', Website: null },
      { Coupa_Supplier_Id__c: 'N-1', Name: 'Only later, "quoted", with a comma' },
      { Coupa_Supplier_Id__c: 'N-2', Name: 'Has a phone', Phone: '+1 555 0100' },
      { Coupa_Supplier_Id__c: 'N-1', Name: 'Same key again' },
    ]);
    expect(results.map((r) => r.success)).toEqual([true, true, true, false]);
    expect(results[0]).toMatchObject({ created: false });
    expect(results[3]).toMatchObject({ errors: [{ code: 'DUPLICATE_VALUE' }], failure: { kind: 'conflict' } });
    const byKey = new Map(emu.control.records('Account').map((r) => [String(r.Coupa_Supplier_Id__c), r]));
    expect(byKey.get('N-0')).toMatchObject({ Name: 'After', Website: null });
    expect(byKey.get('N-1')).toMatchObject({ Name: 'Only later, "quoted", with a comma' });
    expect(byKey.get('N-2')).toMatchObject({ Phone: '+1 555 0100' });
    const calls = emu.control.counters().byEndpoint;
    expect(Object.keys(calls).filter((k) => !k.startsWith('bulk2')).filter((k) => !/oauth|token/.test(k))).toEqual([]);
    // create, upload, close, a status check or two, three result lists
    expect(Object.entries(calls).reduce((n, [k, v]) => n + (k.startsWith('bulk2') ? v : 0), 0)).toBeLessThanOrEqual(9);
  });

  it('Bulk API 2.0: a job Salesforce fails as a whole gives every record its own failure, and a failed row its code and message', async () => {
    const sf = jwtClient({ bulkThreshold: 2, bulk: { pollFirstMs: 5 } });
    await sf.connect();
    const bad = await sf.upsert('Account', 'Coupa_Supplier_Id__c', [
      { Coupa_Supplier_Id__c: 'F-1', Name: 'One', No_Such_Field__c: 'x' },
      { Coupa_Supplier_Id__c: 'F-2', Name: 'Two' },
    ]);
    expect(bad).toEqual([
      expect.objectContaining({ success: false, errors: [expect.objectContaining({ code: 'BULK_JOB_FAILED', message: expect.stringContaining('No_Such_Field__c') })], failure: { kind: 'validation', retryable: false } }),
      expect.objectContaining({ success: false, failure: { kind: 'validation', retryable: false } }),
    ]);
    const rows = await sf.upsert('Account', 'Coupa_Supplier_Id__c', [
      { Coupa_Supplier_Id__c: 'F-3', Name: '' },
      { Coupa_Supplier_Id__c: 'F-4', Name: 'Four' },
    ]);
    expect(rows[0]).toMatchObject({ success: false, errors: [{ code: 'REQUIRED_FIELD_MISSING' }], failure: { kind: 'validation' } });
    expect(rows[0].errors[0].message).not.toMatch(/^REQUIRED_FIELD_MISSING/);
    expect(rows[1]).toMatchObject({ success: true, created: true });
  });

  it('surfaces REQUEST_LIMIT_EXCEEDED and 5xx once each (no jsforce retries), with the usage Salesforce reported', async () => {
    const sf = jwtClient({ apiReserve: { fraction: 0 } });
    await sf.connect();
    emu.control.resetCounters();
    emu.control.setApiUsage({ used: 10_000, limit: 10_000 });
    await expect(sf.queryAll('SELECT Id FROM Account LIMIT 1', { essential: true })).rejects.toMatchObject({ code: 'REQUEST_LIMIT_EXCEEDED', kind: 'rate-limited', retryable: true, status: 403 });
    expect(sf.budget.usage).toMatchObject({ limit: 10_000 });
    emu.control.resetCounters();
    emu.control.setApiUsage({ used: 0, limit: 100_000 });
    // Essential: the client's own budget still holds the exhausted usage reported above.
    const q = () => sf.queryAll('SELECT Id FROM Account LIMIT 1', { essential: true });
    emu.control.addFault({ endpoint: 'describe', status: 503, times: 1 });
    await expect(sf.describe('Account', { essential: true })).rejects.toMatchObject({ kind: 'transient', status: 503 });
    emu.control.addFault({ endpoint: 'query', status: 429, times: 1 });
    await expect(q()).rejects.toMatchObject({ code: 'REQUEST_LIMIT_EXCEEDED', kind: 'rate-limited', status: 429 });
    // A query page with a transient answer is retried in place (it would restart the read otherwise).
    emu.control.addFault({ endpoint: 'query', status: 503, times: 1 });
    await expect(q()).resolves.toBeDefined();
    expect(emu.control.counters().byEndpoint).toMatchObject({ query: 3, describe: 1 });
  });

  it('keeps the configured API reserve for essential calls', async () => {
    const sf = jwtClient({ apiReserve: { fraction: 0.1 } });
    await sf.connect();
    emu.control.setApiUsage({ used: 9_500, limit: 10_000 });
    await sf.queryAll('SELECT Id FROM Account LIMIT 1');
    expect(sf.budget.usage?.limit).toBe(10_000);
    await expect(sf.queryAll('SELECT Id FROM Account LIMIT 1')).rejects.toMatchObject({ code: 'API_BUDGET_RESERVED' });
    await expect(sf.queryAll('SELECT Id FROM Account LIMIT 1', { essential: true })).resolves.toBeDefined();
  });

  it('streams CDC events, skips our own writes, and resumes from the persisted replay id', async () => {
    const sf = jwtClient();
    await sf.connect();
    const saved = new Map<string, number>();
    const store: ReplayStore = { load: async (ch) => saved.get(ch), save: async (ch, id) => void saved.set(ch, id) };
    const events: ChangeEvent[] = [];
    const channel = '/data/AccountChangeEvent';
    const sub = await sf.subscribeChanges({ channel, store, onEvent: async (e) => void events.push(e) });

    // Someone else (an admin via another API client) creates an Account; we write one ourselves.
    const other = new Connection({ oauth2: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, loginUrl: emu.url }, version: '62.0', callOptions: { client: 'admin-tool' } });
    await other.authorize({ grant_type: 'client_credentials' });
    await sf.upsert('Account', 'Coupa_Supplier_Id__c', [{ Coupa_Supplier_Id__c: 'OWN-1', Name: 'Ours' }]);
    await other.sobject('Account').create({ Name: 'Theirs' });
    await waitFor(events, 1);
    await new Promise((r) => setTimeout(r, 100));
    expect(events.map((e) => [e.header.changeType, e.fields.Name])).toEqual([['CREATE', 'Theirs']]);
    expect(saved.get(channel)).toBe(events[0].replayId);
    await sub.stop();

    // While we are away another change happens; on restart we get exactly that one.
    await other.sobject('Account').create({ Name: 'While away' });
    const later: ChangeEvent[] = [];
    const sub2 = await sf.subscribeChanges({ channel, store, onEvent: async (e) => void later.push(e) });
    await waitFor(later, 1);
    await new Promise((r) => setTimeout(r, 100));
    await sub2.stop();
    expect(later.map((e) => e.fields.Name)).toEqual(['While away']);
  });

  it('polls by (SystemModstamp, Id) as the CDC fallback', async () => {
    const sf = jwtClient();
    await sf.connect();
    await sf.upsert('Account', 'Coupa_Supplier_Id__c', [1, 2, 3].map((i) => ({ Coupa_Supplier_Id__c: `P-${i}`, Name: `Poll ${i}` })));
    let cursor;
    const first: string[] = [];
    for await (const { record, cursor: c } of sf.pollChanges({ sobject: 'Account', fields: ['Name'], where: "Name LIKE 'Poll %'" })) {
      first.push(String(record.Name));
      cursor = c;
    }
    expect(first.sort()).toEqual(['Poll 1', 'Poll 2', 'Poll 3']);
    emu.control.advanceClock(5_000);
    await sf.update('Account', [{ Id: (await sf.queryAll<{ Id: string }>("SELECT Id FROM Account WHERE Name = 'Poll 2'"))[0].Id, Name: 'Poll 2b' }]);
    const second: string[] = [];
    for await (const { record } of sf.pollChanges({ sobject: 'Account', fields: ['Name'], since: cursor, where: "Name LIKE 'Poll %'" })) second.push(String(record.Name));
    expect(second).toEqual(['Poll 2b']);
  });

  it('validates and previews a mapping against the org describe and the Coupa schema', async () => {
    const sf = jwtClient();
    await sf.connect();
    const ctx = { coupaSchema: COUPA_SCHEMA, describe: (o: string) => sf.describe(o).catch(() => undefined) };
    const good = parseMapping(
      `
coupa: { resource: invoices }
salesforce: { object: Coupa_Invoice__c, externalId: Coupa_Invoice_Id__c }
transforms: { text: "$string($)", dateOnly: "$substring($, 0, 10)" }
fields:
  - { coupa: id, salesforce: Coupa_Invoice_Id__c, transform: text }
  - { coupa: supplier.id, salesforce: Account__r.Coupa_Supplier_Id__c, transform: text }
  - { coupa: invoice-date, salesforce: Invoice_Date__c, transform: dateOnly }
  - { coupa: gross-total, salesforce: Gross_Total__c }
  - { coupa: currency.code, salesforce: Currency_Code__c }
`,
      'config/mappings/invoice-status.yaml',
    );
    await expect(assertMappingsValid([good], ctx)).resolves.toEqual([]);
    const bad = parseMapping('coupa: { resource: invoices }\nsalesforce: { object: Coupa_Invoice__c }\nfields:\n  - { coupa: id, salesforce: Coupa_Invoce_Id__c }\n', 'config/mappings/invoice-status.yaml');
    await expect(assertMappingsValid([bad], ctx)).rejects.toThrow('config/mappings/invoice-status.yaml: fields[0].salesforce: Coupa_Invoce_Id__c is not a field of Coupa_Invoice__c');

    const preview = await previewMapping(good, 'coupa-to-salesforce', { id: 9, supplier: { id: 4 }, 'invoice-date': '2026-02-03T00:00:00-08:00', 'gross-total': '10.00', currency: { code: 'EUR' } });
    expect(preview.payload).toEqual({ Coupa_Invoice_Id__c: '9', Account__r: { Coupa_Supplier_Id__c: '4' }, Invoice_Date__c: '2026-02-03', Gross_Total__c: '10.00', Currency_Code__c: 'EUR' });
  });

  it('the shipped config/mappings validate against the org schema and the Coupa Swagger', async () => {
    const sf = jwtClient();
    await sf.connect();
    const root = path.resolve(__dirname, '../../..');
    const mappings = loadMappingDir(path.join(root, 'config/mappings'), root);
    expect(mappings.length).toBeGreaterThan(0);
    const warnings = await assertMappingsValid(mappings, { coupaSchema: COUPA_SCHEMA, describe: (o) => sf.describe(o).catch(() => undefined) });
    expect(warnings.every((w) => w.severity === 'warning')).toBe(true);
  });
});
