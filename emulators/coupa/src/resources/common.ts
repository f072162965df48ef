import type { AssociationDef, ResourceDef } from './types';

export const userRef: AssociationDef = { resource: 'users', keys: ['login', 'email', 'employee-number'], mustBeActive: true };
export const currencyRef: AssociationDef = { resource: 'currencies', keys: ['code'], mustBeActive: true };
export const countryRef: AssociationDef = { resource: 'countries', keys: ['code', 'name'] };
export const addressRef: AssociationDef = { resource: 'addresses', keys: ['name', 'location-code'] };
export const supplierRef: AssociationDef = { resource: 'suppliers', keys: ['name', 'number'], mustBeActive: true };
export const accountRef: AssociationDef = { resource: 'accounts', keys: ['code', 'name', 'account-type'] };
export const accountTypeRef: AssociationDef = { resource: 'account_types', keys: ['name'] };
export const paymentTermRef: AssociationDef = { resource: 'payment_terms', keys: ['code'] };
export const departmentRef: AssociationDef = { resource: 'departments', keys: ['name'] };
export const uomRef: AssociationDef = { resource: 'uoms', keys: ['code', 'name'] };
export const commodityRef: AssociationDef = { resource: 'commodities', keys: ['name'] };

/** created-by / updated-by on every resource whose Swagger definition has them. */
export const audit = { 'created-by': userRef, 'updated-by': userRef };

const COMMON = { read: 'core.common.read', write: 'core.common.write' };

/** Reference data the documents point at; exposed read-only where Coupa publishes the path. */
export function referenceResource(
  name: string,
  def: string,
  errorKey: string,
  modelName: string,
  naturalKeys: string[],
  opts: Partial<ResourceDef> = {},
): ResourceDef {
  return {
    name,
    def,
    errorKey,
    modelName,
    naturalKeys,
    scopes: COMMON,
    routes: {},
    associations: { ...audit },
    ...opts,
  };
}

export const referenceResources: ResourceDef[] = [
  referenceResource('currencies', 'Currency', 'currency', 'Currency', ['code'], { routes: { list: true, show: true } }),
  referenceResource('countries', 'Country', 'country', 'Country', ['code', 'name']),
  referenceResource('uoms', 'Uom', 'uom', 'Uom', ['code', 'name'], { routes: { list: true, show: true } }),
  referenceResource('commodities', 'Commodity', 'commodity', 'Commodity', ['name'], { routes: { list: true, show: true } }),
  referenceResource('payment_terms', 'PaymentTerm', 'payment_term', 'PaymentTerm', ['code'], { routes: { list: true, show: true } }),
  referenceResource('departments', 'Department', 'department', 'Department', ['name'], { routes: { list: true, show: true } }),
  referenceResource('account_types', 'AccountType', 'account_type', 'AccountType', ['name'], {
    scopes: { read: 'core.accounting.read', write: 'core.accounting.write' },
    routes: { list: true, show: true },
    associations: { ...audit, currency: currencyRef },
  }),
  referenceResource('periods', 'Period', 'period', 'Period', ['name'], {
    scopes: { read: 'core.budget.read', write: 'core.budget.write' },
    associations: { ...audit, 'account-type': accountTypeRef },
  }),
  referenceResource('integrations', 'Integration', 'integration', 'Integration', ['code', 'name'], {
    scopes: { read: 'core.integration.read', write: 'core.integration.write' },
  }),
];
