import { audit, countryRef } from './common';
import type { ResourceDef } from './types';

export const addresses: ResourceDef = {
  name: 'addresses',
  def: 'Address',
  errorKey: 'address',
  modelName: 'Address',
  naturalKeys: ['name', 'location-code'],
  scopes: { read: 'core.common.read', write: 'core.common.write' },
  routes: { list: true, show: true, create: true, update: true },
  associations: { ...audit, country: countryRef, 'vat-country': countryRef },
  required: ['street1', 'city', 'postal-code', 'country'],
  defaults: () => ({ name: null, active: true, 'location-code': null, state: null }),
};
