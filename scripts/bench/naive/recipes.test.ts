/**
 * The naive recipes are a baseline only if they do the job: after each recipe's first run, and again after a change
 * like the benchmark's 1%, the records it is responsible for are equal on both emulators.
 */
import type { Connection } from 'jsforce';
import { startRig, type Rig } from '../rig';
import { FLOW_ORDER, scenario } from '../scenario';
import { naiveFlows, type NaiveFlow } from '.';
import { spendPeriods } from './invoices';

jest.setTimeout(120_000);

type Rec = Record<string, any>;
let rig: Rig;
let person: Connection;
let sc: Awaited<ReturnType<typeof scenario>>;
let recipes: Map<string, NaiveFlow>;

beforeAll(async () => {
  rig = await startRig({
    coupa: { seed: { size: 100, seed: 1 }, rateLimit: false },
    coupaRate: { ratePerSecond: 10_000, burst: 10_000 }
  });
  sc = await scenario(rig, { opportunities: 3, onboardingRequests: 2 });
  person = sc.person;
  recipes = new Map(naiveFlows(rig.coupa, person).map((f) => [f.flow, f]));
});
afterAll(() => rig?.close());

const coupa = (resource: string): Rec[] => rig.coupaEmu.control.list(resource);
const byId = <T extends Rec>(rows: T[], key: string) => new Map(rows.map((r) => [String(r[key]), r]));
const linkedAccounts = async () =>
  byId(
    await sc.query(
      'SELECT Id, Name, Website, Coupa_Supplier_Id__c, Coupa_Risk_Score__c, Coupa_Risk_Level__c FROM Account WHERE Coupa_Supplier_Id__c != null'
    ),
    'Coupa_Supplier_Id__c'
  );
const day = (v: unknown) => String(v).slice(0, 10);
const cents = (n: number) => Math.round(n * 100);

