import { badRequest } from '../errors';
import { approvalFields, startApprovals } from './approvals';
import { audit, currencyRef, departmentRef, paymentTermRef, supplierRef, userRef } from './common';
import type { ResourceDef } from './types';

/**
 * Statuses a client may set with PUT. "Once a contract is published you can only change the status to inactive"
 * (CSV import); draft → pending_approval → published goes through submit_for_approval and an approval.
 */
const SETTABLE: Record<string, string[]> = {
  draft: ['draft', 'published', 'inactive'],
  pending_approval: ['pending_approval'],
  published: ['published', 'inactive'],
  inactive: ['inactive'],
  completed: ['completed', 'inactive'],
};

export const contracts: ResourceDef = {
  name: 'contracts',
  def: 'Contract',
  errorKey: 'contract',
  modelName: 'Contract',
  naturalKeys: ['name', 'number'],
  approvableType: 'Contract',
  scopes: { read: 'core.contract.read', write: 'core.contract.write' },
  routes: { list: true, show: true, create: true, update: true },
  customFields: true,
  associations: {
    ...audit,
    supplier: supplierRef,
    currency: currencyRef,
    'contract-owner': userRef,
    department: departmentRef,
    'payment-term': paymentTermRef,
    // An amendment names the contract it amends.
    parent: { resource: 'contracts', keys: ['name', 'number'] },
  },
  embeds: {
    'contract-terms': { def: 'ContractTerm', many: true, associations: { ...audit }, required: ['name'] },
  },
  required: ['name', 'number', 'supplier'],
  unique: ['name', 'number'],
  internal: [],
  defaults: () => ({
    status: 'draft',
    'start-date': null,
    'end-date': null,
    'term-type': 'fixed',
    'published-date': null,
    version: 1,
    type: 'MasterContract',
    'contract-terms': [],
  }),
  beforeSave(_emu, rec, prev, errors) {
    const from = prev?.status ?? 'draft';
    if (!prev && !['draft', 'published', 'inactive'].includes(rec.status)) {
      errors.push('Status must be one of draft, published, inactive');
    } else if (prev && rec.status !== prev.status && !(SETTABLE[from] ?? []).includes(rec.status)) {
      errors.push(`Status cannot change from ${from} to ${rec.status}`);
    }
    if (rec.status === 'published' && (!prev || prev.status !== 'published')) rec['published-date'] = rec['published-date'] ?? _emu.now();
    if (rec['start-date'] && rec['end-date'] && rec['end-date'] < rec['start-date']) errors.push('End date must be after the start date');
  },
  computed: (emu, rec) => approvalFields(emu, rec),
  subResources: [
    {
      path: 'contract_terms',
      field: 'contract-terms',
      errorKey: 'contract_term',
      scopes: { read: 'core.contract.read', write: 'core.contract.write' },
      routes: { list: true, show: true, create: true, update: true },
    },
  ],
  memberActions: {
    submit_for_approval: {
      method: 'PUT',
      scope: 'core.contract.write',
      run: ({ emu }, rec) => {
        if (rec!.status !== 'draft') throw badRequest('contract', `Contract cannot be submitted for approval in status ${rec!.status}`);
        const doc = structuredClone(rec!);
        doc.status = 'pending_approval';
        return startApprovals(emu, 'contracts', doc, doc['contract-owner']);
      },
    },
    complete: {
      method: 'PUT',
      scope: 'core.contract.write',
      run: ({ emu }, rec) => {
        if (rec!.status !== 'published') throw badRequest('contract', `Contract cannot be completed in status ${rec!.status}`);
        return emu.save('contracts', { ...structuredClone(rec!), status: 'completed' });
      },
    },
  },
  onApproved(emu, rec) {
    emu.save('contracts', { ...rec, status: 'published', 'published-date': emu.now() });
  },
  onRejected(emu, rec) {
    emu.save('contracts', { ...rec, status: 'draft' });
  },
};
