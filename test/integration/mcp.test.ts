/**
 * The agent gateway driven by the MCP SDK's own client over Streamable HTTP, against the sandbox (both emulators,
 * sample data, every flow): listing, each read tool, each write through approval, refusals, rate limits, malformed
 * arguments and the audit log.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Connection } from 'jsforce';
import { CONTRACT_TO_COUPA, CONTRACT_TO_SALESFORCE } from '../../middleware/src/flows/contract-sync';
import { startSandbox, type RunningSandbox } from '../../scripts/sandbox/sandbox';
import { waitFor } from '../e2e/harness';

const repo = path.resolve(__dirname, '..', '..');
const TOKENS = {
  MCP_TEST_AGENT: 'agent-token-aaaaaaaaaaaaaaaaaaaaaaaa',
  MCP_TEST_READER: 'reader-token-bbbbbbbbbbbbbbbbbbbbbbbb',
  MCP_TEST_AUTO: 'auto-token-cccccccccccccccccccccccccc',
  MCP_TEST_SLOW: 'slow-token-dddddddddddddddddddddddddd',
};
const ADMIN = 'admin-token-for-the-mcp-test-0123456789';

type Result = { isError?: boolean; content: Array<{ type: string; text: string }>; structuredContent?: any };

describe('agent gateway (MCP over Streamable HTTP and stdio)', () => {
  let sandbox: RunningSandbox;
  let conn: Connection;
  const file = path.join(os.tmpdir(), `connector-mcp-${process.pid}.yaml`);
  const settingsFile = path.join(os.tmpdir(), `sandbox-mcp-${process.pid}.json`);
  const clients: Client[] = [];
  const saved: Record<string, string | undefined> = {};

  async function client(token: string): Promise<Client> {
    const c = new Client({ name: 'mcp-test', version: '1.0.0' });
    await c.connect(new StreamableHTTPClientTransport(new URL(`${sandbox.connector.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    clients.push(c);
    return c;
  }
  const call = async (c: Client, name: string, args: Record<string, unknown> = {}) => (await c.callTool({ name, arguments: args })) as Result;
  const admin = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${sandbox.connector.url}/api/v1${p}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  /** Coupa's API as a person (not the connector). */
  const coupa = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${sandbox.coupa.url}${p}`, {
      method,
      headers: { Authorization: `Bearer ${sandbox.personTokens.coupa}`, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
    return res.json() as Promise<any>;
  };
  /** Asks for a write, checks nothing happened yet and that asking again joins the same approval, then approves it. */
  async function approveWrite(agent: Client, tool: string, args: Record<string, unknown>, before: () => Promise<void>) {
    const asked = await call(agent, tool, args);
    expect(asked.structuredContent).toMatchObject({ status: 'pending_approval', tool, arguments: args });
    const approvalId = asked.structuredContent.approvalId as string;
    expect((await call(agent, tool, args)).structuredContent.approvalId).toBe(approvalId);
    await before();
    const approved = await admin('POST', `/approvals/${approvalId}/approve`);
    expect(approved.status).toBe(200);
    const outcome = await waitFor('the approved write to finish', async () => {
      const polled = await call(agent, 'get_approval', { approvalId });
      return polled.structuredContent.status === 'approved' ? null : polled.structuredContent;
    });
    expect(outcome).toMatchObject({ approvalId, status: 'succeeded' });
    // Asked again after it succeeded: the same approval, nothing run again.
    expect((await call(agent, tool, args)).structuredContent).toMatchObject({ approvalId, status: 'succeeded' });
    expect((await admin('POST', `/approvals/${approvalId}/approve`)).status).toBe(409);
    return outcome.result as Record<string, any>;
  }

  beforeAll(async () => {
    // The sandbox's configuration, with the requisition and onboarding flows left to the tools (no fast polls), plus agent tokens.
    const yaml = fs
      .readFileSync(path.join(repo, 'config', 'connector.sandbox.yaml'), 'utf8')
      .replace(/(opportunity-to-requisition:\n {4}enabled: true\n {4}schedule: )"[^"]+"/, '$1"0 0 1 1 *"')
      .replace(/(supplier-onboarding:\n {4}enabled: true\n {4}schedule: )"[^"]+"/, '$1"0 0 1 1 *"');
    fs.writeFileSync(
      file,
      `${yaml}
