/**
 * The naive baseline: the same flows written the way most iPaaS recipes are. A polling trigger lists what changed,
 * then every record costs its own REST calls: a "get record by id", a "search" lookup in the other system, and one
 * create/update/upsert call. No sObject Collections, no batching, no IN-list lookups, no state store, and no echo
 * ledger (what we wrote comes back as a change and is written again). Same emulators, same seed, same changes,
 * same Coupa rate limit (the recipe waits and retries on 429 like any polite client, via the same CoupaClient).
 */
import type { Connection } from 'jsforce';
import { soqlQuote } from '../../middleware/src/salesforce/query';
import { measure, type Cost } from './measure';
import { startRig, type Rig } from './rig';
import { scenario, type ScenarioSizes } from './scenario';

type Rec = Record<string, any>;

export interface NaiveFlow {
  /** The connector flow this recipe stands in for. */
  flow: string;
  /** One polling cycle: everything changed since the recipe's own cursor. Returns the records handled. */
  run(): Promise<number>;
}

/** Naive recipes for the flows the baseline covers (see docs/performance.md for the ones it does not). */
export function naiveFlows(rig: Rig, person: Connection): NaiveFlow[] {
  const coupa = rig.coupa;
  const sfQuery = async (soql: string): Promise<Rec[]> => {
    const res = await person.query<Rec>(soql);
    let records = res.records;
    let next = res;
    while (!next.done && next.nextRecordsUrl) {
      next = await person.queryMore<Rec>(next.nextRecordsUrl);
      records = records.concat(next.records);
    }
    return records;
  };
  /** "New or updated <resource>" trigger: list ids changed since the cursor (50 per page), then get each one. */
  const coupaTrigger = (resource: string) => {
    let cursor: string | null = null;
    return async function* changed(): AsyncGenerator<Rec> {
      const filters: Record<string, string> = cursor ? { 'updated-at[gt]': cursor } : {};
      const ids: Array<{ id: number; 'updated-at': string }> = [];
      for await (const r of coupa.list<{ id: number; 'updated-at': string }>(resource, {
        filters,
        fields: ['id', 'updated-at'],
        orderBy: 'updated_at',
        dir: 'asc'
      }))
        ids.push(r);
      for (const { id, 'updated-at': at } of ids) {
        yield await coupa.get<Rec>(`${resource}/${id}`);
        if (!cursor || at > cursor) cursor = at;
      }
    };
  };
  /** "New or updated record" trigger in Salesforce: one SOQL poll on SystemModstamp. */
  const sfTrigger = (sobject: string, fields: string, where?: string) => {
    let cursor: string | null = null;
    return async (): Promise<Rec[]> => {
      const conds = [where, cursor ? `SystemModstamp > ${cursor}` : null].filter(Boolean).join(' AND ');
      const rows = await sfQuery(
        `SELECT Id, SystemModstamp, ${fields} FROM ${sobject}${conds ? ` WHERE ${conds}` : ''} ORDER BY SystemModstamp ASC`
      );
      for (const r of rows) if (!cursor || r.SystemModstamp > cursor) cursor = r.SystemModstamp;
      return rows;
    };
  };
  const one = async <T>(fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch {
      return null; // a recipe logs the failed step and moves on
    }
  };

  const suppliers = coupaTrigger('suppliers');
  const supplierToAccount: NaiveFlow = {
    flow: 'supplier-account-sync.to-salesforce',
    async run() {
      let n = 0;
      for await (const s of suppliers()) {
        n++;
        const account = {
          Name: s.name,
          Coupa_Supplier_Id__c: String(s.id),
          Coupa_Supplier_Number__c: s.number ?? null,
          Coupa_Supplier_Status__c: s.status ?? null,
          BillingCity: s['primary-address']?.city ?? null,
          BillingCountry: s['primary-address']?.country?.code ?? null,
          Type: 'Vendor'
        };
        const [found] = await sfQuery(`SELECT Id FROM Account WHERE Coupa_Supplier_Id__c = ${soqlQuote(String(s.id))}`);
        const id = found
          ? (await one(() => person.sobject('Account').update({ Id: found.Id, ...account })), found.Id)
          : ((await one(() => person.sobject('Account').create(account))) as { id?: string } | null)?.id;
        const contact = s['primary-contact'];
        if (id && contact?.email) {
          const [c] = await sfQuery(
            `SELECT Id FROM Contact WHERE AccountId = '${id}' AND Email = ${soqlQuote(contact.email)}`
          );
          const rec = {
            LastName: contact['name-family'] ?? contact.email,
            FirstName: contact['name-given'] ?? null,
            Email: contact.email
          };
          await one(() =>
            c
              ? person.sobject('Contact').update({ Id: c.Id, ...rec })
              : person.sobject('Contact').create({ AccountId: id, ...rec })
          );
        }
        // Link back in Coupa so the Account → supplier recipe can find it.
        if (id && s['custom-fields']?.['salesforce-account-id'] !== id)
          await one(() => coupa.put(`suppliers/${s.id}`, { 'custom-fields': { 'salesforce-account-id': id } }));
      }
      return n;
    }
  };

  const accounts = sfTrigger('Account', 'Website, Coupa_Supplier_Id__c', 'Coupa_Supplier_Id__c != null');
  const accountToSupplier: NaiveFlow = {
    flow: 'supplier-account-sync.to-coupa',
    async run() {
      const rows = await accounts();
      for (const a of rows) {
        // Look the supplier up, then write the Salesforce-owned fields: no ledger, so our own writes come back too.
        const supplier = await one(() => coupa.get<Rec>(`suppliers/${Number(a.Coupa_Supplier_Id__c)}`));
        if (!supplier) continue;
        await one(() => coupa.put(`suppliers/${supplier.id}`, { website: a.Website ?? null }));
      }
      return rows.length;
    }
  };

  const invoices = coupaTrigger('invoices');
  const invoiceStatus: NaiveFlow = {
    flow: 'invoice-status',
    async run() {
      let n = 0;
      for await (const inv of invoices()) {
        n++;
        const [account] = await sfQuery(
          `SELECT Id FROM Account WHERE Coupa_Supplier_Id__c = ${soqlQuote(String(inv.supplier?.id ?? ''))}`
        );
        await one(() =>
          person.sobject('Coupa_Invoice__c').upsert(
            {
              Coupa_Invoice_Id__c: String(inv.id),
              Name: String(inv['invoice-number'] ?? inv.id).slice(0, 80),
              Account__c: account?.Id ?? null,
              Status__c: inv.status,
              Gross_Total__c: Number(inv['gross-total'] ?? 0),
              Paid__c: inv.paid === true
            },
            'Coupa_Invoice_Id__c'
          )
        );
      }
      return n;
    }
  };

  const contracts = coupaTrigger('contracts');
  const contractToSalesforce: NaiveFlow = {
    flow: 'contract-sync.to-salesforce',
    async run() {
      let n = 0;
      for await (const c of contracts()) {
        n++;
        const [account] = await sfQuery(
          `SELECT Id FROM Account WHERE Coupa_Supplier_Id__c = ${soqlQuote(String(c.supplier?.id ?? ''))}`
        );
        if (!account) continue;
        const rec = {
          Name: c.name,
          Coupa_Contract_Id__c: String(c.id),
          Coupa_Contract_Status__c: c.status,
          StartDate: String(c['start-date'] ?? '').slice(0, 10) || null
        };
        const [found] = await sfQuery(
          `SELECT Id FROM Contract WHERE Coupa_Contract_Id__c = ${soqlQuote(String(c.id))}`
        );
        await one(() =>
          found
            ? person.sobject('Contract').update({ Id: found.Id, ...rec })
            : person.sobject('Contract').create({ AccountId: account.Id, ...rec })
        );
      }
      return n;
    }
  };

  const wonDeals = sfTrigger(
    'Opportunity',
    'Name, AccountId, Account.Coupa_Supplier_Id__c, Owner.Email, Coupa_Requisition_Id__c',
    "StageName = 'Closed Won'"
  );
  const opportunityToRequisition: NaiveFlow = {
    flow: 'opportunity-to-requisition',
    async run() {
      const rows = await wonDeals();
      for (const o of rows) {
        if (o.Coupa_Requisition_Id__c) continue;
        const lines = await sfQuery(
          `SELECT Quantity, UnitPrice, Description, Product2.Name FROM OpportunityLineItem WHERE OpportunityId = '${o.Id}'`
        );
        const users = await one(() =>
          coupa.get<Rec[]>('users', {
            params: { email: o.Owner?.Email ?? '', active: 'true' },
            fields: ['id', 'login']
          })
        );
        // Idempotency by search: is there a requisition for this Opportunity already?
        const existing = await one(() =>
          coupa.get<Rec[]>('requisitions', {
            params: { 'custom_fields[salesforce-opportunity-id]': o.Id },
            fields: ['id']
          })
        );
        if (existing?.length) continue;
        const supplierId = Number(o.Account?.Coupa_Supplier_Id__c);
        const created = await one(() =>
          coupa.post<Rec>(
            'requisitions',
            {
              'requested-by': { login: users?.[0]?.login ?? 'bench.rep' },
              'custom-fields': { 'salesforce-opportunity-id': o.Id },
              'requisition-lines': lines.map((l, i) => ({
                'line-num': i + 1,
                description: l.Description ?? l.Product2?.Name ?? 'Item',
                quantity: l.Quantity,
                'unit-price': l.UnitPrice,
                ...(supplierId ? { supplier: { id: supplierId } } : {})
              }))
            },
            { fields: ['id'] }
          )
        );
        if (created?.id)
          await one(() =>
            person.sobject('Opportunity').update({ Id: o.Id, Coupa_Requisition_Id__c: String(created.id) })
          );
      }
      return rows.length;
    }
  };

  return [supplierToAccount, accountToSupplier, invoiceStatus, contractToSalesforce, opportunityToRequisition];
}

