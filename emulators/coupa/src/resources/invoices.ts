import type { Emulator } from '../emulator';
import { badRequest, CoupaError } from '../errors';
import type { Rec } from '../store';
import { approvalFields, startApprovals, withdrawOpenApprovals } from './approvals';
import { accountRef, addressRef, audit, currencyRef, paymentTermRef, supplierRef, uomRef, userRef } from './common';
import type { ActionDef, ResourceDef } from './types';

const WRITE = 'core.invoice.write';
const DELETE = 'core.invoice.delete';

function action(from: string[], verb: string, scope: string | string[], apply: (emu: Emulator, doc: Rec, body: Record<string, unknown>) => Rec): ActionDef {
  return {
    method: 'PUT',
    scope,
    run: ({ emu, body }, rec) => {
      if (!from.includes(rec!.status)) throw badRequest('invoice_header', `Cannot ${verb} an invoice in status ${rec!.status}`);
      return apply(emu, structuredClone(rec!), body);
    },
  };
}

export const invoices: ResourceDef = {
  name: 'invoices',
  def: 'InvoiceHeader',
  errorKey: 'invoice_header',
  modelName: 'InvoiceHeader',
  naturalKeys: ['invoice-number'],
  approvableType: 'InvoiceHeader',
  // "POST /api/invoices … Creates an invoice in draft status" is documented but absent from every Swagger.
  scopes: { read: 'core.invoice.read', write: WRITE, create: ['core.invoice.create', WRITE], delete: DELETE },
  routes: { list: true, show: true, create: true, update: true, delete: true },
  customFields: true,
  exportable: true,
  associations: {
    ...audit,
    supplier: supplierRef,
    currency: currencyRef,
    'ship-to-address': addressRef,
    'bill-to-address': addressRef,
    'payment-term': paymentTermRef,
    'requested-by': userRef,
  },
  embeds: {
    'invoice-lines': {
      def: 'InvoiceLine',
      many: true,
      deletable: true,
      associations: { ...audit, account: accountRef, currency: currencyRef, uom: uomRef },
      required: ['description', 'price'],
    },
    payments: {
      def: 'Payment',
      many: true,
      wrapper: 'payment',
      appendOnly: true,
      associations: { ...audit },
      required: ['amount-paid'],
    },
  },
  required: ['invoice-number', 'invoice-date', 'supplier', 'currency'],
  defaults: () => ({
    status: 'draft',
    'line-level-taxation': false,
    paid: false,
    'payment-date': null,
    'payment-notes': null,
    'tax-amount': 0,
    'shipping-amount': 0,
    'handling-amount': 0,
    'misc-amount': 0,
    comments: null,
    'invoice-lines': [],
    payments: [],
  }),
  canUpdate(_emu, rec, input) {
    // Custom-field write-backs are allowed in any status; payments only on approved invoices; other edits
    // only while the invoice is still editable.
    const paymentKeys = ['payments', 'paid', 'payment-date', 'payment-notes'];
    const keys = Object.keys(input);
    const paymentOrCustom = keys.length > 0 && keys.every((k) => paymentKeys.includes(k) || k === 'custom-fields');
    if (paymentOrCustom) {
      if (!keys.some((k) => paymentKeys.includes(k))) return undefined;
      return rec.status === 'approved' ? undefined : `Payments can only be recorded on approved invoices (status ${rec.status})`;
    }
    if (['draft', 'new', 'ap_hold', 'on_hold', 'disputed'].includes(rec.status)) return undefined;
    return `Invoice cannot be edited in status ${rec.status}`;
  },
  canDelete: (_emu, rec) => (rec.status === 'new' ? undefined : 'Only invoices in status new can be deleted'),
  beforeSave(emu, rec, prev, errors) {
    // Invoice numbers are unique per supplier.
    if (rec['invoice-number'] && rec.supplier) {
      for (const other of emu.collection('invoices').scan()) {
        if (other.id !== rec.id && other.supplier === rec.supplier && other['invoice-number'] === rec['invoice-number'] && other.status !== 'voided') {
          errors.push('Invoice number has already been used for this supplier');
          break;
        }
      }
    }
    let net = 0;
    (rec['invoice-lines'] as Rec[]).forEach((line, i) => {
      if (line['line-num'] === undefined || line['line-num'] === null) line['line-num'] = i + 1;
      line.type = line.type ?? 'InvoiceQuantityLine';
      line.total = Math.round((line.type === 'InvoiceAmountLine' ? Number(line.price ?? 0) : Number(line.quantity ?? 1) * Number(line.price ?? 0)) * 100) / 100;
      if (line['order-line-id']) {
        const poId = emu.orderLineIndex.get(line['order-line-id']) ?? Math.floor(line['order-line-id'] / 1000);
        const po = poId ? emu.collection('purchase_orders').get(poId) : undefined;
        const ol = po && (po['order-lines'] as Rec[]).find((l) => l.id === line['order-line-id']);
        if (!ol) errors.push(`Unable to find valid OrderLine record for order_line_id ${line['order-line-id']}`);
        else {
          line['po-number'] = po!['po-number'];
          line['order-header-num'] = po!['po-number'];
          line['order-line-num'] = ol['line-num'];
        }
      }
      line.status = rec.status;
      net += line.total;
    });
    const extras = ['tax-amount', 'shipping-amount', 'handling-amount', 'misc-amount'].reduce((s, k) => s + Number(rec[k] ?? 0), 0);
    rec['gross-total'] = Math.round((net + extras) * 100) / 100;
    rec['total-with-taxes'] = rec['gross-total'];
    const paidSoFar = (rec.payments as Rec[]).reduce((sum, p) => sum + Number(p['amount-paid'] ?? 0), 0);
    rec['amount-due'] = Math.round((rec['gross-total'] - paidSoFar) * 100) / 100;
    // Payment term defaults from the supplier; net-due-date = invoice-date + the term's net days.
    if (!prev && !rec['payment-term'] && rec.supplier) rec['payment-term'] = emu.collection('suppliers').get(rec.supplier)?.['payment-term'] ?? null;
    const term = rec['payment-term'] ? emu.collection('payment_terms').get(rec['payment-term']) : undefined;
    rec['net-due-date'] =
      typeof rec['invoice-date'] === 'number' && term ? rec['invoice-date'] + Number(term['days-for-net-payment'] ?? 0) * 86_400_000 : null;
    rec['line-count'] = String((rec['invoice-lines'] as Rec[]).length);
    rec['document-type'] = rec['is-credit-note'] ? 'Credit Note' : 'Invoice';
    const newPayments = (rec.payments as Rec[]).filter((p) => !(prev?.payments as Rec[] | undefined)?.some((q) => q.id === p.id));
    for (const p of newPayments) {
      p['payable-type'] = p['payable-type'] ?? 'InvoiceHeader';
      p['payable-id'] = p['payable-id'] ?? rec.id;
    }
  },
  computed: (emu, rec) => ({ ...approvalFields(emu, rec), 'dispute-reasons': disputeReasonsOf(emu, rec) }),
  memberActions: {
    submit: action(['draft', 'new'], 'submit', [WRITE, 'core.invoice.create'], (emu, doc) => {
      const errors: string[] = [];
      if (!(doc['invoice-lines'] as Rec[]).length) errors.push('Invoice must have at least one line');
      if (errors.length) throw new CoupaError(400, 'invoice_header', errors);
      doc.status = 'pending_approval';
      return startApprovals(emu, 'invoices', doc, doc['requested-by']);
    }),
    // Dispute: reason code must exist and be active.
    dispute: action(['pending_approval', 'approved', 'pending_receipt', 'on_hold', 'ap_hold'], 'dispute', WRITE, (emu, doc, body) => {
      if (fullyPaid(doc)) throw badRequest('invoice_header', 'A paid invoice cannot be disputed');
      const reason = body['dispute-reason'] as Record<string, unknown> | undefined;
      const code = reason?.code;
      const known = emu.findBy('dispute_reasons', { code });
      if (!code || !known || known.active === false) throw badRequest('invoice_header', `Dispute reason '${code ?? ''}' is not a valid active dispute reason code`);
      withdrawOpenApprovals(emu, doc);
      doc.status = 'disputed';
      doc['$dispute-reason'] = code;
      if (body.comment) doc.comments = String(body.comment);
      return emu.save('invoices', doc);
    }),
    withdraw_dispute: action(['disputed'], 'withdraw the dispute of', WRITE, (emu, doc) => {
      doc.status = 'pending_approval';
      doc['$dispute-reason'] = null;
      return startApprovals(emu, 'invoices', doc, doc['requested-by']);
    }),
    void: action(['pending_receipt', 'approved', 'draft'], 'void', DELETE, (emu, doc) => {
      if (doc.paid) throw badRequest('invoice_header', 'A paid invoice cannot be voided');
      doc.status = 'voided';
      return emu.save('invoices', doc);
    }),
    abandon: action(['draft', 'new', 'ap_hold', 'on_hold', 'disputed'], 'abandon', DELETE, (emu, doc) => {
      doc.status = 'abandoned';
      return emu.save('invoices', doc);
    }),
  },
  onApproved(emu, rec) {
    rec.status = 'approved';
    rec['invoice-lines'] = (rec['invoice-lines'] as Rec[]).map((l) => ({ ...l, status: 'approved' }));
    emu.save('invoices', rec);
  },
  onRejected(emu, rec, reason) {
    rec.status = 'rejected';
    if (reason) rec.comments = reason;
    emu.save('invoices', rec);
  },
};

/** Paid in full: flagged `paid`, or payments recorded that cover the gross total. */
function fullyPaid(doc: Rec): boolean {
  if (doc.paid === true) return true;
  return (doc.payments as Rec[]).length > 0 && Number(doc['amount-due'] ?? 0) <= 0;
}

/** The invoice's dispute reason(s), in the Swagger's `dispute-reasons` slot: `[]` unless disputed. */
function disputeReasonsOf(emu: Emulator, rec: Rec): Record<string, unknown>[] {
  const code = rec['$dispute-reason'];
  if (rec.status !== 'disputed' || !code) return [];
  const r = emu.findBy('dispute_reasons', { code });
  return r ? [{ id: r.id, code: r.code, description: r.description ?? null, 'reason-type': r['reason-type'] ?? 'dispute' }] : [];
}

export const disputeReasons: ResourceDef = {
  name: 'dispute_reasons',
  def: 'ReasonInsight',
  errorKey: 'dispute_reason',
  modelName: 'ReasonInsight',
  naturalKeys: ['code'],
  scopes: { read: 'core.invoice.read', write: WRITE },
  routes: {},
};
