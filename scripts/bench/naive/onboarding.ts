/** Naive recipes for supplier-onboarding: a request becomes a Coupa SIM record; SIM's status comes back. */
import { soqlQuote } from '../../../middleware/src/salesforce/query';
import { recipe, type NaiveFlow, type NaiveKit, type Rec } from './kit';

const REQUEST_FIELD = 'salesforce-onboarding-request-id';

/** The recipe's lookup table from SIM status to the request's status. */
const REQUEST_STATUS: Record<string, string> = {
  draft: 'Submitted',
  information_requested: 'In Progress',
  pending_approval: 'In Progress',
  pending_mapping: 'Approved',
  approved: 'Approved',
  declined: 'Declined'
};

export function onboardingRecipes(k: NaiveKit): NaiveFlow[] {
  const { coupa, person, sfQuery, one } = k;

  const requested = k.sfTrigger(
    'Coupa_Onboarding_Request__c',
    'Account__c',
    "Status__c = 'Requested' AND Coupa_Supplier_Information_Id__c = null"
  );
  const createSim = recipe('supplier-onboarding', requested, async (r) => {
    const [account] = await sfQuery(
      `SELECT Id, Name, Website, BillingCity, BillingCountry FROM Account WHERE Id = '${r.Account__c}'`
    );
    if (!account) return;
    const [contact] = await sfQuery(
      `SELECT FirstName, LastName, Email FROM Contact WHERE AccountId = '${account.Id}' ORDER BY CreatedDate LIMIT 1`
    );
    const [existing] = await k.coupaSearch('supplier_information', REQUEST_FIELD, r.Id);
    const sim =
      existing ??
      (await one(() =>
        coupa.post<Rec>(
          'supplier_information',
          {
            name: account.Name,
            'display-name': account.Name,
            website: account.Website ?? null,
            status: 'pending_approval',
            'custom-fields': { [REQUEST_FIELD]: r.Id },
            ...(account.BillingCity
              ? { 'supplier-information-addresses': [{ 'address-name': 'Billing', city: account.BillingCity }] }
              : {}),
            ...(contact
              ? {
                  'supplier-information-contacts': [
                    { 'name-given': contact.FirstName, 'name-family': contact.LastName, email: contact.Email }
                  ]
                }
              : {})
          },
          { fields: ['id', 'status'] }
        )
      ));
    await one(() =>
      person
        .sobject('Coupa_Onboarding_Request__c')
        .update(
          sim?.id
            ? { Id: r.Id, Coupa_Supplier_Information_Id__c: String(sim.id), Status__c: REQUEST_STATUS[sim.status] }
            : { Id: r.Id, Status__c: 'Failed' }
        )
    );
  });

  const sims = k.coupaTrigger('supplier_information', { [`custom_fields[${REQUEST_FIELD}][blank]`]: 'false' });
  const statusBack = recipe('supplier-onboarding-status', sims, async (s) => {
    const [request] = await sfQuery(
      `SELECT Id, Account__c FROM Coupa_Onboarding_Request__c WHERE Id = ${soqlQuote(String(s['custom-fields'][REQUEST_FIELD]))}`
    );
    if (!request) return;
    const status = REQUEST_STATUS[s.status] ?? null;
    const supplierId = s['supplier-id'] ? String(s['supplier-id']) : null;
    await one(() =>
      person.sobject('Account').update({
        Id: request.Account__c,
        Coupa_Onboarding_Status__c: status,
        ...(status === 'Approved' && supplierId ? { Coupa_Supplier_Id__c: supplierId } : {})
      })
    );
    await one(() =>
      person.sobject('Coupa_Onboarding_Request__c').update({
        Id: request.Id,
        Status__c: status,
        Coupa_SIM_Status__c: s.status,
        Coupa_Supplier_Information_Id__c: String(s.id),
        Coupa_Supplier_Id__c: supplierId
      })
    );
  });

  return [createSim, statusBack];
}
