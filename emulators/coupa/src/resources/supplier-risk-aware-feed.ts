import type { ResourceDef } from './types';

/**
 * Supplier Risk API (`R39_Supplier_Risk_API.json`): one feed row per supplier holding the risk scores an instance
 * configures in `number-field-01`…`number-field-10`. Coupa documents GET/POST/PUT, lookup by `supplier[id|name|number]`,
 * and "Cannot submit a POST … when the corresponding supplier status is evaluating". One row per supplier is inferred
 * (the feed is keyed by supplier); a second POST for the same supplier is refused here.
 */
export const supplierRiskAwareFeed: ResourceDef = {
  name: 'supplier_risk_aware_feed',
  def: 'SupplierRiskAwareFeed',
  errorKey: 'supplier_risk_aware_feed',
  modelName: 'SupplierRiskAwareFeed',
  naturalKeys: [],
  // Scope names are not documented for this API; Coupa's pattern for supplier data is assumed.
  scopes: { read: 'core.supplier.read', write: 'core.supplier.write' },
  routes: { list: true, show: true, create: true, update: true },
  associations: { supplier: { resource: 'suppliers', keys: ['name', 'number'] } },
  internal: ['supplier-id'],
  required: ['supplier'],
  unique: ['supplier'],
  beforeSave(emu, rec, prev, errors) {
    const supplier = rec.supplier ? emu.collection('suppliers').get(rec.supplier) : undefined;
    if (!prev && supplier?.status === 'evaluating') errors.push('Cannot submit a POST request when the corresponding supplier status is evaluating');
    if (prev && prev.supplier !== rec.supplier) errors.push('Supplier cannot be changed');
    rec['supplier-id'] = rec.supplier ?? null;
  },
};
