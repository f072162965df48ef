import type { Rec } from '../store';
import { audit, countryRef, currencyRef, paymentTermRef } from './common';
import type { ResourceDef } from './types';

/** SIM statuses (CSV export "SIM Status"); the arrows are inferred from the onboarding workflow. */
export const SIM_TRANSITIONS: Record<string, string[]> = {
  draft: ['information_requested', 'pending_approval'],
  information_requested: ['draft', 'pending_approval'],
  pending_approval: ['approved', 'declined', 'information_requested'],
  approved: ['pending_mapping'],
  pending_mapping: ['approved'],
  declined: ['pending_approval'],
};

export const supplierInformation: ResourceDef = {
  name: 'supplier_information',
  def: 'SupplierInformation',
  errorKey: 'supplier_information',
  modelName: 'SupplierInformation',
  naturalKeys: ['name'],
  scopes: { read: 'core.supplier.read', write: 'core.supplier.write' },
  routes: { list: true, show: true, create: true, update: true },
  customFields: true,
  associations: { ...audit, 'payment-term': paymentTermRef, 'preferred-currency': currencyRef, 'country-of-operation': countryRef },
  embeds: {
    'supplier-information-addresses': {
      def: 'SupplierInformationAddress',
      many: true,
      deletable: true,
      associations: { ...audit, country: countryRef, 'bank-country': countryRef, currency: currencyRef },
    },
    'supplier-information-contacts': { def: 'SupplierInformationContact', many: true, deletable: true, associations: { ...audit } },
  },
  required: ['name', 'status'],
  defaults: () => ({ status: 'draft', 'supplier-id': null, 'display-name': null }),
  beforeSave(emu, rec, prev, errors) {
    if (!(rec.status in SIM_TRANSITIONS)) {
      errors.push(`Status must be one of ${Object.keys(SIM_TRANSITIONS).join(', ')}`);
      return;
    }
    if (prev && prev.status !== rec.status && !SIM_TRANSITIONS[prev.status]?.includes(rec.status)) {
      errors.push(`Status cannot change from ${prev.status} to ${rec.status}`);
    }
    if (!prev && !['draft', 'information_requested', 'pending_approval'].includes(rec.status)) {
      errors.push(`A supplier information record cannot be created in status ${rec.status}`);
    }
    if (rec['supplier-id'] !== null && rec['supplier-id'] !== undefined && !emu.collection('suppliers').get(rec['supplier-id'])) {
      errors.push(`Unable to find valid Supplier record for supplier_id ${rec['supplier-id']}`);
    }
    if (!prev && !rec['supplier-id'] && emu.findBy('suppliers', { name: rec['supplier-name'] ?? rec.name })) {
      errors.push('Supplier name has already been taken');
    }
  },
  afterSave: (emu, rec) => syncSupplierFromSim(emu, rec),
  afterCreate(emu, rec) {
    // "When a POST call is made without specifying the supplier-id, an associated Supplier record is automatically created"
    if (rec['supplier-id']) return;
    const supplier = emu.create(
      'suppliers',
      {
        name: rec['supplier-name'] ?? rec.name,
        'display-name': rec['display-name'] ?? rec.name,
        number: rec['supplier-number'] ?? null,
        status: 'draft',
      },
      { system: true },
    );
    emu.save('supplier_information', { ...structuredClone(rec), 'supplier-id': supplier.id });
  },
};

/** Approving SIM activates its supplier; declining leaves it in draft. Runs after every SIM write. */
export function syncSupplierFromSim(emu: import('../emulator').Emulator, sim: Rec): void {
  if (sim.status !== 'approved' || !sim['supplier-id']) return;
  const supplier = emu.collection('suppliers').get(sim['supplier-id']);
  if (supplier && supplier.status !== 'active') emu.save('suppliers', { ...structuredClone(supplier), status: 'active' });
}
