/** Naive recipes around suppliers and Accounts: supplier ⇄ Account both ways, and the risk feed onto the Account. */
import { soqlQuote } from '../../../middleware/src/salesforce/query';
import { recipe, type NaiveFlow, type NaiveKit, type Rec } from './kit';

/** The recipe's own formula step for the risk level (connector.yaml's default thresholds). */
const riskLevel = (score: number): string =>
  score >= 85 ? 'Critical' : score >= 65 ? 'High' : score >= 40 ? 'Medium' : 'Low';

export function supplierRecipes(k: NaiveKit): NaiveFlow[] {
  const { coupa, person, sfQuery, one } = k;

  const suppliers = k.coupaTrigger('suppliers');
  const supplierToAccount = recipe('supplier-account-sync.to-salesforce', suppliers, async (s) => {
    const account = {
      Name: s.name,
      Coupa_Supplier_Id__c: String(s.id),
      Coupa_Supplier_Number__c: s.number ?? null,
      Coupa_Supplier_Status__c: s.status ?? null,
      BillingCity: s['primary-address']?.city ?? null,
      BillingCountry: s['primary-address']?.country?.code ?? null,
      Type: 'Vendor'
    };
    const found = await k.findAccount(s.id);
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
  });

  const accounts = k.sfTrigger('Account', 'Website, Coupa_Supplier_Id__c', 'Coupa_Supplier_Id__c != null');
  const accountToSupplier = recipe('supplier-account-sync.to-coupa', accounts, async (a) => {
    // Look the supplier up, then write the Salesforce-owned fields: no ledger, so our own writes come back too.
    const supplier = await one(() => coupa.get<Rec>(`suppliers/${Number(a.Coupa_Supplier_Id__c)}`));
    if (!supplier) return;
    await one(() => coupa.put(`suppliers/${supplier.id}`, { website: a.Website ?? null }));
  });

  const feed = k.coupaTrigger('supplier_risk_aware_feed');
  const supplierRisk = recipe('supplier-risk', feed, async (row) => {
    const account = await k.findAccount(row.supplier?.id ?? row['supplier-id']);
    if (!account) return; // no Account yet: the recipe drops the row (it is not retried until it changes)
    const score = row['number-field-01'] === null ? null : Number(row['number-field-01']);
    await one(() =>
      person.sobject('Account').update({
        Id: account.Id,
        Coupa_Risk_Score__c: score,
        Coupa_Risk_Level__c: score === null ? null : riskLevel(score)
      })
    );
  });

  return [supplierToAccount, accountToSupplier, supplierRisk];
}