/** What "equal on both sides" means for each recipe's records. */
const checks: Record<string, () => Promise<void>> = {
  'supplier-account-sync.to-salesforce': async () => {
    const accounts = await linkedAccounts();
    for (const s of coupa('suppliers')) expect(accounts.get(String(s.id))?.Name).toBe(s.name);
  },
  'supplier-account-sync.to-coupa': async () => {
    for (const a of (await linkedAccounts()).values())
      expect(rig.coupaEmu.control.get('suppliers', Number(a.Coupa_Supplier_Id__c))?.website ?? null).toBe(
        a.Website ?? null
      );
  },
  'invoice-status': async () => {
    const rows = byId(
      await sc.query('SELECT Coupa_Invoice_Id__c, Status__c FROM Coupa_Invoice__c'),
      'Coupa_Invoice_Id__c'
    );
    for (const inv of coupa('invoices')) expect(rows.get(String(inv.id))?.Status__c).toBe(inv.status);
  },
  'contract-sync.to-salesforce': async () => {
    const accounts = await linkedAccounts();
    const rows = byId(await sc.query('SELECT Coupa_Contract_Id__c, Name FROM Contract'), 'Coupa_Contract_Id__c');
    // Published contracts of linked suppliers are copied; once copied, a contract follows every change.
    const expected = coupa('contracts').filter(
      (c) => accounts.has(String((c.supplier as Rec).id)) && (c.status === 'published' || rows.has(String(c.id)))
    );
    expect(expected.length).toBeGreaterThan(0);
    for (const c of expected) expect(rows.get(String(c.id))?.Name).toBe(c.name);
  },
  'contract-sync.to-coupa': async () => {
    const rows = await sc.query(
      'SELECT Coupa_Contract_Id__c, Name, Description FROM Contract WHERE Coupa_Contract_Id__c != null'
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const c of rows) {
      const theirs = rig.coupaEmu.control.get('contracts', Number(c.Coupa_Contract_Id__c))!;
      expect([theirs.name, theirs.description ?? null]).toEqual([c.Name, c.Description ?? null]);
    }
  },
  'opportunity-to-requisition': async () => {
    const won = await sc.query("SELECT Id, Coupa_Requisition_Id__c FROM Opportunity WHERE StageName = 'Closed Won'");
    expect(won.length).toBeGreaterThan(0);
    for (const o of won)
      expect(
        (rig.coupaEmu.control.get('requisitions', Number(o.Coupa_Requisition_Id__c))?.['custom-fields'] as Rec)?.[
          'salesforce-opportunity-id'
        ]
      ).toBe(o.Id);
  },
  'opportunity-to-requisition-status': async () => {
    const deals = await sc.query(
      'SELECT Coupa_Requisition_Id__c, Coupa_Requisition_Status__c FROM Opportunity WHERE Coupa_Requisition_Id__c != null'
    );
    expect(deals.length).toBeGreaterThan(0);
    for (const o of deals)
      expect(o.Coupa_Requisition_Status__c).toBe(
        rig.coupaEmu.control.get('requisitions', Number(o.Coupa_Requisition_Id__c))!.status
      );
  },
  'supplier-onboarding': async () => {
    const requests = await sc.query('SELECT Id, Coupa_Supplier_Information_Id__c FROM Coupa_Onboarding_Request__c');
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) {
      const sim = rig.coupaEmu.control.get('supplier_information', Number(r.Coupa_Supplier_Information_Id__c));
      expect((sim?.['custom-fields'] as Rec)?.['salesforce-onboarding-request-id']).toBe(r.Id);
    }
  },
  'supplier-onboarding-status': async () => {
    const requests = await sc.query(
      'SELECT Coupa_Supplier_Information_Id__c, Coupa_SIM_Status__c FROM Coupa_Onboarding_Request__c'
    );
    for (const r of requests)
      expect(r.Coupa_SIM_Status__c).toBe(
        rig.coupaEmu.control.get('supplier_information', Number(r.Coupa_Supplier_Information_Id__c))!.status
      );
  },
  // Checked against the invoices themselves: every period's invoiced and paid totals of every linked supplier.
  'spend-summary': async () => {
    const periods = new Set(spendPeriods(new Date()).periods);
    const accounts = await linkedAccounts();
    const want = new Map<string, { invoiced: number; paid: number }>();
    const at = (accountId: string, date: unknown) =>
      [day(date).slice(0, 7), `FY${day(date).slice(0, 4)}`]
        .filter((period) => periods.has(period))
        .map((period) => {
          const key = `${accountId}-${period}`;
          if (!want.has(key)) want.set(key, { invoiced: 0, paid: 0 });
          return want.get(key)!;
        });
    // Through the API: dates as Coupa shows them (its own time zone), which is what a month means to both.
    for await (const inv of rig.coupa.list<Rec>('invoices')) {
      const account = accounts.get(String(inv.supplier?.id));
      if (!account) continue;
      if (!['draft', 'voided'].includes(String(inv.status))) {
        for (const w of at(account.Id, inv['invoice-date'])) w.invoiced += Number(inv['gross-total']);
      }
      for (const p of (inv.payments as Rec[]) ?? []) {
        for (const w of at(account.Id, p['payment-date'])) w.paid += Number(p['amount-paid']);
      }
    }
    const rows = byId(
      await sc.query('SELECT Key__c, Invoiced_Amount__c, Paid_Amount__c FROM Coupa_Spend_Summary__c'),
      'Key__c'
    );
    expect(want.size).toBeGreaterThan(0);
    for (const [key, w] of want)
      expect([cents(rows.get(key)?.Invoiced_Amount__c ?? 0), cents(rows.get(key)?.Paid_Amount__c ?? 0)]).toEqual([
        cents(w.invoiced),
        cents(w.paid)
      ]);
  },
  'supplier-risk': async () => {
    const accounts = await linkedAccounts();
    const rows = coupa('supplier_risk_aware_feed').filter((row) => accounts.has(String((row.supplier as Rec)?.id)));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows)
      expect(accounts.get(String((row.supplier as Rec).id))!.Coupa_Risk_Score__c).toBe(Number(row['number-field-01']));
  }
};

describe('naive recipes', () => {
  it('cover every flow the benchmark measures, each with a check here', () => {
    expect(Object.keys(checks).sort()).toEqual([...FLOW_ORDER].sort());
  });

  it.each(FLOW_ORDER)('%s: the first run makes both sides equal', async (flow) => {
    await sc.prepare[flow]?.();
    sc.advance(2_000);
    expect(await recipes.get(flow)!.run()).toBeGreaterThan(0);
    await checks[flow]();
  });

  it.each(FLOW_ORDER)('%s: a change like the benchmark 1%% arrives on the next poll', async (flow) => {
    sc.advance(5 * 60_000);
    await sc.changes[flow](1);
    sc.advance(2_000);
    expect(await recipes.get(flow)!.run()).toBeGreaterThan(0);
    await checks[flow]();
  });
});
