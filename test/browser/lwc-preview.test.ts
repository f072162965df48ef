/**
 * The package's real Lightning Web Components in headless Chromium, against the Salesforce emulator
 * (scripts/preview): panels show seeded data, and Start supplier onboarding creates a request whose status
 * follows what the connector writes back, delivered over CDC (empApi). Screenshots go to a temporary folder,
 * or to docs/screenshots/ with UPDATE_SCREENSHOTS=1 (so a plain `npm test` leaves the work tree clean).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startPreview, type RunningPreview } from '../../scripts/preview/server';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = process.env.UPDATE_SCREENSHOTS
  ? path.resolve(__dirname, '../../docs/screenshots')
  : path.join(os.tmpdir(), 'coupa-lwc-preview-screenshots');
const API = '/services/data/v62.0';
const available = fs.existsSync(CHROMIUM);
// CI installs chromium whenever this folder has a test; elsewhere a machine without it skips.
const suite = available || process.env.CI ? describe : describe.skip;

const month = (d = new Date()) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;

suite('LWC preview in Chromium', () => {
  let preview: RunningPreview;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  /** Writes to Salesforce the way the middleware does: REST as the integration user. */
  async function asConnector(method: string, p: string, body?: unknown): Promise<any> {
    const { access_token } = preview.emulator.control.issueToken();
    const res = await fetch(`${preview.emulator.url}${API}${p}`, {
      method,
      headers: { Authorization: `Bearer ${access_token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  }

  beforeAll(async () => {
    fs.mkdirSync(SHOTS, { recursive: true });
    preview = await startPreview({ coupaBaseUrl: 'https://acme.coupahost.com' });
    await preview.ready;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run']
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await preview?.close();
  });

  it('shows the supplier, spend and invoices panels of a Coupa supplier account', async () => {
    await page.goto(preview.recordUrl('Account', preview.refs.northwind));
    const supplier = page.locator('c-coupa-supplier-panel');
    await supplier.getByText('SUP-0042').waitFor();
    await expect(supplier.locator('[data-id="status"]').textContent()).resolves.toBe('Active');
    await expect(supplier.locator('[data-id="coupa-link"]').getAttribute('href')).resolves.toBe(
      'https://acme.coupahost.com/suppliers/4711'
    );

    const spend = page.locator('c-coupa-spend-panel');
    await spend.getByText(`This month (${month()})`).waitFor();
    await expect(spend.locator('.trend-table tbody tr').count()).resolves.toBe(6);

    const invoices = page.locator('c-coupa-invoices-panel');
    await invoices.getByText('Coupa invoices (60)').waitFor();
    await invoices.getByText('Page 1 of 3').waitFor();
    await expect(invoices.locator('tbody tr').count()).resolves.toBe(25);
    await page.screenshot({ path: path.join(SHOTS, 'account-panels.png'), fullPage: true });

    // The overdue filter leaves only overdue rows, each flagged in words.
    const overdue = invoices.getByText(/^Overdue \(\d+\)$/);
    const n = Number(/\((\d+)\)/.exec((await overdue.textContent()) ?? '')![1]);
    expect(n).toBeGreaterThan(0);
    await overdue.click();
    // Exactly min(n, 25) rows once the filter has applied.
    await invoices.locator(`tbody tr:nth-child(${Math.min(n, 25)})`).waitFor();
    if (n < 25) await invoices.locator(`tbody tr:nth-child(${n + 1})`).waitFor({ state: 'detached' });
    const rows = invoices.locator('tbody tr');
    const shown = await rows.count();
    expect(shown).toBeGreaterThan(0);
    await expect(rows.filter({ hasText: /overdue/i }).count()).resolves.toBe(shown);
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('shows the requisition → PO → invoices chain on an opportunity', async () => {
    await page.goto(preview.recordUrl('Opportunity', preview.refs.fleet));
    const spend = page.locator('c-coupa-spend-panel');
    await spend.locator('[data-id="po-number"]').getByText('PO-5001').waitFor();
    await expect(spend.locator('[data-id="requisition-id"]').textContent()).resolves.toBe('#812');
    await expect(spend.locator('[data-id="invoice-count"]').textContent()).resolves.toBe('10 invoiced');
    await page.locator('c-coupa-invoices-panel').getByText('Coupa invoices (10)').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'opportunity-panels.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('starts supplier onboarding and follows the status the connector writes back', async () => {
    const accountId = preview.refs.globex;
    await page.goto(preview.recordUrl('Account', accountId));
    await page.locator('c-coupa-supplier-panel .empty-state').getByText('not linked to a Coupa supplier').waitFor();

    await page.getByRole('button', { name: 'Start supplier onboarding' }).click();
    const action = page.locator('c-coupa-start-onboarding');
    await action.getByText('Start onboarding Globex Manufacturing as a Coupa supplier?').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'onboarding-confirm.png') });
    await action.getByRole('button', { name: 'Start onboarding' }).click();

    await action
      .locator('.progress-heading')
      .getByText(/^Onboarding request OBR-\d+ created$/)
      .waitFor();
    await action.getByText('Waiting for the connector to pick up the request.').waitFor();
    // Followed over change data capture, not polling.
    await action.getByText('Updates appear here as the connector works.').waitFor();
    await page.locator('.slds-notify_toast').getByText('Supplier onboarding started').waitFor();

    const { records } = await asConnector(
      'GET',
      `/query?q=${encodeURIComponent(`SELECT Id, Status__c FROM Coupa_Onboarding_Request__c WHERE Account__c = '${accountId}'`)}`
    );
    expect(records).toHaveLength(1);
    expect(records[0].Status__c).toBe('Requested');
    const requestId = records[0].Id as string;

    // The connector submits the supplier to Coupa…
    await asConnector('PATCH', `/sobjects/Coupa_Onboarding_Request__c/${requestId}`, {
      Status__c: 'Submitted',
      Coupa_Supplier_Information_Id__c: '3301',
      Coupa_SIM_Status__c: 'draft'
    });
    await action.getByText('Submitted to Coupa. The supplier information record is being prepared.').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'onboarding-progress.png') });

    // …Coupa approves it: the connector links the Account, then marks the request approved.
    await asConnector('PATCH', `/sobjects/Account/${accountId}`, {
      Coupa_Supplier_Id__c: '5150',
      Coupa_Supplier_Number__c: 'SUP-0077',
      Coupa_Supplier_Status__c: 'active',
      Coupa_Onboarding_Status__c: 'Approved'
    });
    await asConnector('PATCH', `/sobjects/Coupa_Onboarding_Request__c/${requestId}`, {
      Status__c: 'Approved',
      Coupa_SIM_Status__c: 'approved'
    });
    await action.getByText('Approved in Coupa. The account is now linked to the Coupa supplier.').waitFor();
    // The action refreshes the Account, so the supplier panel behind the modal shows the link.
    await page.locator('c-coupa-supplier-panel [data-id="number"]').getByText('SUP-0077').waitFor();
    await expect(action.getByText('Updates appear here as the connector works.').count()).resolves.toBe(0);

    // A second click now finds no open request and would offer a new one; while one is open it refuses.
    await asConnector('PATCH', `/sobjects/Coupa_Onboarding_Request__c/${requestId}`, { Status__c: 'In Progress' });
    await action.getByRole('button', { name: 'Close' }).click();
    await page.getByRole('button', { name: 'Start supplier onboarding' }).click();
    await action
      .locator('.progress-heading')
      .getByText(/^An onboarding request \(OBR-\d+\) is already open for this account$/)
      .waitFor();
    await expect(action.getByRole('button', { name: 'Start onboarding' }).count()).resolves.toBe(0);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
