import { audit, commodityRef, countryRef, paymentTermRef } from './common';
import type { Rec } from '../store';
import type { ResourceDef } from './types';

export const SUPPLIER_STATUSES = ['active', 'inactive', 'draft'];
export const PAYMENT_METHODS = ['invoice', 'pcard', 'invoice_only', 'pcard_only', 'virtual_card'];

export const suppliers: ResourceDef = {
  name: 'suppliers',
  def: 'Supplier',
  errorKey: 'supplier',
  modelName: 'Supplier',
  naturalKeys: ['name', 'number'],
  scopes: { read: 'core.supplier.read', write: 'core.supplier.write' },
  routes: { list: true, show: true, create: true, update: true },
  customFields: true,
  associations: { ...audit, 'payment-term': paymentTermRef, commodity: commodityRef },
  embeds: {
    'primary-address': { def: 'SupplierAddress', many: false, associations: { ...audit, country: countryRef } },
    'primary-contact': { def: 'Contact', many: false, associations: { ...audit } },
    'remit-to-addresses': {
      def: 'RemitToAddress',
      many: true,
      deletable: true,
      associations: { ...audit, country: countryRef, 'vat-country': countryRef },
      required: ['street1', 'city', 'postal-code', 'country'],
    },
    // Swagger types Supplier.supplier-sites as [Supplier] (sic), so sites are held out of the supplier payload
    // and served only by the sub-resource, as SupplierSite.
    '$supplier-sites': {
      def: 'SupplierSite',
      many: true,
      associations: { ...audit, 'payment-term': paymentTermRef },
      required: ['code', 'name'],
    },
  },
  required: ['name'],
  unique: ['name', 'number'],
  defaults: () => ({
    number: null,
    'display-name': null,
    status: 'draft',
    'po-method': 'prompt',
    'payment-method': 'invoice',
    'invoice-matching-level': '3-way',
    'tax-id': null,
    duns: null,
    'account-number': null,
    website: null,
    'one-time-supplier': false,
  }),
  subResources: [
    {
      path: 'addresses',
      field: 'remit-to-addresses',
      errorKey: 'remit_to_address',
      scopes: { read: 'core.supplier.read', write: 'core.supplier.write' },
      routes: { list: true, show: true, create: true, update: true, delete: true },
    },
    {
      path: 'supplier_sites',
      field: '$supplier-sites',
      errorKey: 'supplier_site',
      scopes: { read: ['core.supplier_sites.read', 'core.supplier.read'], write: ['core.supplier_sites.write', 'core.supplier.write'] },
      routes: { list: true, show: true, create: true, update: true },
    },
  ],
  beforeSave(_emu, rec, _prev, errors) {
    for (const site of (rec['$supplier-sites'] as Rec[]) ?? []) {
      site['supplier-id'] = rec.id;
      site.active = site.active ?? true;
    }
    const codes = ((rec['$supplier-sites'] as Rec[]) ?? []).map((s) => s.code);
    if (new Set(codes).size !== codes.length) errors.push('Supplier site code has already been taken');
    // "Supplier status must be one of active, inactive, …" — Swagger leaves status untyped; CSV import lists these.
    if (!SUPPLIER_STATUSES.includes(rec.status)) errors.push(`Supplier status must be one of ${SUPPLIER_STATUSES.join(', ')}.`);
    if (rec['payment-method'] && !PAYMENT_METHODS.includes(rec['payment-method'])) {
      errors.push(`Payment method must be one of ${PAYMENT_METHODS.join(', ')}.`);
    }
    if (rec['po-method'] === 'email' && !rec['po-email']) errors.push("PO email can't be blank when PO method is email");
    if (rec['po-email'] && !/^[^@\s]+@[^@\s]+$/.test(rec['po-email'])) errors.push('Supplier email is not a valid email address.');
  },
};
