import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { allScopes, startCoupaEmulator, type CoupaEmulator } from '../../emulators/coupa/src';
import { startSalesforceEmulator, type RunningSalesforceEmulator } from '../../emulators/salesforce/src';
import { doctor } from '../../middleware/src/cli/commands/doctor';
import { syncFlow } from '../../middleware/src/cli/commands/sync';
import { loadConfig } from '../../middleware/src/config';
import type { FlowModule } from '../../middleware/src/flows';
import { createLogger } from '../../middleware/src/log';
import { buildConnector } from '../../middleware/src/runtime/build';
import { startSandbox, type RunningSandbox } from '../../scripts/sandbox/sandbox';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '..', '..');
const silent = createLogger({ level: 'silent' });

describe('npm start', () => {
  it('stops with every configuration problem named when only one system is configured', async () => {
    const err = await run(process.execPath, [require.resolve('tsx/cli'), 'scripts/start.ts'], {
      cwd: repo,
      env: {
        ...process.env,
        SALESFORCE_LOGIN_URL: 'https://example.my.salesforce.com',
        SALESFORCE_CLIENT_ID: 'x',
        SALESFORCE_CLIENT_SECRET: 's3cr3t-value',
        PORT: 'eighty'
      }
    }).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    const stderr = (err as { stderr: string }).stderr;
    expect(stderr).toContain('environment: PORT');
    expect(stderr).not.toContain('s3cr3t-value');
  }, 30_000);
});

describe('the sandbox', () => {
  let sandbox: RunningSandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({
      connectorPort: 0,
      preview: false,
      sqlitePath: path.join(os.tmpdir(), `sandbox-${process.pid}.db`),
      logLevel: 'silent'
    });
  }, 60_000);
  afterAll(() => sandbox?.stop());

  it('serves health without a token and the admin API only with the printed token', async () => {
    expect((await fetch(`${sandbox.connector.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${sandbox.connector.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${sandbox.connector.url}/api/v1/flows`)).status).toBe(401);
    const res = await fetch(`${sandbox.connector.url}/api/v1/flows`, {
      headers: { Authorization: `Bearer ${sandbox.adminToken}` }
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { flows: Array<{ name: string }> };
    expect(body.flows.map((f) => f.name)).toEqual(sandbox.connector.flows.map((f) => f.definition.name));
  });

  it('pauses and resumes a flow through the admin API, audited once each under the caller', async () => {
    const auth = { Authorization: `Bearer ${sandbox.adminToken}`, 'Content-Type': 'application/json' };
    const api = sandbox.connector.url + '/api/v1';
    expect(
      (
        await fetch(`${api}/flows/invoice-status/pause`, {
          method: 'POST',
          headers: auth,
          body: '{"reason":"month-end"}'
        })
      ).status
    ).toBe(200);
    expect((await sandbox.connector.store.getFlowState('invoice-status')).paused).toBe(true);
    expect((await fetch(`${api}/flows/invoice-status/resume`, { method: 'POST', headers: auth })).status).toBe(200);
    const { audit } = (await (await fetch(`${api}/audit`, { headers: auth })).json()) as {
      audit: Array<{ action: string; actor: string }>;
    };
    const flowActions = audit.filter((a) => a.action.startsWith('flow.'));
    expect(flowActions.map((a) => a.action).sort()).toEqual(['flow.pause', 'flow.resume']);
    expect(flowActions.every((a) => /^token:[0-9a-f]{8}$/.test(a.actor))).toBe(true);
  });

  it('seeds Salesforce with the sample company, its vendors linked to real Coupa suppliers', async () => {
    const accounts = sandbox.salesforce.control.records('Account') as Array<{
      Name: string;
      Coupa_Supplier_Id__c?: string | null;
    }>;
    expect(accounts.map((a) => a.Name)).toEqual(
      expect.arrayContaining(['Northwind Traders', "O'Reilly & Sons Fabrication"])
    );
    const linked = accounts.filter((a) => a.Coupa_Supplier_Id__c);
    expect(linked.length).toBe(2);
    for (const a of linked) expect(sandbox.coupa.control.get('suppliers', Number(a.Coupa_Supplier_Id__c))).toBeTruthy();
    expect(sandbox.salesforce.control.records('OpportunityLineItem').length).toBeGreaterThanOrEqual(3);
  });
});

