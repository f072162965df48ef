/**
 * What an account manager sees, from the real pipeline: `npm start`'s sandbox (Coupa emulator → flows → Salesforce
 * emulator → the package's Lightning Web Components in headless Chromium). A vendor Account shows its Coupa risk and
 * Last synced from the flows, its invoices with due dates and overdue flags, totals that agree with the rows and with
 * the spend summaries; an Opportunity shows whose spend it is; Start supplier onboarding reaches Coupa. The
 * screenshots in docs/screenshots/ come from here (UPDATE_SCREENSHOTS=1); otherwise they go to a temporary folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from 'jsforce';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startSandbox, type RunningSandbox } from '../../scripts/sandbox/sandbox';
import { waitFor } from '../e2e/harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? path.resolve(__dirname, '../../docs/screenshots')
  : path.join(os.tmpdir(), 'coupa-sandbox-screenshots');
const suite = fs.existsSync(CHROMIUM) || process.env.CI ? describe : describe.skip;
/** The invoice statuses neither panel counts (spend-summary's excludedInvoiceStatuses default). */
const NOT_COUNTED = ['new', 'draft', 'save_as_draft', 'voided', 'abandoned', 'rejected', 'invalid'];

/** The number a lightning-formatted-number shows ("USD 6,581.03", "$6,581.03", "6.581,03 $" is not used here). */
const amount = (text: string | null) => Number(String(text).replace(/[^0-9.-]/g, ''));
const cents = (n: number) => Math.round(n * 100);

