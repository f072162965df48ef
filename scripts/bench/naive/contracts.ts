/** Naive recipes for contract-sync, both directions (no echo ledger: each direction re-sends the other's writes). */
import { recipe, type NaiveFlow, type NaiveKit, type Rec } from './kit';

const day = (v: unknown): string | null => (v ? String(v).slice(0, 10) : null);

export function contractRecipes(k: NaiveKit): NaiveFlow[] {
  const { coupa, person, sfQuery, one } = k;

  const contracts = k.coupaTrigger('contracts');
  const toSalesforce = recipe('contract-sync.to-salesforce', contracts, async (c) => {
    const account = await k.findAccount(c.supplier?.id);
    if (!account) return;
    const rec = {
      Name: c.name,
      Coupa_Contract_Id__c: String(c.id),
      Coupa_Contract_Status__c: c.status,
      StartDate: day(c['start-date']),
      Description: c.description ?? null
    };
    const [found] = await sfQuery(`SELECT Id FROM Contract WHERE Coupa_Contract_Id__c = '${String(c.id)}'`);
    if (!found && c.status !== 'published') return; // the recipe's condition: only published contracts are copied
    await one(() =>
      found
        ? person.sobject('Contract').update({ Id: found.Id, ...rec })
        : person.sobject('Contract').create({ AccountId: account.Id, Status: 'Draft', ...rec })
    );
  });

  // The scenario creates no Contract in Salesforce, so the recipe has only the update path: every linked Contract that
  // changed (including the ones the Coupa → Salesforce recipe just wrote) is looked up in Coupa and written there.
  const linked = k.sfTrigger(
    'Contract',
    'Name, Description, StartDate, Coupa_Contract_Id__c',
    'Coupa_Contract_Id__c != null'
  );
  const toCoupa = recipe('contract-sync.to-coupa', linked, async (c) => {
    const found = await one(() => coupa.get<Rec>(`contracts/${Number(c.Coupa_Contract_Id__c)}`));
    if (!found) return;
    await one(() =>
      coupa.put(`contracts/${found.id}`, {
        name: c.Name,
        description: c.Description ?? null,
        ...(c.StartDate ? { 'start-date': c.StartDate } : {})
      })
    );
  });

  return [toSalesforce, toCoupa];
}
