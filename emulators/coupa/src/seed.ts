import fs from 'fs';
import type { Emulator } from './emulator';
import { dashKeys } from './keys';
import type { Rec } from './store';

/** Reference data every instance starts with (currencies, countries, terms, users, an address, accounts…). */
export function seedBase(emu: Emulator): void {
  const sys = { system: true };
  const c = (resource: string, input: Record<string, unknown>) => emu.create(resource, input, sys);
  for (const [code, name, symbol, decimals] of [
    ['USD', 'US Dollar', '$', 2],
    ['EUR', 'Euro', '€', 2],
    ['GBP', 'British Pound', '£', 2],
    ['CAD', 'Canadian Dollar', '$', 2],
    ['AUD', 'Australian Dollar', '$', 2],
    ['JPY', 'Japanese Yen', '¥', 0],
  ] as const) {
    c('currencies', { code, name, symbol, decimals, enabled: true });
  }
  for (const [code, name] of [
    ['US', 'United States'],
    ['CA', 'Canada'],
    ['GB', 'United Kingdom'],
    ['DE', 'Germany'],
    ['FR', 'France'],
    ['JP', 'Japan'],
    ['AU', 'Australia'],
    ['IE', 'Ireland'],
    ['NL', 'Netherlands'],
    ['ES', 'Spain'],
    ['IT', 'Italy'],
    ['IN', 'India'],
    ['MX', 'Mexico'],
    ['BR', 'Brazil'],
  ]) {
    c('countries', { code, name });
  }
  c('uoms', { code: 'EA', name: 'Each', 'allowable-precision': 0, active: true });
  c('uoms', { code: 'HR', name: 'Hour', 'allowable-precision': 2, active: true });
  c('uoms', { code: 'BOX', name: 'Box', 'allowable-precision': 0, active: true });
  for (const name of ['Software', 'Consulting Services', 'Hardware', 'Facilities']) c('commodities', { name, active: true, category: name === 'Consulting Services' ? 'services' : 'goods' });
  for (const days of [30, 45, 60]) {
    c('payment_terms', {
      code: `Net ${days}`,
      description: `Net ${days} days`,
      type: 'DaysAfterNetPaymentTerm',
      'days-for-net-payment': days,
      'days-for-discount-payment': 0,
      'discount-rate': 0,
      active: true,
    });
  }
  for (const name of ['Sales', 'Marketing', 'IT', 'Finance', 'Operations']) c('departments', { name, active: true });
  const usd = emu.findBy('currencies', { code: 'USD' })!.id;
  c('account_types', { name: 'Chart of Accounts', currency: usd, active: true });
  const year = new Date(emu.now()).getUTCFullYear();
  for (const y of [year - 1, year, year + 1]) {
    for (let q = 0; q < 4; q++) {
      c('periods', {
        name: `FY${y}-Q${q + 1}`,
        'start-date': Date.UTC(y, q * 3, 1),
        'end-date': Date.UTC(y, q * 3 + 3, 1) - 1000,
        'is-open': true,
        'account-type': 1,
      });
    }
  }
  c('integrations', {
    code: 'SFDC',
    name: 'Salesforce Connector',
    direction: 'from_coupa',
    'end-system': 'Salesforce',
    'end-system-type': 'third_party_partner',
    'integration-type': 'api',
    'business-object': 'Mixed',
  });
  for (const code of ['INCORRECT-QUANTITY', 'INCORRECT-PRICE', 'DUPLICATE', 'OTHER']) {
    c('dispute_reasons', { code, description: code.replace('-', ' ').toLowerCase(), 'reason-type': 'dispute' });
  }
  const us = emu.findBy('countries', { code: 'US' })!.id;
  const hq = c('addresses', { name: 'Headquarters', 'location-code': 'HQ', street1: '1 Market St', city: 'San Mateo', state: 'CA', 'postal-code': '94402', country: us, active: true });
  const integration = c('users', { login: 'integration', email: 'integration@example.com', firstname: 'Integration', lastname: 'User', active: true, 'default-currency': usd });
  emu.apiUserId = integration.id;
  // The API user existed before its own audit stamps: point it at itself.
  emu.collection('users').put({ ...integration, 'created-by': integration.id, 'updated-by': integration.id });
  const approver = c('users', { login: 'approver', email: 'approver@example.com', firstname: 'Alex', lastname: 'Approver', active: true, 'default-currency': usd, 'default-address': hq.id });
  c('users', { login: 'jdoe', email: 'jdoe@example.com', firstname: 'Jane', lastname: 'Doe', active: true, manager: approver.id, 'default-currency': usd, 'default-address': hq.id });
  for (const [s1, s2, name] of [
    ['100', '6000', 'Sales - Software'],
    ['200', '6100', 'Marketing - Services'],
    ['300', '6200', 'IT - Hardware'],
  ]) {
    c('accounts', { 'account-type': 1, 'segment-1': s1, 'segment-2': s2, name, active: true });
  }
}

