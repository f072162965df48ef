/**
 * The steps naive recipes are built from, the way an iPaaS offers them: polling triggers ("new or updated record"),
 * a "search records" step, and single-record actions. Talks to the emulators only through the Coupa client and a
 * person's jsforce connection (never through flow code), so the baseline does not move when the flows do.
 */
import type { Connection } from 'jsforce';
import type { CoupaClient } from '../../../middleware/src/coupa';
import { soqlQuote } from '../../../middleware/src/salesforce/query';

export type Rec = Record<string, any>;

export interface NaiveFlow {
  /** The connector flow this recipe stands in for. */
  flow: string;
  /** One polling cycle: everything changed since the recipe's own cursor. Returns the records handled. */
  run(): Promise<number>;
}

/**
 * A triggered recipe: `step` runs for every record the trigger returns, in order; a cycle handles as many records as
 * the trigger returned (a step may skip one by returning early).
 */
export function recipe(
  flow: string,
  trigger: () => AsyncIterable<Rec> | Promise<Rec[]>,
  step: (record: Rec) => Promise<unknown>
): NaiveFlow {
  return {
    flow,
    async run() {
      let n = 0;
      for await (const record of await trigger()) {
        n++;
        await step(record);
      }
      return n;
    }
  };
}

export interface NaiveKit {
  coupa: CoupaClient;
  /** A person's Salesforce connection: the recipe's writes are not tagged as the connector's. */
  person: Connection;
  /** One SOQL query, every page. */
  sfQuery(soql: string): Promise<Rec[]>;
  /** "New or updated <resource>" trigger: list ids changed since the cursor (50 per page), then get each one. */
  coupaTrigger(resource: string, filters?: Record<string, string>): () => AsyncGenerator<Rec>;
  /** "New or updated record" trigger in Salesforce: one SOQL poll on SystemModstamp. */
  sfTrigger(sobject: string, fields: string, where?: string): () => Promise<Rec[]>;
  /** "Search records" in Coupa by one custom field: the recipe's only way to find what it created before. */
  coupaSearch(resource: string, customField: string, value: string): Promise<Rec[]>;
  /** "Search records" in Salesforce: the Account linked to a Coupa supplier. */
  findAccount(supplierId: unknown): Promise<Rec | undefined>;
  /** One step whose failure the recipe logs and moves past (null). */
  one<T>(fn: () => Promise<T>): Promise<T | null>;
}

export function naiveKit(coupa: CoupaClient, person: Connection): NaiveKit {
  const sfQuery = async (soql: string): Promise<Rec[]> => {
    let res = await person.query<Rec>(soql);
    let records = res.records;
    while (!res.done && res.nextRecordsUrl) {
      res = await person.queryMore<Rec>(res.nextRecordsUrl);
      records = records.concat(res.records);
    }
    return records;
  };
  const one = async <T>(fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch {
      return null; // a recipe logs the failed step and moves on
    }
  };
  return {
    coupa,
    person,
    sfQuery,
    one,
    coupaTrigger(resource, extra = {}) {
      let cursor: string | null = null;
      return async function* changed(): AsyncGenerator<Rec> {
        const filters: Record<string, string> = { ...extra, ...(cursor ? { 'updated-at[gt]': cursor } : {}) };
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
    },
    sfTrigger(sobject, fields, where) {
      let cursor: string | null = null;
      return async () => {
        const conds = [where ? `(${where})` : null, cursor ? `SystemModstamp > ${cursor}` : null]
          .filter(Boolean)
          .join(' AND ');
        const rows = await sfQuery(
          `SELECT Id, SystemModstamp, ${fields} FROM ${sobject}${conds ? ` WHERE ${conds}` : ''} ORDER BY SystemModstamp ASC`
        );
        for (const r of rows) if (!cursor || r.SystemModstamp > cursor) cursor = r.SystemModstamp;
        return rows;
      };
    },
    async coupaSearch(resource, customField, value) {
      return (
        (await one(() => coupa.get<Rec[]>(resource, { params: { [`custom_fields[${customField}]`]: value } }))) ?? []
      ).filter((r) => r['custom-fields']?.[customField] === value);
    },
    async findAccount(supplierId) {
      const [account] = await sfQuery(
        `SELECT Id FROM Account WHERE Coupa_Supplier_Id__c = ${soqlQuote(String(supplierId ?? ''))}`
      );
      return account;
    }
  };
}
