import { accountTypeRef, audit } from './common';
import type { ResourceDef } from './types';

const SEGMENTS = Array.from({ length: 20 }, (_, i) => `segment-${i + 1}`);

export const accounts: ResourceDef = {
  name: 'accounts',
  def: 'Account',
  errorKey: 'account',
  modelName: 'Account',
  naturalKeys: ['code', 'name'],
  scopes: { read: 'core.accounting.read', write: 'core.accounting.write' },
  routes: { list: true, show: true, create: true, update: true },
  associations: { ...audit, 'account-type': accountTypeRef },
  required: ['account-type', 'segment-1'],
  defaults: () => ({ active: true, name: null }),
  beforeSave(_emu, rec, prev, errors) {
    if (prev && prev['account-type'] !== rec['account-type']) errors.push('Account type cannot be changed');
    // `code` is read-only and derived from the segments (a PUT of code is a silent no-op, as in Coupa).
    rec.code = SEGMENTS.map((s) => rec[s])
      .filter((v) => v !== null && v !== undefined && v !== '')
      .join('-');
    rec['account-type-id'] = rec['account-type'];
    if (!rec.name) rec.name = rec.code;
  },
};