// ---- deterministic bulk generator ----------------------------------------------------------------------------

function mulberry32(a: number): () => number {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function rngFor(seed: number, salt: number, id: number): () => number {
  let h = (seed ^ Math.imul(salt, 0x9e3779b1) ^ Math.imul(id, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return mulberry32(h);
}

const ADJ = ['Acme', 'Global', 'Northwind', 'Contoso', 'Blue Ridge', 'Summit', 'Pioneer', 'Evergreen', 'Atlas', 'Vertex', 'Harbor', 'Silverline'];
const NOUN = ['Industrial', 'Logistics', 'Software', 'Consulting', 'Supply', 'Systems', 'Analytics', 'Facilities', 'Networks', 'Labs'];
const SUFFIX = ['Inc.', 'LLC', 'Ltd', 'GmbH', 'Corp.', 'SA'];
const FIRST = ['Ana', 'Ben', 'Chen', 'Dana', 'Eli', 'Fatima', 'Gus', 'Hana', 'Ivan', 'Jo', 'Kai', 'Lena', 'Mo', 'Nia', 'Omar', 'Pia'];
const LAST = ['Smith', 'Garcia', 'Nguyen', 'Muller', 'Rossi', 'Kim', 'Okafor', 'Silva', 'Dubois', 'Tanaka', 'Novak', 'Haddad'];
const ITEMS = ['Annual software subscription', 'Consulting hours', 'Laptop', 'Office supplies', 'Cloud hosting', 'Support renewal', 'Training', 'Monitors'];

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)];
const money = (r: () => number, max: number) => Math.round(r() * max * 100) / 100 + 1;
const DEFAULT_FROM = Date.UTC(2025, 0, 1);
const DAY = 86_400_000;

export interface SeedCounts {
  users: number;
  suppliers: number;
  contracts: number;
  requisitions: number;
  purchase_orders: number;
  invoices: number;
  budget_lines: number;
  /** One Supplier Risk feed row per generated supplier (not part of the size split). */
  supplier_risk_aware_feed: number;
}

/** Splits a total record count across the resources (every resource gets at least one; none when size is 0). */
export function seedCounts(size: number): SeedCounts {
  const part = (f: number) => (size > 0 ? Math.max(1, Math.floor(size * f)) : 0);
  return {
    users: part(0.04),
    suppliers: part(0.1),
    contracts: part(0.05),
    requisitions: part(0.25),
    purchase_orders: part(0.25),
    invoices: part(0.27),
    budget_lines: part(0.04),
    supplier_risk_aware_feed: part(0.1),
  };
}

/**
 * Adds `size` generated records on top of the base data. Rows are virtual: each is computed from (seed, id) when
 * read, so 1,000,000 records cost no memory until written. Ids of generated rows follow the base rows.
 */
export function seedBulk(emu: Emulator, size: number, seed = 1, from?: string): SeedCounts {
  const BASE = from ? Date.parse(`${from.slice(0, 10)}T00:00:00Z`) : DEFAULT_FROM;
  if (Number.isNaN(BASE)) throw new Error(`seed: from must be a date (YYYY-MM-DD), got ${from}`);
  const counts = seedCounts(size);
  // seed 0: an empty company (base data only), not one generated row of each kind.
  if (size <= 0) return counts;
  const ref = (name: string) => {
    const ids: number[] = [];
    for (const r of emu.collection(name).scan()) ids.push(r.id);
    return ids;
  };
  const currencies = ref('currencies').slice(0, 3);
  const accountIds = ref('accounts');
  const termIds = ref('payment_terms');
  const periodIds = ref('periods');
  const hq = emu.findBy('addresses', { name: 'Headquarters' })!.id;
  const api = emu.apiUserId ?? null;
  const usersStart = emu.collection('users').newId();
  const span = (name: string, count: number) => {
    const first = emu.collection(name).newId();
    return { first, last: first + count - 1 };
  };
  const U = { first: usersStart, last: usersStart + counts.users - 1 };
  const S = span('suppliers', counts.suppliers);
  const C = span('contracts', counts.contracts);
  const R = span('requisitions', counts.requisitions);
  const P = span('purchase_orders', counts.purchase_orders);
  const I = span('invoices', counts.invoices);
  const B = span('budget_lines', counts.budget_lines);
  const F = span('supplier_risk_aware_feed', counts.supplier_risk_aware_feed);
  const anyOf = (r: () => number, s: { first: number; last: number }) => s.first + Math.floor(r() * (s.last - s.first + 1));
  const stamps = (r: () => number) => {
    const created = BASE + Math.floor(r() * 365 * DAY);
    return { 'created-at': created, 'updated-at': created + Math.floor(r() * 30 * DAY), 'created-by': api, 'updated-by': api };
  };
  const virtual = (name: string, s: { first: number; last: number }, salt: number, gen: (id: number, r: () => number) => Rec) => {
    emu.collection(name).setVirtual(s.last, (id) => (id < s.first ? (undefined as unknown as Rec) : gen(id, rngFor(seed, salt, id))));
  };
  // Generated rows sit above the base rows; ids below `first` are the base rows held in the overlay.
  virtual('users', U, 1, (id, r) => {
    const first = pick(r, FIRST);
    const last = pick(r, LAST);
    return {
      id, login: `user${id}`, email: `user${id}@example.com`, firstname: first, lastname: last, fullname: `${first} ${last}`,
      active: r() > 0.05, 'employee-number': `E${100000 + id}`, 'salesforce-id': null, 'purchasing-user': true, 'api-user': false,
      manager: null, 'default-currency': currencies[0], 'default-address': hq, department: null, ...stamps(r),
    };
  });
  virtual('suppliers', S, 2, (id, r) => ({
    id, name: `${pick(r, ADJ)} ${pick(r, NOUN)} ${pick(r, SUFFIX)} ${id}`, 'display-name': null, number: `S${String(id).padStart(7, '0')}`,
    status: r() < 0.85 ? 'active' : r() < 0.5 ? 'inactive' : 'draft', 'po-method': 'email', 'po-email': `orders${id}@supplier.example`,
    'payment-method': 'invoice', 'invoice-matching-level': '3-way', 'tax-id': `${10 + Math.floor(r() * 89)}-${1000000 + Math.floor(r() * 8999999)}`,
    duns: String(100000000 + Math.floor(r() * 899999999)), 'account-number': null, website: `https://supplier${id}.example`, 'one-time-supplier': false,
    'payment-term': pick(r, termIds), commodity: null, 'custom-fields': {}, 'remit-to-addresses': [], ...stamps(r),
  }));
  virtual('contracts', C, 3, (id, r) => {
    const start = BASE + Math.floor(r() * 365 * DAY);
    return {
      id, name: `Contract ${id}`, number: `CTR-${id}`, status: pick(r, ['draft', 'published', 'published', 'inactive']),
      supplier: anyOf(r, S), currency: currencies[0], 'start-date': start, 'end-date': start + 365 * DAY, 'term-type': 'fixed',
      'published-date': null, version: 1, type: 'MasterContract', 'max-commit': money(r, 500000), 'contract-owner': null,
      'custom-fields': {}, 'contract-terms': [], ...stamps(r),
    };
  });
  const reqLines = (id: number, r: () => number, supplier: number, status: string) =>
    Array.from({ length: 1 + Math.floor(r() * 3) }, (_, k) => {
      const qty = 1 + Math.floor(r() * 20);
      const price = money(r, 2000);
      return {
        id: id * 1000 + k, 'line-num': k + 1, 'line-type': 'RequisitionQuantityLine', description: pick(r, ITEMS), quantity: qty,
        'unit-price': price, total: Math.round(qty * price * 100) / 100, currency: currencies[0], supplier, account: pick(r, accountIds),
        uom: 1, status, 'order-line-id': status === 'ordered' ? id * 1000 + k : null,
      };
    });
  virtual('requisitions', R, 4, (id, r) => {
    const offsetIntoPo = id - R.first;
    const ordered = offsetIntoPo < counts.purchase_orders;
    const poId = P.first + offsetIntoPo;
    const status = ordered ? 'ordered' : pick(r, ['draft', 'pending_approval', 'approved']);
    const supplier = anyOf(r, S);
    const lines = reqLines(ordered ? poId : id, r, supplier, status);
    const requester = anyOf(r, U);
    return {
      id, status, 'requested-by': requester, requester, 'ship-to-address': hq, department: null, justification: null,
      'need-by-date': null, 'req-title': null, 'submitted-at': null, 'requisition-lines': lines, 'line-count': lines.length,
      total: Math.round(lines.reduce((s, l) => s + l.total, 0) * 100) / 100, currency: 'USD', exported: r() < 0.5,
      'last-exported-at': null, 'custom-fields': {}, ...stamps(r),
    };
  });
  virtual('purchase_orders', P, 5, (id, r) => {
    const reqId = R.first + (id - P.first);
    const req = reqId <= R.last ? emu.collection('requisitions').get(reqId) : undefined;
    const supplier = req ? (req['requisition-lines'] as Rec[])[0].supplier : anyOf(r, S);
    const lines = ((req?.['requisition-lines'] as Rec[]) ?? reqLines(id, r, supplier, 'ordered')).map((l) => ({
      id: id * 1000 + (l['line-num'] - 1), 'line-num': String(l['line-num']), description: l.description, price: l['unit-price'],
      quantity: l.quantity, total: l.total, account: l.account, currency: l.currency, supplier, uom: l.uom, status: 'created',
      'order-header-id': id, 'order-header-number': String(id), 'requisition-line-id': String(l.id), version: 1, received: '0.0', invoiced: 0,
      type: 'OrderQuantityLine',
    }));
    return {
      id, 'po-number': String(id), type: null, status: pick(r, ['issued', 'issued', 'issued', 'closed', 'cancelled']), version: 1,
      'internal-revision': 1, 'transmission-status': 'sent_via_email', 'acknowledged-flag': false, supplier, 'ship-to-address': hq,
      'ship-to-user': req?.['requested-by'] ?? anyOf(r, U), requester: req?.['requested-by'] ?? null, 'requisition-header': req ? reqId : null,
      currency: currencies[0], 'payment-term': pick(r, termIds), exported: r() < 0.5, 'last-exported-at': null, 'custom-fields': {},
      'order-lines': lines, ...(req ? { 'created-at': req['updated-at'], 'updated-at': req['updated-at'] + Math.floor(r() * DAY), 'created-by': api, 'updated-by': api } : stamps(r)),
    };
  });
  virtual('invoices', I, 6, (id, r) => {
    const poId = anyOf(r, P);
    const po = emu.collection('purchase_orders').get(poId)!;
    const lines = (po['order-lines'] as Rec[]).map((ol, k) => ({
      id: id * 1000 + k, 'line-num': k + 1, type: 'InvoiceQuantityLine', description: ol.description, price: ol.price, quantity: ol.quantity,
      total: ol.total, account: ol.account, currency: ol.currency, 'order-line-id': ol.id, 'po-number': po['po-number'],
      'order-header-num': po['po-number'], 'order-line-num': ol['line-num'], status: 'approved',
    }));
    const gross = Math.round(lines.reduce((s, l) => s + l.total, 0) * 100) / 100;
    const status = pick(r, ['approved', 'approved', 'approved', 'pending_approval', 'draft', 'disputed', 'voided']);
    const paid = status === 'approved' && r() < 0.5;
    const st = stamps(r);
    const invoiceDate = st['created-at'] - (st['created-at'] % DAY);
    // As Coupa does: the PO's payment term, and the net due date it gives.
    const term = emu.collection('payment_terms').get(po['payment-term']);
    const due = term ? invoiceDate + Number(term['days-for-net-payment'] ?? 0) * DAY : null;
    return {
      id, 'invoice-number': `INV-${id}`, 'invoice-date': invoiceDate, 'payment-term': term ? term.id : null, 'net-due-date': due, status, supplier: po.supplier,
      currency: currencies[0], 'line-level-taxation': false, paid, 'payment-date': paid ? st['updated-at'] : null, 'payment-notes': null,
      'tax-amount': 0, 'shipping-amount': 0, 'handling-amount': 0, 'misc-amount': 0, comments: null, 'gross-total': gross,
      'total-with-taxes': gross, 'amount-due': gross, 'line-count': String(lines.length), 'document-type': 'Invoice',
      'invoice-lines': lines.map((l) => ({ ...l, status })), payments: paid ? [{ id: id * 1000, 'amount-paid': gross, 'payment-date': st['updated-at'], 'payable-type': 'InvoiceHeader', 'payable-id': id, notes: null, 'check-number': `CHK${id}` }] : [],
      exported: r() < 0.5, 'last-exported-at': null, 'custom-fields': {}, ...st,
    };
  });
  virtual('budget_lines', B, 7, (id, r) => {
    const acct = emu.collection('accounts').get(pick(r, accountIds))!;
    return {
      id, period: pick(r, periodIds), amount: Math.round(r() * 1_000_000), currency: currencies[0], description: `Budget ${id}`,
      notes: null, owner: null, 'segment-1': acct['segment-1'], 'segment-2': acct['segment-2'], '$adjustments': [], ...stamps(r),
    };
  });
  // Risk scores 0–100 (higher is riskier): 01 overall, 02 financial, 03 operational, 04 compliance, 05 cyber.
  virtual('supplier_risk_aware_feed', F, 8, (id, r) => {
    const supplier = S.first + (id - F.first);
    const { 'created-at': created, 'updated-at': updated } = stamps(r);
    const at = { 'created-at': created, 'updated-at': updated };
    const overall = Math.round(Math.min(100, Math.max(0, 15 + r() * 60 + (r() < 0.15 ? 25 : 0))) * 10) / 10;
    const around = () => Math.round(Math.min(100, Math.max(0, overall + (r() - 0.5) * 30)) * 10) / 10;
    return {
      id, supplier, 'supplier-id': supplier, 'number-field-01': overall, 'number-field-02': around(), 'number-field-03': around(),
      'number-field-04': around(), 'number-field-05': around(), 'number-field-06': null, 'number-field-07': null, 'number-field-08': null,
      'number-field-09': null, 'number-field-10': null, ...at,
    };
  });
  for (const [seq, s] of [
    ['RequisitionLine', P.last > R.last ? P : R],
    ['OrderLine', P],
    ['InvoiceLine', I],
    ['Payment', I],
  ] as const) {
    emu.store.setSeqFloor(seq, (Math.max(s.last, R.last, P.last, I.last) + 1) * 1000);
  }
  return counts;
}

/** A JSON seed file: {"suppliers": [{…input…}], "requisitions": [...]} created in dependency order. */
export function seedFile(emu: Emulator, file: string): void {
  const data = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, Record<string, unknown>[]>;
  const order = emu.allResources().map((r) => r.name);
  for (const name of order) {
    for (const input of data[name] ?? []) emu.create(name, dashKeys(input) as Record<string, unknown>, { system: true });
  }
}
