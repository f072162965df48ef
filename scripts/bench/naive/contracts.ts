/** Naive recipes for contract-sync, both directions (no echo ledger: each direction re-sends the other's writes). */
import type { NaiveFlow, NaiveKit, Rec } from './kit';

const day = (v: unknown): string | null => (v ? String(v).slice(0, 10) : null);

export function contractRecipes(k: NaiveKit): NaiveFlow[] {
  const { coupa, person, sfQuery, one } = k;

  const contracts = k.coupaTrigger('contracts');
  const toSalesforce: NaiveFlow = {
    flow: 'contract-sync.to-salesforce',
    async run() {
      let n = 0;
      for await (const c of contracts()) {
        n++;
        const account = await k.findAccount(c.supplier?.id);
        if (!account) continue;
        const rec = {
          Name: c.name,
          Coupa_Contract_Id__c: String(c.id),
          Coupa_Contract_Status__c: c.status,
          StartDate: day(c['start-date']),
          Description: c.description ?? null
        };
        const [found] = await sfQuery(`SELECT Id FROM Contract WHERE Coupa_Contract_Id__c = '${String(c.id)}'`);
        if (!found && c.status !== 'published') continue; // the recipe's condition: only published contracts are copied
        await one(() =>
          found
            ? person.sobject('Contract').update({ Id: found.Id, ...rec })
            : person.sobject('Contract').create({ AccountId: account.Id, Status: 'Draft', ...rec })
        );
      }
      return n;
    }
  };

  // The scenario creates no Contract in Salesforce, so the recipe has only the update path: every linked Contract that
  // changed (including the ones the Coupa → Salesforce recipe just wrote) is looked up in Coupa and written there.
  const linked = k.sfTrigger(
    'Contract',
    'Name, Description, StartDate, Coupa_Contract_Id__c',
    'Coupa_Contract_Id__c != null'
  );
  const toCoupa: NaiveFlow = {
    flow: 'contract-sync.to-coupa',
    async run() {
      const rows = await linked();
      for (const c of rows) {
        const found = await one(() => coupa.get<Rec>(`contracts/${Number(c.Coupa_Contract_Id__c)}`));
        if (!found) continue;
        await one(() =>
          coupa.put(`contracts/${found.id}`, {
            name: c.Name,
            description: c.Description ?? null,
            ...(c.StartDate ? { 'start-date': c.StartDate } : {})
          })
        );
      }
      return rows.length;
    }
  };

  return [toSalesforce, toCoupa];
}