export interface NaiveMeasurement {
  flow: string;
  records: number;
  backfill: Cost;
  idle: Cost;
  incremental: Cost & { changed: number };
}

/** The baseline on a fresh pair of emulators with the same seed, prepared and changed exactly like the connector's. */
export async function benchNaive(
  sizes: { coupaSeed: number } & ScenarioSizes,
  log: (line: string) => void
): Promise<NaiveMeasurement[]> {
  const rig = await startRig({ coupa: { seed: { size: sizes.coupaSeed, seed: 1 } }, backoff: null });
  try {
    const { person, advance, changes, prepare } = await scenario(rig, sizes);
    const flows = naiveFlows(rig, person);
    const backfill = new Map<string, { cost: Cost; records: number }>();
    for (const f of flows) {
      await prepare[f.flow]?.();
      advance(2_000);
      const { cost, value } = await measure(rig, undefined, () => f.run());
      backfill.set(f.flow, { cost, records: value });
      log(
        `  naive backfill ${f.flow}: ${value} records, ${cost.salesforce} SF, ${cost.coupa} Coupa calls, ${(cost.ms / 1000).toFixed(1)} s`
      );
    }
    // One idle cycle: without an echo ledger the recipes never settle (each direction re-sends what the other just
    // wrote), so there is no steady state to wait for, and no settling run before the incremental change either.
    const idle = new Map<string, Cost>();
    advance(5 * 60_000);
    for (const f of flows) idle.set(f.flow, (await measure(rig, undefined, () => f.run())).cost);
    const out: NaiveMeasurement[] = [];
    for (const f of flows) {
      const b = backfill.get(f.flow)!;
      const changed = Math.max(1, Math.round(b.records / 100));
      advance(5 * 60_000);
      await changes[f.flow]?.(changed);
      advance(2_000);
      const { cost } = await measure(rig, undefined, () => f.run());
      out.push({
        flow: f.flow,
        records: b.records,
        backfill: b.cost,
        idle: idle.get(f.flow)!,
        incremental: { ...cost, changed }
      });
    }
    return out;
  } finally {
    await rig.close();
  }
}