describe('coupa-sf doctor and sync', () => {
  let sf: RunningSalesforceEmulator;
  let coupa: CoupaEmulator;
  const probe: FlowModule = {
    name: 'invoice-status',
    description: 'probe',
    coupaScopes: ['core.invoice.read', 'core.supplier.read'],
    build: (deps) => [
      {
        name: 'probe',
        source: { system: 'coupa', object: 'invoices' },
        target: { system: 'salesforce', object: 'Coupa_Invoice__c' },
        trigger: { kind: 'poll' },
        read: async ({ limit }) => [{ id: '1', ts: '2026-01-01T00:00:00Z', data: { n: 'INV-1' } }].slice(0, limit),
        map: (r) => ({ Name: r.data.n }),
        write: async (items) => {
          await deps.salesforce.create(
            'Coupa_Invoice__c',
            items.map((i) => i.payload)
          );
          return items.map(() => ({ ok: true as const, targetId: 'x' }));
        },
        classify: () => ({ kind: 'validation', retryable: false })
      }
    ]
  };

  beforeAll(async () => {
    [sf, coupa] = await Promise.all([
      startSalesforceEmulator({ clientId: 'doc', clientSecret: 'doc-secret' }),
      startCoupaEmulator({ seed: 0, scopes: allScopes().filter((s) => s !== 'core.invoice.read') })
    ]);
  });
  afterAll(() => Promise.all([sf.close(), coupa.close()]));

  const configFile = path.join(os.tmpdir(), `connector-${process.pid}.yaml`);
  beforeAll(() => fs.writeFileSync(configFile, 'flows:\n  invoice-status:\n    enabled: true\n'));
  afterAll(() => fs.rmSync(configFile, { force: true }));

  const connector = (secret?: string) =>
    buildConnector({
      config: loadConfig({
        cwd: repo,
        configFile,
        env: {
          SALESFORCE_LOGIN_URL: sf.url,
          SALESFORCE_CLIENT_ID: 'doc',
          SALESFORCE_CLIENT_SECRET: 'doc-secret',
          COUPA_BASE_URL: coupa.url,
          COUPA_CLIENT_ID: coupa.clientId,
          COUPA_CLIENT_SECRET: secret ?? coupa.clientSecret,
          SQLITE_PATH: ':memory:'
        }
      }),
      logger: silent,
      modules: [probe],
      mappingsDir: path.join(os.tmpdir(), 'no-mappings-here')
    });

  it('says client authentication failed, not missing scopes, when the Coupa client secret is wrong', async () => {
    const c = await connector('not-the-secret');
    try {
      const checks = await doctor(c);
      expect(checks.find((x) => x.name === 'salesforce: login')).toMatchObject({ ok: true });
      const coupaCheck = checks.find((x) => x.name === 'coupa: token and scopes');
      expect(coupaCheck).toMatchObject({ ok: false, detail: expect.stringMatching(/^client authentication failed \(invalid_client\)/) });
      expect(coupaCheck!.detail).not.toContain('scopes not granted');
      expect(coupaCheck!.detail).not.toContain('not-the-secret');
    } finally {
      await c.close();
    }
  });

  it('names the Coupa scope the client lacks and passes the rest', async () => {
    const c = await connector();
    try {
      const checks = await doctor(c);
      expect(checks.find((x) => x.name === 'salesforce: login')).toMatchObject({ ok: true });
      expect(checks.find((x) => x.name === 'coupa: token and scopes')).toMatchObject({
        ok: false,
        detail: 'scopes not granted to the client: core.invoice.read'
      });
    } finally {
      await c.close();
    }
  });

  it('previews a flow in a dry run without writing anything', async () => {
    const c = await connector();
    const lines: string[] = [];
    try {
      sf.control.resetCounters();
      expect(await syncFlow(c, 'invoice-status', { dryRun: true }, (l) => lines.push(l), silent)).toBe(0);
      expect(lines.join('\n')).toContain('invoices 1: create Coupa_Invoice__c {"Name":"INV-1"}');
      expect(sf.control.records('Coupa_Invoice__c')).toHaveLength(0);
      expect(await syncFlow(c, 'nope', {}, (l) => lines.push(l), silent)).toBe(2);
    } finally {
      await c.close();
    }
  });
});
