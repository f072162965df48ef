/**
 * The data every flow measurement runs on, and what "1% of records changed" means for each flow's source. Shared by
 * the connector's measurement (flows.ts) and the naive baseline (naive.ts) so both see the same data and changes.
 */
import { Connection } from 'jsforce';
import type { Rig } from './rig';

export interface ScenarioSizes {
  opportunities: number;
  onboardingRequests: number;
}

const pickEvery = <T>(list: T[], count: number): T[] => {
  if (count <= 0 || list.length === 0) return [];
  const step = list.length / Math.min(count, list.length);
  return Array.from({ length: Math.min(count, list.length) }, (_, i) => list[Math.floor(i * step)]);
};

/** Every flow and direction in dependency order: suppliers ⇄ Accounts first (everything else hangs off linked Accounts). */
export const FLOW_ORDER = [
  'supplier-account-sync.to-salesforce',
  'supplier-account-sync.to-coupa',
  'invoice-status',
  'contract-sync.to-salesforce',
  'contract-sync.to-coupa',
  'opportunity-to-requisition',
  'opportunity-to-requisition-status',
  'supplier-onboarding',
  'supplier-onboarding-status',
  'spend-summary',
  'supplier-risk'
];

export async function scenario(rig: Rig, sizes: ScenarioSizes) {
  const { sfEmu, coupaEmu } = rig;
  /** A person in Salesforce (no connector origin tag on their writes). */
  const person = new Connection({
    instanceUrl: sfEmu.url,
    accessToken: sfEmu.control.issueToken().access_token,
    version: '62.0'
  });
  const query = async <T extends Record<string, any> = Record<string, any>>(soql: string): Promise<T[]> => {
    const out: T[] = [];
    let res = await person.query<T>(soql);
    out.push(...res.records);
    while (!res.done && res.nextRecordsUrl) {
      res = await person.queryMore<T>(res.nextRecordsUrl);
      out.push(...res.records);
    }
    return out;
  };
  const advance = (ms: number) => {
    sfEmu.control.advanceClock(ms);
    coupaEmu.control.clock.advance(ms);
  };
  const ids = (resource: string) => coupaEmu.control.list(resource).map((r) => Number(r.id));

  // Salesforce side the flows need: a Coupa user for the Opportunity owner, products for the lines.
  const [owner] = await query<{ Email: string }>(
    `SELECT Email FROM User WHERE Id = '${sfEmu.control.integrationUserId()}'`
  );
  coupaEmu.control.create('users', {
    login: 'bench.rep',
    email: owner.Email,
    firstname: 'Bench',
    lastname: 'Rep',
    active: true
  });
  const products = sfEmu.control.seed({
    Product2: [
      { '@ref': 'p1', Name: 'Server rack', ProductCode: 'RACK-42U', IsActive: true },
      { '@ref': 'p2', Name: 'Patch cable', ProductCode: 'CAB-2M', IsActive: true }
    ]
  });
  let oppSeq = 0;
  const winDeals = async (count: number) => {
    const accounts = await query<{ Id: string }>('SELECT Id FROM Account WHERE Coupa_Supplier_Id__c != null');
    const seed: Record<string, Record<string, unknown>[]> = { Opportunity: [], OpportunityLineItem: [] };
    for (let i = 0; i < count; i++) {
      const ref = `o${++oppSeq}`;
      seed.Opportunity.push({
        '@ref': ref,
        Name: `Bench deal ${oppSeq}`,
        StageName: 'Negotiation/Review',
        CloseDate: '2026-12-15',
        AccountId: accounts[oppSeq % accounts.length].Id,
        Amount: 2600
      });
      seed.OpportunityLineItem.push(
        { OpportunityId: `@${ref}`, Product2Id: products.p1, Quantity: 2, UnitPrice: 800 },
        { OpportunityId: `@${ref}`, Product2Id: products.p2, Quantity: 10, UnitPrice: 100 }
      );
    }
    const refs = sfEmu.control.seed(seed);
    // A person wins the deals (the stage change is what the flow watches for).
    const oppIds = Object.entries(refs)
      .filter(([k]) => k.startsWith('o'))
      .map(([, v]) => v);
    for (let i = 0; i < oppIds.length; i += 200) {
      await person
        .sobject('Opportunity')
        .update(oppIds.slice(i, i + 200).map((Id) => ({ Id, StageName: 'Closed Won' })));
    }
  };
  // Each request is for an Account that has none yet (a second request for the same Account is refused by Coupa).
  const requested = new Set<string>();
  let prospectSeq = 0;
  const requestOnboarding = async (count: number) => {
    const unlinked = await query<{ Id: string }>('SELECT Id FROM Account WHERE Coupa_Supplier_Id__c = null LIMIT 2000');
    const accounts = unlinked.filter((a) => !requested.has(a.Id)).slice(0, count);
    const created = await person.sobject('Account').create(
      Array.from({ length: Math.max(0, count - accounts.length) }, () => ({
        Name: `Bench prospect ${++prospectSeq}`,
        Type: 'Vendor'
      })),
      { allOrNone: false }
    );
    const all = [...accounts.map((a) => a.Id), ...(created as Array<{ id: string }>).map((c) => c.id)];
    for (const id of all) requested.add(id);
    const requests = Array.from({ length: count }, (_, i) => ({
      Account__c: all[i % all.length],
      Status__c: 'Requested'
    }));
    for (let i = 0; i < requests.length; i += 200) {
      await person.sobject('Coupa_Onboarding_Request__c').create(requests.slice(i, i + 200), { allOrNone: false });
    }
  };

  /** What "1% of records changed" means for each flow's source. */
  const changes: Record<string, (n: number) => Promise<void>> = {
    'supplier-account-sync.to-salesforce': async (n) => {
      for (const id of pickEvery(ids('suppliers'), n)) {
        const s = coupaEmu.control.get('suppliers', id)!;
        coupaEmu.control.update('suppliers', id, { name: `${String(s.name)} (renamed)` });
      }
    },
    'supplier-account-sync.to-coupa': async (n) => {
      const accounts = await query<{ Id: string }>(
        'SELECT Id FROM Account WHERE Coupa_Supplier_Id__c != null ORDER BY Id'
      );
      const picked = pickEvery(accounts, n);
      if (picked.length)
        await person
          .sobject('Account')
          .update(picked.map((a, i) => ({ Id: a.Id, Website: `https://changed-${i}.example` })));
    },
    'invoice-status': async (n) => {
      for (const id of pickEvery(ids('invoices'), n)) coupaEmu.control.update('invoices', id, { status: 'voided' });
    },
    'contract-sync.to-salesforce': async (n) => {
      for (const id of pickEvery(ids('contracts'), n)) {
        const c = coupaEmu.control.get('contracts', id)!;
        coupaEmu.control.update('contracts', id, { name: `${String(c.name)} (amended)` });
      }
    },
    'contract-sync.to-coupa': async (n) => {
      const contracts = await query<{ Id: string }>(
        'SELECT Id FROM Contract WHERE Coupa_Contract_Id__c != null ORDER BY Id'
      );
      const picked = pickEvery(contracts, n);
      if (picked.length)
        await person
          .sobject('Contract')
          .update(picked.map((c, i) => ({ Id: c.Id, Description: `Amended terms ${i}` })));
    },
    'opportunity-to-requisition': (n) => winDeals(n),
    'opportunity-to-requisition-status': async (n) => {
      const linked = coupaEmu.control
        .list('requisitions')
        .filter((r) => (r['custom-fields'] as Record<string, unknown> | undefined)?.['salesforce-opportunity-id']);
      for (const r of pickEvery(linked, n))
        coupaEmu.control.update('requisitions', Number(r.id), { status: 'approved' });
    },
    'supplier-onboarding': (n) => requestOnboarding(n),
    'supplier-onboarding-status': async (n) => {
      for (const s of pickEvery(coupaEmu.control.list('supplier_information'), n)) {
        try {
          coupaEmu.control.update('supplier_information', Number(s.id), { status: 'approved' });
        } catch {
          coupaEmu.control.update('supplier_information', Number(s.id), { name: `${String(s.name)} Ltd` });
        }
      }
    },
    // A new overall score (the field the mapping reads) on 1% of the risk feed's rows, as a risk provider would post.
    'supplier-risk': async (n) => {
      for (const row of pickEvery(coupaEmu.control.list('supplier_risk_aware_feed'), n)) {
        const score = Number(row['number-field-01'] ?? 0);
        coupaEmu.control.update('supplier_risk_aware_feed', Number(row.id), {
          'number-field-01': score >= 90 ? score - 20 : score + 10
        });
      }
    },
    // 1% of the summaries' inputs: payments on invoices of linked suppliers (each moves its periods' paid spend).
    'spend-summary': async (n) => {
      const linked = new Set(
        (
          await query<{ Coupa_Supplier_Id__c: string }>(
            'SELECT Coupa_Supplier_Id__c FROM Account WHERE Coupa_Supplier_Id__c != null'
          )
        ).map((a) => Number(a.Coupa_Supplier_Id__c))
      );
      const invoices = coupaEmu.control
        .list('invoices')
        .filter((i) => linked.has(Number((i.supplier as { id?: unknown } | undefined)?.id)) && i.status === 'approved');
      for (const inv of pickEvery(invoices, n)) {
        coupaEmu.control.update('invoices', Number(inv.id), {
          payments: [
            { 'amount-paid': String(inv['gross-total'] ?? '1.00'), 'payment-date': String(inv['invoice-date'] ?? '') }
          ]
        });
      }
    }
  };
  /** Source data a flow needs before its first sync, beyond the Coupa seed. */
  const prepare: Record<string, () => Promise<void>> = {
    'opportunity-to-requisition': () => winDeals(sizes.opportunities),
    'supplier-onboarding': () => requestOnboarding(sizes.onboardingRequests)
  };
  return { person, query, advance, ids, changes, prepare, winDeals, requestOnboarding };
}
