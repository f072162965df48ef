import type { Emulator } from '../emulator';
import { badRequest, CoupaError } from '../errors';
import type { Rec } from '../store';
import { approvalFields, startApprovals } from './approvals';
import { accountRef, addressRef, audit, commodityRef, currencyRef, departmentRef, paymentTermRef, supplierRef, uomRef, userRef } from './common';
import { createPurchaseOrdersFor } from './purchase-orders';
import type { ActionContext, ActionDef, ResourceDef } from './types';

export const REQUISITION_STATUSES = [
  'draft',
  'cart',
  'pending_buyer_action',
  'pending_approval',
  'approved',
  'ordered',
  'partially_received',
  'received',
  'abandoned',
  'backgrounded',
  'withdrawn',
];
const EDITABLE = ['draft', 'cart', 'withdrawn', 'pending_buyer_action'];
const SUBMITTABLE = ['draft', 'cart', 'withdrawn'];

const createAndSubmit: ActionDef = {
  method: 'POST',
  scope: 'core.requisition.write',
  status: 201,
  run: ({ emu, body }) => submit(emu, emu.create('requisitions', body)),
};

export const requisitions: ResourceDef = {
  name: 'requisitions',
  def: 'RequisitionHeader',
  errorKey: 'requisition_header',
  modelName: 'RequisitionHeader',
  naturalKeys: [],
  approvableType: 'RequisitionHeader',
  scopes: { read: 'core.requisition.read', write: 'core.requisition.write' },
  routes: { list: true, show: true, create: true, update: true, delete: true },
  customFields: true,
  exportable: true,
  associations: {
    ...audit,
    'requested-by': userRef,
    requester: userRef,
    'ship-to-address': addressRef,
    department: departmentRef,
  },
  // `requester` is the documented input name; output carries `requested-by`.
  inputAliases: { requester: 'requested-by' },
  embeds: {
    'requisition-lines': {
      def: 'RequisitionLine',
      many: true,
      deletable: true,
      associations: {
        ...audit,
        currency: currencyRef,
        supplier: supplierRef,
        account: accountRef,
        uom: uomRef,
        commodity: commodityRef,
        'payment-term': paymentTermRef,
      },
      required: ['description', 'currency'],
    },
  },
  required: ['requested-by'],
  defaults: () => ({
    status: 'draft',
    justification: null,
    'need-by-date': null,
    'req-title': null,
    'submitted-at': null,
    'ship-to-address': null,
    department: null,
    'requisition-lines': [],
  }),
  canUpdate: (_emu, rec) => (EDITABLE.includes(rec.status) ? undefined : `Requisition cannot be edited in status ${rec.status}`),
  canDelete: (_emu, rec) => (['draft', 'cart'].includes(rec.status) ? undefined : `Requisition cannot be deleted in status ${rec.status}`),
  beforeSave(emu, rec, _prev, errors) {
    const lines = rec['requisition-lines'] as Rec[];
    // "duplicate line-num → other lines with that number ignored": keep the first of each number.
    const seen = new Set<number>();
    const kept: Rec[] = [];
    let next = 1;
    for (const line of lines) {
      if (line['line-num'] === undefined || line['line-num'] === null) {
        while (seen.has(next)) next++;
        line['line-num'] = next;
      }
      if (seen.has(line['line-num'])) continue;
      seen.add(line['line-num']);
      line['line-type'] = line['line-type'] ?? 'RequisitionQuantityLine';
      if (line['line-type'] === 'RequisitionQuantityLine') {
        if (line.quantity === undefined || line.quantity === null) errors.push("Quantity can't be blank");
        line.total = round2(Number(line.quantity ?? 0) * Number(line['unit-price'] ?? 0));
      } else {
        line.total = round2(Number(line['unit-price'] ?? 0));
      }
      line.status = line.status ?? rec.status;
      kept.push(line);
    }
    rec['requisition-lines'] = kept;
    rec['line-count'] = kept.length;
    rec.total = round2(kept.reduce((s, l) => s + Number(l.total ?? 0), 0));
    const first = kept.find((l) => l.currency);
    const currency = first ? emu.collection('currencies').get(first.currency) : undefined;
    rec.currency = currency?.code ?? null;
    rec.requester = rec['requested-by'];
  },
  computed: (emu, rec) => approvalFields(emu, rec),
  collectionActions: {
    // Create and submit in one call: the Swagger path, and the path Coupa's prose docs give
    // ("POST /api/requisitions/new/submit_for_approval"); both answer the same.
    submit_for_approval: createAndSubmit,
    'new/submit_for_approval': createAndSubmit,
    create_as_cart: {
      method: 'POST',
      scope: 'core.requisition.write',
      status: 201,
      run: ({ emu, body }) => {
        const rec = emu.create('requisitions', body);
        return emu.save('requisitions', { ...structuredClone(rec), status: 'cart' });
      },
    },
  },
  memberActions: {
    update_and_submit_for_approval: {
      method: 'PUT',
      scope: 'core.requisition.write',
      run: ({ emu, body }: ActionContext, rec) => {
        if (!SUBMITTABLE.includes(rec!.status)) throw badRequest('requisition_header', `Requisition cannot be submitted in status ${rec!.status}`);
        const updated = Object.keys(body).length ? emu.update('requisitions', rec!.id, body) : rec!;
        return submit(emu, updated);
      },
    },
    save_for_later: {
      method: 'PUT',
      scope: 'core.requisition.write',
      run: ({ emu, body }, rec) => {
        if (!EDITABLE.includes(rec!.status)) throw badRequest('requisition_header', `Requisition cannot be saved in status ${rec!.status}`);
        const updated = Object.keys(body).length ? emu.update('requisitions', rec!.id, body) : rec!;
        return emu.save('requisitions', { ...structuredClone(updated), status: 'draft' });
      },
    },
  },
  onApproved(emu, rec) {
    rec.status = 'approved';
    setLineStatus(rec, 'approved');
    emu.save('requisitions', rec);
    createPurchaseOrdersFor(emu, emu.collection('requisitions').get(rec.id)!);
  },
  onRejected(emu, rec, reason) {
    // The status enum has no "rejected": a rejected requisition returns to draft with the reason.
    rec.status = 'draft';
    rec['reject-reason-comment'] = reason ?? null;
    setLineStatus(rec, 'draft');
    emu.save('requisitions', rec);
  },
};

function setLineStatus(rec: Rec, status: string): void {
  rec['requisition-lines'] = (rec['requisition-lines'] as Rec[]).map((l) => ({ ...l, status }));
}

/** Submit: needs ≥1 line and a ship-to address; lines without supplier need buyer action. */
export function submit(emu: Emulator, rec: Rec): Rec {
  const doc = structuredClone(rec);
  const errors: string[] = [];
  if (!(doc['requisition-lines'] as Rec[]).length) errors.push('Requisition must have at least one line to be submitted');
  if (!doc['ship-to-address']) errors.push("Ship to address can't be blank");
  if (errors.length) throw new CoupaError(400, 'requisition_header', errors);
  doc['submitted-at'] = emu.now();
  doc['reject-reason-comment'] = null;
  if ((doc['requisition-lines'] as Rec[]).some((l) => !l.supplier)) {
    doc.status = 'pending_buyer_action';
    setLineStatus(doc, 'pending_buyer_action');
    return emu.save('requisitions', doc);
  }
  doc.status = 'pending_approval';
  setLineStatus(doc, 'pending_approval');
  return startApprovals(emu, 'requisitions', doc, doc['requested-by']);
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