suite('the sandbox in Chromium: panels an account manager can trust', () => {
  let sandbox: RunningSandbox;
  let conn: Connection;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let northwind: string;

  const runNow = (flow: string) =>
    fetch(`${sandbox.connector.url}/api/v1/flows/${flow}/run`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${sandbox.adminToken}` }
    });
  const recordUrl = (object: string, id: string) => `${sandbox.previewUrl}/lightning/r/${object}/${id}/view`;

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    sandbox = await startSandbox({
      connectorPort: 0,
      salesforcePort: 0,
      coupaPort: 0,
      previewPort: 0,
      sqlitePath: path.join(os.tmpdir(), `sandbox-browser-${process.pid}.db`),
      logLevel: 'silent'
    });
    const token = sandbox.salesforce.control.issueToken();
    conn = new Connection({ instanceUrl: sandbox.salesforce.url, accessToken: token.access_token, version: '62.0' });
    northwind = sandbox.accounts.NorthwindRef;
    // The flows run on the sandbox's schedules; an admin's run-now only saves the wait.
    for (const flow of ['supplier-account-sync', 'supplier-risk', 'invoice-status']) await runNow(flow);
    await waitFor(
      "Northwind's risk, invoices and spend from the flows",
      async () => {
        const [a] = (await conn.query<any>(`SELECT Coupa_Risk_Level__c, Coupa_Supplier_Status__c FROM Account WHERE Id = '${northwind}'`)).records;
        if (!a.Coupa_Supplier_Status__c) await runNow('supplier-account-sync');
        const inv = await conn.query(`SELECT Id FROM Coupa_Invoice__c WHERE Account__c = '${northwind}' LIMIT 1`);
        if (a.Coupa_Risk_Level__c && inv.records.length) await runNow('spend-summary');
        const spend = await conn.query(`SELECT Id FROM Coupa_Spend_Summary__c WHERE Account__c = '${northwind}' LIMIT 1`);
        return a.Coupa_Risk_Level__c && a.Coupa_Supplier_Status__c && inv.records.length && spend.records.length;
      },
      120_000,
      1_000
    );
    await sandbox.previewReady;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run']
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.stop();
  });

  it("shows a vendor's Coupa risk, Last synced, and invoices whose totals agree with the rows and the spend summaries", async () => {
    const invoices = (
      await conn.query<{ Status__c: string; Gross_Total__c: number; Amount_Paid__c: number | null; Due_Date__c: string }>(
        `SELECT Status__c, Gross_Total__c, Amount_Paid__c, Due_Date__c FROM Coupa_Invoice__c WHERE Account__c = '${northwind}'`
      )
    ).records;
    const counted = invoices.filter((i) => !NOT_COUNTED.includes(i.Status__c));
    const invoiced = counted.reduce((s, i) => s + cents(i.Gross_Total__c), 0);
    const paid = counted.reduce((s, i) => s + cents(i.Amount_Paid__c ?? 0), 0);
    expect(invoices.every((i) => /^\d{4}-\d{2}-\d{2}$/.test(i.Due_Date__c))).toBe(true);

    await page.goto(recordUrl('Account', northwind));
    const supplier = page.locator('c-coupa-supplier-panel');
    await supplier.locator('[data-id="risk"]').getByText('Low').waitFor();
    await expect(supplier.locator('[data-id="score"]').textContent()).resolves.toMatch(/18\.5/);
    await expect(supplier.locator('[data-id="synced"]').textContent()).resolves.not.toMatch(/Never/);
    await expect(supplier.locator('[data-id="number"]').textContent()).resolves.toBe('SUP-0042');
    await expect(supplier.locator('[data-id="status"]').textContent()).resolves.toBe('Active');

    const panel = page.locator('c-coupa-invoices-panel');
    await panel.locator('[data-id="count"]').first().getByText(String(counted.length)).waitFor();
    expect(cents(amount(await panel.locator('[data-id="invoiced"]').first().textContent()))).toBe(invoiced);
    expect(cents(amount(await panel.locator('[data-id="paid"]').first().textContent()))).toBe(paid);
    expect(cents(amount(await panel.locator('[data-id="outstanding"]').first().textContent()))).toBe(invoiced - paid);

    // The spend summaries count the same invoices: over the fiscal years they cover, invoiced is the same total.
    const years = (
      await conn.query<{ Invoiced_Amount__c: number }>(
        `SELECT Invoiced_Amount__c FROM Coupa_Spend_Summary__c WHERE Account__c = '${northwind}' AND Period_Type__c = 'Fiscal Year'`
      )
    ).records;
    expect(years.reduce((s, y) => s + cents(y.Invoiced_Amount__c ?? 0), 0)).toBe(invoiced);
    await page.screenshot({ path: path.join(SHOTS, 'account-panels.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('says on an Opportunity whose spend it shows', async () => {
    const opp = sandbox.accounts.NorthwindResale;
    expect(opp).toBeDefined();
    await page.goto(recordUrl('Opportunity', opp));
    await page.locator('c-coupa-spend-panel').getByText(/Northwind Traders/).first().waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'opportunity-panels.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('Start supplier onboarding on an unlinked vendor reaches Coupa and the modal follows it', async () => {
    const vendor = sandbox.accounts.OReillyRef;
    await page.goto(recordUrl('Account', vendor));
    await page.getByRole('button', { name: 'Start supplier onboarding' }).click();
    const action = page.locator('c-coupa-start-onboarding');
    await action.getByRole('button', { name: 'Start onboarding' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'onboarding-confirm.png') });
    await action.getByRole('button', { name: 'Start onboarding' }).click();
    await runNow('supplier-onboarding');
    const sim = await waitFor(
      "the supplier information record in Coupa for O'Reilly",
      async () =>
        sandbox.coupa.control.list('supplier_information').find((s) => String(s.name).startsWith("O'Reilly")) ?? null,
      60_000,
      500
    );
    expect(sim.status).toBe('pending_approval');
    // The status write-back marks the request In Progress (on its schedule; run now saves the wait)…
    await waitFor(
      'the request In Progress in Salesforce',
      async () => {
        const [r] = (
          await conn.query<{ Status__c: string }>(`SELECT Status__c FROM Coupa_Onboarding_Request__c WHERE Account__c = '${vendor}' ORDER BY CreatedDate DESC LIMIT 1`)
        ).records;
        if (r?.Status__c !== 'In Progress') await runNow('supplier-onboarding-status');
        return r?.Status__c === 'In Progress';
      },
      90_000,
      2_000
    );
    // …and the modal shows it: over CDC, or after Check status, as a person would click it.
    const inReview = action.getByText('Coupa is collecting supplier information or waiting for approval.');
    await inReview.waitFor({ timeout: 10_000 }).catch(async () => {
      await action.getByRole('button', { name: 'Check status' }).click();
      await inReview.waitFor({ timeout: 20_000 });
    });
    await page.screenshot({ path: path.join(SHOTS, 'onboarding-progress.png') });
    expect(pageErrors).toEqual([]);
  }, 200_000);
});