mcp:
  rateLimit: { requestsPerMinute: 600 }
  maxListItems: 20
  maxTextLength: 500
  tokens:
    - { name: sales-agent, tokenEnv: MCP_TEST_AGENT, role: agent }
    - { name: reader, tokenEnv: MCP_TEST_READER, role: reader, tools: [get_supplier_status, get_flow_health, list_dead_letters] }
    - { name: ops-agent, tokenEnv: MCP_TEST_AUTO, role: agent, autoApprove: [start_supplier_onboarding] }
    - { name: slow, tokenEnv: MCP_TEST_SLOW, role: reader, requestsPerMinute: 3 }
`,
    );
    for (const [k, v] of Object.entries({ ...TOKENS, CONNECTOR_CONFIG: file })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    sandbox = await startSandbox({
      connectorPort: 0,
      salesforcePort: 0,
      coupaPort: 0,
      preview: false,
      adminToken: ADMIN,
      settingsFile,
      sqlitePath: path.join(os.tmpdir(), `sandbox-mcp-${process.pid}.db`),
      logLevel: 'silent',
    });
    conn = new Connection({ instanceUrl: sandbox.salesforce.url, accessToken: sandbox.salesforce.control.issueToken().access_token, version: '62.0' });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await sandbox?.stop();
    fs.rmSync(file, { force: true });
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('lists the tools a token may call, with strict input schemas', async () => {
    const agent = await client(TOKENS.MCP_TEST_AGENT);
    const names = (await agent.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(
      [
        'create_requisition_for_opportunity', 'get_account_spend', 'get_approval', 'get_flow_health', 'get_opportunity_chain', 'get_record_timeline',
        'get_supplier_status', 'list_account_invoices', 'list_conflicts', 'list_dead_letters', 'replay_dead_letter', 'resolve_conflict', 'start_supplier_onboarding',
      ].sort(),
    );
    const tool = (await agent.listTools()).tools.find((t) => t.name === 'get_supplier_status');
    expect(tool?.inputSchema).toMatchObject({ type: 'object', required: ['accountId'], additionalProperties: false });
    const reader = await client(TOKENS.MCP_TEST_READER);
    expect((await reader.listTools()).tools.map((t) => t.name).sort()).toEqual(['get_flow_health', 'get_supplier_status', 'list_dead_letters']);
  });

  it('keeps agent and admin tokens apart', async () => {
    const mcp = await fetch(`${sandbox.connector.url}/mcp`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(mcp.status).toBe(403);
    const api = await fetch(`${sandbox.connector.url}/api/v1/flows`, { headers: { Authorization: `Bearer ${TOKENS.MCP_TEST_AGENT}` } });
    expect(api.status).toBe(401);
    const none = await fetch(`${sandbox.connector.url}/mcp`, { method: 'POST', body: '{}' });
    expect(none.status).toBe(401);
  });

  it('answers every read tool from the synced data and the sync state', async () => {
    const agent = await client(TOKENS.MCP_TEST_AGENT);
    const engine = sandbox.connector.engine;
    const [vendor] = (await conn.query<{ Id: string; Name: string }>('SELECT Id, Name FROM Account WHERE Coupa_Supplier_Id__c != null ORDER BY Coupa_Supplier_Id__c')).records;
    // A run started by the schedule makes runNow answer busy: wait until both flows have written this vendor's data.
    const synced = async (object: string) =>
      (await conn.query(`SELECT Id FROM ${object} WHERE Account__c = '${vendor.Id}' LIMIT 1`)).totalSize > 0;
    for (const [flow, object] of [['invoice-status', 'Coupa_Invoice__c'], ['spend-summary', 'Coupa_Spend_Summary__c']]) {
      await waitFor(`${flow} to sync the vendor`, async () => (await synced(object)) || ((await engine.runNow(flow)) && synced(object)), 30_000, 500);
    }

    const status = await call(agent, 'get_supplier_status', { accountId: vendor.Id });
    expect(status.isError).toBeFalsy();
    expect(status.structuredContent.account.name).toBe(vendor.Name);
    expect(status.structuredContent.supplier.linked).toBe(true);

    const invoices = await call(agent, 'list_account_invoices', { accountId: vendor.Id, limit: 5 });
    expect(invoices.isError).toBeFalsy();
    expect(invoices.structuredContent.invoices.total).toBeGreaterThan(0);
    expect(invoices.structuredContent.invoices.items.length).toBeLessThanOrEqual(5);
    const overdue = await call(agent, 'list_account_invoices', { accountId: vendor.Id, state: 'overdue' });
    expect(overdue.structuredContent.invoices.items.every((i: { state: string }) => i.state === 'overdue')).toBe(true);

    const spend = await call(agent, 'get_account_spend', { accountId: vendor.Id });
    expect(spend.isError).toBeFalsy();
    expect(spend.structuredContent.periods.total).toBeGreaterThan(0);
    const period = spend.structuredContent.periods.items[0].period;
    const one = await call(agent, 'get_account_spend', { accountId: vendor.Id, period });
    expect(one.structuredContent.periods.items).toHaveLength(1);

    const invoiceId = invoices.structuredContent.invoices.items[0].coupaInvoiceId;
    const timeline = await call(agent, 'get_record_timeline', { key: `coupa:invoices:${invoiceId}` });
    expect(timeline.isError).toBeFalsy();
    expect(timeline.structuredContent.journal.length).toBeGreaterThan(0);

    const health = await call(agent, 'get_flow_health');
    expect(health.structuredContent.flows.map((f: { flow: string }) => f.flow)).toContain('invoice-status');
    expect(health.structuredContent.flows.find((f: { flow: string }) => f.flow === 'invoice-status').lastRun.status).toBe('succeeded');

    expect((await call(agent, 'list_dead_letters')).structuredContent).toHaveProperty('deadLetters');
    expect((await call(agent, 'list_conflicts')).structuredContent).toHaveProperty('conflicts');

    const [opp] = (await conn.query<{ Id: string }>("SELECT Id FROM Opportunity WHERE Name LIKE 'Fabrikam%'")).records;
    const chain = await call(agent, 'get_opportunity_chain', { opportunityId: opp.Id });
    expect(chain.isError).toBeFalsy();
    expect(chain.structuredContent.requisition).toMatchObject({ coupaId: null, linked: false });
    // No secret in any result.
    for (const r of [status, invoices, spend, timeline, health, chain]) {
      expect(JSON.stringify(r)).not.toMatch(new RegExp([ADMIN, ...Object.values(TOKENS)].join('|')));
    }
  }, 60_000);

  it('creates the requisition for a Closed Won Opportunity only after an operator approves, once', async () => {
    const agent = await client(TOKENS.MCP_TEST_AGENT);
    const [opp] = (await conn.query<{ Id: string; Name: string }>("SELECT Id, Name FROM Opportunity WHERE Name LIKE 'Fabrikam%'")).records;
    await conn.sobject('Opportunity').update({ Id: opp.Id, StageName: 'Closed Won' });

    const first = await call(agent, 'create_requisition_for_opportunity', { opportunityId: opp.Id });
    expect(first.structuredContent.status).toBe('pending_approval');
    const approvalId = first.structuredContent.approvalId as string;
    const again = await call(agent, 'create_requisition_for_opportunity', { opportunityId: opp.Id });
    expect(again.structuredContent.approvalId).toBe(approvalId);
    const forDeal = () => sandbox.coupa.control.list('requisitions').filter((r: any) => r['custom-fields']?.['salesforce-opportunity-id'] === opp.Id);
    expect(forDeal()).toHaveLength(0);
    expect((await call(agent, 'get_approval', { approvalId })).structuredContent.status).toBe('pending');

    const pending = await admin('GET', '/approvals');
    expect(pending.body.approvals.map((a: { id: string }) => a.id)).toContain(approvalId);
    const approved = await admin('POST', `/approvals/${approvalId}/approve`);
    expect(approved.status).toBe(200);
    expect(JSON.stringify(approved.body)).toMatch(/"status":"succeeded"/);
    // Created by the approved call, or (streaming is on in the sandbox) by the change event it raced with: either way once.
    expect(approved.body.result).toMatchObject({ outcome: expect.stringMatching(/^(created|already-exists)$/), opportunityId: opp.Id });
    expect(forDeal()).toHaveLength(1);
    expect((await admin('POST', `/approvals/${approvalId}/approve`)).status).toBe(409);

    const outcome = await call(agent, 'get_approval', { approvalId });
    expect(outcome.structuredContent).toMatchObject({ status: 'succeeded', result: { requisitionId: String(forDeal()[0].id) } });
    const third = await call(agent, 'create_requisition_for_opportunity', { opportunityId: opp.Id });
    expect(third.structuredContent).toMatchObject({ approvalId, status: 'succeeded' });
    expect(forDeal()).toHaveLength(1);
    // Another token does not see this token's approvals.
    const other = await client(TOKENS.MCP_TEST_AUTO);
    expect((await call(other, 'get_approval', { approvalId })).isError).toBe(true);
  }, 60_000);

  it("starts supplier onboarding at once where the token's policy allows it, through the onboarding flow", async () => {
    const auto = await client(TOKENS.MCP_TEST_AUTO);
    const [account] = (
      await conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Coupa_Supplier_Id__c = null AND Type IN ('Vendor', 'Prospect') ORDER BY Name")
    ).records;
    const res = await call(auto, 'start_supplier_onboarding', { accountId: account.Id });
    expect(res.isError).toBeFalsy();
    expect(res.structuredContent).toMatchObject({ status: 'succeeded', decidedBy: 'policy:ops-agent', result: { outcome: 'started' } });
    const requestId = res.structuredContent.result.request.id;
    const sims = sandbox.coupa.control.list('supplier_information').filter((s: any) => s['custom-fields']?.['salesforce-onboarding-request-id'] === requestId);
    expect(sims).toHaveLength(1);
    const repeat = await call(auto, 'start_supplier_onboarding', { accountId: account.Id });
    expect(repeat.structuredContent.approvalId).toBe(res.structuredContent.approvalId);
    const requests = await conn.query(`SELECT Id FROM Coupa_Onboarding_Request__c WHERE Account__c = '${account.Id}'`);
    expect(requests.totalSize).toBe(1);
  }, 60_000);

  it('replays a real dead letter only once an operator approves, once, with the effect in both systems', async () => {
    const agent = await client(TOKENS.MCP_TEST_AGENT);
    const opp = sandbox.accounts.TailspinRenewal;
    const key = `salesforce:Opportunity:${opp}`;
    const forDeal = () => sandbox.coupa.control.list('requisitions').filter((r: any) => r['custom-fields']?.['salesforce-opportunity-id'] === opp);
    // Coupa refuses the requisition (422): the flow dead-letters the won Opportunity.
    sandbox.coupa.control.addFault({ kind: 'status', status: 422, method: 'POST', path: '/api/requisitions' });
    await conn.sobject('Opportunity').update({ Id: opp, StageName: 'Closed Won' });
    const dead = await waitFor(
      'the dead letter',
      async () => {
        await sandbox.connector.engine.runNow('opportunity-to-requisition', 'test');
        return (await sandbox.connector.store.listDeadLetters({ flow: 'opportunity-to-requisition', status: 'open' })).find((d) => d.recordKey === key);
      },
      30_000,
      500,
    );
    const listed = await call(agent, 'list_dead_letters', { flow: 'opportunity-to-requisition' });
    expect(listed.structuredContent.deadLetters.map((d: { id: number }) => d.id)).toContain(dead.id);

    const result = await approveWrite(agent, 'replay_dead_letter', { deadLetterId: dead.id }, async () => {
      expect(forDeal()).toHaveLength(0);
      expect((await sandbox.connector.store.getDeadLetter(dead.id))?.status).toBe('open');
      // The cause is fixed just before the operator approves (until then the flow's own runs would keep failing).
      sandbox.coupa.control.clearFaults();
    });
    expect(result).toEqual({ outcome: 'replayed', deadLetterId: dead.id });
    expect(forDeal()).toHaveLength(1);
    expect((await sandbox.connector.store.getDeadLetter(dead.id))?.status).toBe('replayed');
    const requisitionId = String(forDeal()[0].id);
    const chain = await call(agent, 'get_opportunity_chain', { opportunityId: opp });
    expect(chain.structuredContent.requisition).toMatchObject({ coupaId: requisitionId, linked: true });
    expect(chain.structuredContent.openDeadLetters).toEqual([]);
    // Salesforce gets the requisition id through the flow's write-back.
    await waitFor(
      'the requisition id on the Opportunity',
      async () => {
        const [o] = (await conn.query<{ Coupa_Requisition_Id__c: string | null }>(`SELECT Coupa_Requisition_Id__c FROM Opportunity WHERE Id = '${opp}'`)).records;
        return o.Coupa_Requisition_Id__c === requisitionId;
      },
      30_000,
      500,
    );
    expect(forDeal()).toHaveLength(1);
  }, 90_000);

  it('resolves a real conflict only once an operator approves, once, with the winner in both systems', async () => {
    const agent = await client(TOKENS.MCP_TEST_AGENT);
    const contract = sandbox.accounts.ContosoFreight;
    await conn.sobject('Contract').update({ Id: contract, Status: 'Activated' });
    const coupaId = await waitFor(
      'the contract in Coupa',
      async () => {
        await sandbox.connector.engine.runNow(CONTRACT_TO_COUPA, 'test');
        const [c] = (await conn.query<{ Coupa_Contract_Id__c: string | null }>(`SELECT Coupa_Contract_Id__c FROM Contract WHERE Id = '${contract}'`)).records;
        return c.Coupa_Contract_Id__c;
      },
      30_000,
      500,
    );
    await sandbox.connector.engine.runNow(CONTRACT_TO_SALESFORCE, 'test');
    // The same field edited on both sides while both directions are paused: a conflict once they run.
    for (const f of [CONTRACT_TO_COUPA, CONTRACT_TO_SALESFORCE]) expect((await admin('POST', `/flows/${f}/pause`, { reason: 'test' })).status).toBe(200);
    await conn.sobject('Contract').update({ Id: contract, Description: 'Salesforce says net 30' });
    sandbox.coupa.control.clock.advance(1500);
    await coupa('PUT', `/api/contracts/${coupaId}`, { description: 'Coupa says net 45' });
    for (const f of [CONTRACT_TO_COUPA, CONTRACT_TO_SALESFORCE]) expect((await admin('POST', `/flows/${f}/resume`)).status).toBe(200);
    const conflict = await waitFor(
      'the conflict',
      async () => {
        await sandbox.connector.engine.runNow(CONTRACT_TO_COUPA, 'test');
        await sandbox.connector.engine.runNow(CONTRACT_TO_SALESFORCE, 'test');
        const listed = await call(agent, 'list_conflicts');
        return listed.structuredContent.conflicts.find((c: { salesforceValue: unknown }) => c.salesforceValue === 'Salesforce says net 30');
      },
      30_000,
      500,
    );
    expect(conflict.coupaValue).toBe('Coupa says net 45');
    const description = async () => (await conn.query<{ Description: string }>(`SELECT Description FROM Contract WHERE Id = '${contract}'`)).records[0].Description;

    const result = await approveWrite(agent, 'resolve_conflict', { conflictId: conflict.id, winner: 'coupa' }, async () => {
      expect(await description()).toBe('Salesforce says net 30');
      expect((await sandbox.connector.store.getConflict(conflict.id))?.status).toBe('open');
    });
    expect(result).toMatchObject({ outcome: 'resolved', conflictId: conflict.id, winner: 'coupa', written: true });
    expect(await description()).toBe('Coupa says net 45');
    expect((await coupa('GET', `/api/contracts/${coupaId}`)).description).toBe('Coupa says net 45');
    expect((await sandbox.connector.store.getConflict(conflict.id))?.status).toBe('resolved');

    // A second, different decision on the same conflict is a new request, but it changes nothing.
    const other = await approveWrite(agent, 'resolve_conflict', { conflictId: conflict.id, winner: 'salesforce' }, async () => undefined);
    expect(other).toMatchObject({ outcome: 'already-resolved', conflictId: conflict.id });
    expect(await description()).toBe('Coupa says net 45');
    expect((await coupa('GET', `/api/contracts/${coupaId}`)).description).toBe('Coupa says net 45');
  }, 90_000);

  it("gives the sandbox an agent token (stored 0600 with the admin token) whose writes wait for an operator", async () => {
    const settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8')) as { agentToken: string; adminToken: string };
    expect(fs.statSync(settingsFile).mode & 0o777).toBe(0o600);
    expect(settings.agentToken).toBe(sandbox.agentToken);
    expect(settings.agentToken).not.toBe(settings.adminToken);
    const agent = await client(sandbox.agentToken);
    expect((await agent.listTools()).tools).toHaveLength(13);
    // Any Account: the write is only asked for (and then rejected), never run.
    const [account] = (await conn.query<{ Id: string }>('SELECT Id FROM Account ORDER BY Name LIMIT 1')).records;
    const asked = await call(agent, 'start_supplier_onboarding', { accountId: account.Id });
    expect(asked.structuredContent).toMatchObject({ status: 'pending_approval' });
    const pending = (await admin('GET', '/approvals')).body.approvals.find((a: { id: string }) => a.id === asked.structuredContent.approvalId);
    expect(pending).toMatchObject({ token: 'sandbox-agent', status: 'pending' });
    expect(JSON.stringify(pending)).not.toContain(sandbox.agentToken);
    expect((await admin('POST', `/approvals/${pending.id}/reject`, { reason: 'test' })).body.status).toBe('rejected');
  });

  it('lets an operator reject a write, and the agent see why', async () => {
    const agent = await client(TOKENS.MCP_TEST_AGENT);
    const res = await call(agent, 'replay_dead_letter', { deadLetterId: 999999 });
    const approvalId = res.structuredContent.approvalId;
    const rejected = await admin('POST', `/approvals/${approvalId}/reject`, { reason: 'not now' });
    expect(rejected.body.status).toBe('rejected');
    expect((await call(agent, 'get_approval', { approvalId })).structuredContent).toMatchObject({ status: 'rejected', reason: 'not now' });
  });

  it('refuses tools outside the role or allow-list, malformed arguments, and calls over the rate limit; audits all of it', async () => {
    const reader = await client(TOKENS.MCP_TEST_READER);
    const refused = await call(reader, 'start_supplier_onboarding', { accountId: '001000000000001AAA' });
    expect(refused.isError).toBe(true);
    expect(refused.content[0].text).toMatch(/forbidden/);
    const notListed = await call(reader, 'list_conflicts');
    expect(notListed.isError).toBe(true);

    const agent = await client(TOKENS.MCP_TEST_AGENT);
    const bad = await call(agent, 'get_supplier_status', { accountId: "x' OR Name != '" });
    expect(bad.isError).toBe(true);
    expect(bad.content[0].text).toMatch(/invalid arguments/);
    expect((await call(agent, 'get_flow_health', { extra: 1 })).isError).toBe(true);
    expect((await call(agent, 'resolve_conflict', { conflictId: 1, winner: 'both' })).isError).toBe(true);

    const slow = await client(TOKENS.MCP_TEST_SLOW);
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(await call(slow, 'get_flow_health'));
    expect(outcomes.slice(0, 3).every((o) => !o.isError)).toBe(true);
    expect(outcomes[3].isError).toBe(true);
    expect(outcomes[3].content[0].text).toMatch(/rate limited/);

    await waitFor('audit entries', async () => (await admin('GET', '/audit?action=mcp.tool&limit=200')).body.audit.length > 10);
    const audit = (await admin('GET', '/audit?action=mcp.tool&limit=500')).body.audit as Array<{ actor: string; detail: any }>;
    const outcomesSeen = new Set(audit.map((a) => a.detail.outcome));
    for (const o of ['ok', 'refused', 'invalid-arguments', 'rate-limited', 'pending-approval', 'succeeded']) expect(outcomesSeen).toContain(o);
    const write = audit.find((a) => a.detail.tool === 'create_requisition_for_opportunity' && a.detail.outcome === 'pending-approval');
    expect(write).toMatchObject({ actor: 'agent:sales-agent', detail: { arguments: { opportunityId: expect.any(String) }, latencyMs: expect.any(Number), approvalId: expect.stringMatching(/^apr-/), transport: 'http' } });
    expect(JSON.stringify(audit)).not.toMatch(new RegExp(Object.values(TOKENS).join('|')));
    const decisions = (await admin('GET', '/audit?action=mcp.approval.approve')).body.audit;
    expect(decisions.length).toBeGreaterThan(0);
  }, 30_000);

  it('serves the same tools over stdio (coupa-sf mcp), with the same governance', async () => {
    const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [path.join(repo, 'bin', 'coupa-sf.js'), 'mcp'],
      cwd: repo,
      env: { ...env, SANDBOX_SETTINGS_FILE: settingsFile, COUPA_SF_MCP_TOKEN: TOKENS.MCP_TEST_READER, LOG_LEVEL: 'silent' },
      stderr: 'pipe',
    });
    const c = new Client({ name: 'mcp-stdio-test', version: '1.0.0' });
    await c.connect(transport);
    clients.push(c);
    expect((await c.listTools()).tools.map((t) => t.name).sort()).toEqual(['get_flow_health', 'get_supplier_status', 'list_dead_letters']);
    const health = await call(c, 'get_flow_health');
    expect(health.isError).toBeFalsy();
    expect(health.structuredContent.flows.length).toBeGreaterThan(0);
    expect((await call(c, 'replay_dead_letter', { deadLetterId: 1 })).isError).toBe(true);
    const audit = (await admin('GET', '/audit?action=mcp.tool&limit=50')).body.audit as Array<{ detail: any }>;
    expect(audit.some((a) => a.detail.transport === 'stdio' && a.detail.outcome === 'refused')).toBe(true);

    // Without COUPA_SF_MCP_TOKEN, against the sandbox: the sandbox's agent token (every tool, writes through approval).
    const { COUPA_SF_MCP_TOKEN: _none, ...withoutToken } = env;
    const sandboxAgent = new Client({ name: 'mcp-stdio-sandbox', version: '1.0.0' });
    await sandboxAgent.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [path.join(repo, 'bin', 'coupa-sf.js'), 'mcp'],
        cwd: repo,
        env: { ...withoutToken, SANDBOX_SETTINGS_FILE: settingsFile, LOG_LEVEL: 'silent' },
        stderr: 'pipe',
      }),
    );
    clients.push(sandboxAgent);
    expect((await sandboxAgent.listTools()).tools).toHaveLength(13);
    const write = await call(sandboxAgent, 'replay_dead_letter', { deadLetterId: 424242 });
    expect(write.structuredContent).toMatchObject({ status: 'pending_approval' });
    expect((await admin('GET', `/approvals/${write.structuredContent.approvalId}`)).body).toMatchObject({ token: 'sandbox-agent', status: 'pending' });
  }, 90_000);
});
