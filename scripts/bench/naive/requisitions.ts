/** Naive recipes for opportunity-to-requisition: the requisition for a won deal, and its progress written back. */
import { recipe, type NaiveFlow, type NaiveKit, type Rec } from './kit';

const OPPORTUNITY_FIELD = 'salesforce-opportunity-id';

export function requisitionRecipes(k: NaiveKit): NaiveFlow[] {
  const { coupa, person, sfQuery, one } = k;

  const wonDeals = k.sfTrigger(
    'Opportunity',
    'Name, AccountId, Account.Coupa_Supplier_Id__c, Owner.Email, Coupa_Requisition_Id__c',
    "StageName = 'Closed Won'"
  );
  const opportunityToRequisition = recipe('opportunity-to-requisition', wonDeals, async (o) => {
    if (o.Coupa_Requisition_Id__c) return;
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
    if ((await k.coupaSearch('requisitions', OPPORTUNITY_FIELD, o.Id)).length) return;
    const supplierId = Number(o.Account?.Coupa_Supplier_Id__c);
    const created = await one(() =>
      coupa.post<Rec>(
        'requisitions',
        {
          'requested-by': { login: users?.[0]?.login ?? 'bench.rep' },
          'custom-fields': { [OPPORTUNITY_FIELD]: o.Id },
          'requisition-lines': lines.map((l, i) => ({
            'line-num': i + 1,
            description: l.Description ?? l.Product2?.Name ?? 'Item',
            quantity: l.Quantity,
            'unit-price': l.UnitPrice,
            currency: { code: 'USD' }, // the org has one currency; Coupa requires it per line
            ...(supplierId ? { supplier: { id: supplierId } } : {})
          }))
        },
        { fields: ['id'] }
      )
    );
    if (created?.id)
      await one(() => person.sobject('Opportunity').update({ Id: o.Id, Coupa_Requisition_Id__c: String(created.id) }));
  });

  // Trigger filter: only requisitions that came from an Opportunity. PO changes do not move the requisition, so the
  // recipe sees a new PO only when its requisition changes too (the connector's flow also polls POs).
  const requisitions = k.coupaTrigger('requisitions', { [`custom_fields[${OPPORTUNITY_FIELD}][blank]`]: 'false' });
  const statusBack = recipe('opportunity-to-requisition-status', requisitions, async (r) => {
    const pos =
      (await one(() => coupa.get<Rec[]>('purchase_orders', { params: { 'requisition-header[id]': String(r.id) } }))) ??
      [];
    const live = pos.filter((p) => !['cancelled', 'draft'].includes(p.status));
    const committed = live.reduce(
      (sum, p) => sum + (p['order-lines'] ?? []).reduce((s: number, l: Rec) => s + Number(l.total ?? 0), 0),
      0
    );
    await one(() =>
      person.sobject('Opportunity').update({
        Id: r['custom-fields'][OPPORTUNITY_FIELD],
        Coupa_Requisition_Id__c: String(r.id),
        Coupa_Requisition_Status__c: r.status,
        Coupa_PO_Number__c: pos[0]?.['po-number'] ?? null,
        Coupa_PO_Status__c: pos[0]?.status ?? null,
        Coupa_Committed_Amount__c: pos.length ? Math.round(committed * 100) / 100 : null
      })
    );
  });

  return [opportunityToRequisition, statusBack];
}
