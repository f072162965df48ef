import { addressRef, audit, currencyRef, departmentRef, userRef } from './common';
import type { ResourceDef } from './types';

export const users: ResourceDef = {
  name: 'users',
  def: 'User',
  errorKey: 'user',
  modelName: 'User',
  naturalKeys: ['login', 'email', 'employee-number', 'firstname', 'lastname', 'fullname', 'salesforce-id'],
  scopes: { read: 'core.user.read', write: 'core.user.write' },
  routes: { list: true, show: true, create: true, update: true },
  associations: {
    ...audit,
    manager: userRef,
    'default-currency': currencyRef,
    'default-address': addressRef,
    department: departmentRef,
  },
  required: ['login', 'email', 'firstname', 'lastname'],
  unique: ['login', 'email', 'employee-number'],
  internal: ['fullname'],
  defaults: () => ({ active: true, 'employee-number': null, 'salesforce-id': null, 'purchasing-user': true, 'api-user': false }),
  beforeSave(_emu, rec, _prev, errors) {
    rec.fullname = [rec.firstname, rec.lastname].filter(Boolean).join(' ');
    if (typeof rec.email === 'string' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(rec.email)) errors.push('Email is not a valid email address');
  },
  // "query active users only using /api/users?status=active" although the attribute is `active`.
  queryAlias(key, value) {
    if (key === 'status') return ['active', value === 'active' ? 'true' : 'false'];
    return undefined;
  },
};
