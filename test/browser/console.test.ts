/**
 * The admin console in headless Chromium against the sandbox, as an operator who has never read the OpenAPI file
 * would use it: sign in with the token from the start banner, see the flows, pause and resume them, find a dead
 * letter created by an injected Coupa fault and replay it once the fault is cleared, resolve the conflict the sandbox
 * stages side by side, and find a record's timeline by its Salesforce Id. Screenshots go to a temporary folder, or to
 * docs/screenshots/ with UPDATE_SCREENSHOTS=1.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CONTRACT_TO_COUPA } from '../../middleware/src/flows/contract-sync';
import { COUPA_EDIT, SALESFORCE_EDIT } from '../../scripts/sandbox/conflict-story';
import { startSandbox, type RunningSandbox } from '../../scripts/sandbox/sandbox';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.UPDATE_SCREENSHOTS ? path.resolve(__dirname, '../../docs/screenshots') : path.join(os.tmpdir(), 'coupa-console-screenshots');
const available = fs.existsSync(CHROMIUM);
const suite = available || process.env.CI ? describe : describe.skip;
const OPP_FLOW = 'opportunity-to-requisition';

jest.setTimeout(90_000);

suite('admin console in Chromium', () => {
  let sandbox: RunningSandbox;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const cspViolations: string[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'console-test-'));

  /** Salesforce REST as a person (no connector origin tag). */
  async function sf(method: string, p: string, body?: unknown): Promise<any> {
    const res = await fetch(`${sandbox.salesforce.url}/services/data/v62.0${p}`, {
      method,
      headers: { Authorization: `Bearer ${sandbox.personTokens.salesforce}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  async function coupa(method: string, p: string, body?: unknown): Promise<any> {
    const res = await fetch(`${sandbox.coupa.url}${p}`, {
      method,
      headers: { Authorization: `Bearer ${sandbox.personTokens.coupa}`, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${await res.text()}`);
    return res.json();
  }

  /** Reloads the current view until `selector` is there (the scheduler and runs move on their own). */
  async function reloadUntil(selector: string): Promise<void> {
    for (let i = 0; i < 60; i++) {
      // The console re-renders its view on hashchange (a string: the test's TypeScript has no DOM types).
      await page.evaluate("window.dispatchEvent(new HashChangeEvent('hashchange'))");
      if (await page.locator(selector).count()) return;
      await page.waitForTimeout(500);
    }
    await page.locator(selector).first().waitFor({ timeout: 1000 });
  }

  const flowRow = (flow: string) => page.locator(`tr[data-flow="${flow}"]`);

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    sandbox = await startSandbox({ connectorPort: 0, preview: false, sqlitePath: path.join(tmp, 'sandbox.db'), logLevel: 'silent', conflictStory: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(pageErrors).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('asks for the token, then shows every flow with its state', async () => {
    await page.goto(`${sandbox.connector.url}/admin`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('admin token').fill(sandbox.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Flows' }).waitFor();
    for (const f of sandbox.connector.flows) await flowRow(f.definition.name).waitFor();
    expect(await page.locator('tr[data-flow]').count()).toBe(sandbox.connector.flows.length);
    // The token handed over in the start banner's URL works too, and leaves the address bar at once.
    await page.goto(`${sandbox.connector.url}/console#token=${sandbox.adminToken}`);
    await flowRow(OPP_FLOW).waitFor();
    expect(page.url()).not.toContain(sandbox.adminToken);
    await page.screenshot({ path: path.join(SHOTS, 'console-flows.png'), fullPage: true });
  });

  it('pauses and resumes a flow', async () => {
    await flowRow(OPP_FLOW).getByRole('button', { name: 'Pause' }).click();
    await flowRow(OPP_FLOW).locator('[data-field="state"]', { hasText: 'paused' }).waitFor();
    expect((await sandbox.connector.store.getFlowState(OPP_FLOW)).paused).toBe(true);
    await page.getByText(`${OPP_FLOW} paused`).waitFor();
    await flowRow(OPP_FLOW).getByRole('button', { name: 'Resume' }).click();
    await flowRow(OPP_FLOW).getByRole('button', { name: 'Pause' }).waitFor();
    expect((await sandbox.connector.store.getFlowState(OPP_FLOW)).paused).toBe(false);
  });

  it('finds the dead letter an injected fault created and replays it once the fault is cleared', async () => {
    const opp = sandbox.accounts.FabrikamRollout;
    // Coupa refuses every new requisition (422) until the fault is cleared.
    sandbox.coupa.control.addFault({ kind: 'status', status: 422, method: 'POST', path: '/api/requisitions' });
    await sf('PATCH', `/sobjects/Opportunity/${opp}`, { StageName: 'Closed Won' });
    await flowRow(OPP_FLOW).getByRole('button', { name: 'Run now' }).click();
    await page.getByText(new RegExp(`${OPP_FLOW}: (run \\S+ running|run \\S+ (succeeded|partial))`)).waitFor();

    await page.getByRole('link', { name: 'Dead letters' }).click();
    const key = `salesforce:Opportunity:${opp}`;
    await reloadUntil(`tr[data-dead-letter]:has-text("${key}")`);
    sandbox.coupa.control.clearFaults();
    await page.locator(`tr[data-dead-letter]:has-text("${key}") a`).first().click();
    await page.getByRole('heading', { name: 'Request' }).waitFor();
    await page.getByRole('heading', { name: 'Response' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'console-dead-letter.png'), fullPage: true });
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByText(/Dead letter #\d+ replayed/).waitFor();
    const open = await sandbox.connector.store.listDeadLetters({ flow: OPP_FLOW, status: 'open' });
    expect(open.filter((d) => d.recordKey === key)).toEqual([]);
    const [requisition] = await coupa('GET', `/api/requisitions?custom_fields[salesforce-opportunity-id]=${opp}`);
    expect(requisition).toBeDefined();
  });

  it("resolves the sandbox's conflict shown side by side, and the decision reaches both systems", async () => {
    // The sandbox stages it through contract-sync: the Northwind contract's description edited in both systems.
    const story = await sandbox.conflictReady!;
    const contract = sandbox.accounts.NorthwindMsa;
    await page.getByRole('link', { name: 'Conflicts' }).click();
    const row = page.locator('tr[data-conflict]', { hasText: SALESFORCE_EDIT }).first();
    await reloadUntil(`tr[data-conflict]:has-text("${SALESFORCE_EDIT}")`);
    await expect(row.textContent()).resolves.toContain(COUPA_EDIT);
    await page.screenshot({ path: path.join(SHOTS, 'console-conflicts.png'), fullPage: true });
    await row.getByRole('button', { name: 'Keep Coupa' }).click();
    await page.getByText(/Conflict #\d+ resolved: Coupa wins/).waitFor();
    expect((await sf('GET', `/sobjects/Contract/${contract}`)).Description).toBe(COUPA_EDIT);
    expect((await coupa('GET', `/api/contracts/${story.coupaContractId}`)).description).toBe(COUPA_EDIT);
  });

  it("finds a record's timeline by its Salesforce Id", async () => {
    const opp = sandbox.accounts.FabrikamRollout;
    await page.getByRole('link', { name: 'Record timeline' }).click();
    await page.getByLabel('record id').fill(opp);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.locator('[data-result="found"]').waitFor();
    const journal = page.locator('table').first();
    await journal.getByText('dead-letter').first().waitFor();
    await journal.getByText('create').first().waitFor();
    const found = await page.locator('[data-result="found"]').textContent();
    expect(found).toContain(`salesforce:Opportunity:${opp}`);
    // the record keys read as a list: "Records: salesforce:…, coupa:…", no stray separators
    expect(found).toMatch(/^Records: (salesforce|coupa):[^,]+(, (salesforce|coupa):[^,]+)*$/);
    await page.screenshot({ path: path.join(SHOTS, 'console-timeline.png'), fullPage: true });

    // A contract's timeline offers a dry run: what a run would do with it now, and why, writing nothing.
    const contract = sandbox.accounts.NorthwindMsa;
    await page.getByLabel('record id').fill(contract);
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByRole('button', { name: `Preview salesforce:Contract:${contract} in ${CONTRACT_TO_COUPA}` }).click();
    const reason = page.locator('[data-preview] [data-field="reason"]');
    await reason.waitFor();
    await expect(reason.textContent()).resolves.toMatch(/nothing this flow owns differs|echo/);

    await page.getByLabel('record id').fill('no-such-record-0');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.locator('[data-result="none"]').waitFor();
  });

  it("lets an operator approve and reject agents' writes, and shows their outcome", async () => {
    // An agent (the sandbox's agent token, over MCP) asks for three writes; each waits for a person.
    const agent = new Client({ name: 'console-test-agent', version: '1.0.0' });
    await agent.connect(new StreamableHTTPClientTransport(new URL(`${sandbox.connector.url}/mcp`), { requestInit: { headers: { Authorization: `Bearer ${sandbox.agentToken}` } } }));
    const ask = async (name: string, args: Record<string, unknown>) => {
      const r = (await agent.callTool({ name, arguments: args })) as { structuredContent?: { status?: string; approvalId?: string } };
      expect(r.structuredContent?.status).toBe('pending_approval');
      return r.structuredContent!.approvalId!;
    };
    const [replayed] = await sandbox.connector.store.listDeadLetters({ status: 'replayed' });
    const again = await ask('replay_dead_letter', { deadLetterId: replayed.id });
    const missing = await ask('replay_dead_letter', { deadLetterId: 987654 });
    const refused = await ask('resolve_conflict', { conflictId: 987654, winner: 'coupa' });
    await agent.close();

    await page.getByRole('link', { name: 'Agent approvals' }).click();
    await page.getByRole('heading', { name: 'Waiting for a decision' }).waitFor();
    const row = (id: string) => page.locator(`tr[data-approval="${id}"]`);
    for (const id of [again, missing, refused]) await row(id).getByRole('button', { name: 'Approve' }).waitFor();
    await expect(row(refused).textContent()).resolves.toMatch(/sandbox-agent.*resolve_conflict.*987654/s);
    expect(await page.content()).not.toContain(sandbox.agentToken);
    await page.screenshot({ path: path.join(SHOTS, 'console-approvals.png'), fullPage: true });

    await row(refused).getByLabel(`reason for ${refused}`).fill('no such conflict');
    await row(refused).getByRole('button', { name: 'Reject' }).click();
    await page.getByText('resolve_conflict for sandbox-agent rejected').waitFor();
    await row(refused).locator('[data-field="status"]', { hasText: 'rejected' }).waitFor();
    await expect(row(refused).textContent()).resolves.toContain('no such conflict');

    await row(again).getByRole('button', { name: 'Approve' }).click();
    await page.getByText('replay_dead_letter for sandbox-agent approved and done').waitFor();
    await row(again).locator('[data-field="status"]', { hasText: 'succeeded' }).waitFor();
    await row(missing).getByRole('button', { name: 'Approve' }).click();
    await page.getByText(/approved but failed: dead letter 987654 not found/).waitFor();
    await row(missing).locator('[data-field="outcome"]', { hasText: 'dead letter 987654 not found' }).waitFor();
    await page.getByText('No write is waiting for approval.').waitFor();

    const store = sandbox.connector.store;
    expect((await store.getApproval(again))?.result).toEqual({ outcome: 'already-replayed', deadLetterId: replayed.id });
    expect(await store.getApproval(missing)).toMatchObject({ status: 'failed' });
    expect(await store.getApproval(refused)).toMatchObject({ status: 'rejected', reason: 'no such conflict' });
  });

  it('shows the audit log of what was done from the console', async () => {
    await page.getByRole('link', { name: 'Audit log' }).click();
    for (const action of ['flow.pause', 'flow.resume', 'flow.run', 'dead-letter.replay', 'conflict.resolve', 'mcp.approval.approve', 'mcp.approval.reject']) {
      await page.locator('td', { hasText: action }).first().waitFor();
    }
  });
});
