import type { Emulator } from '../emulator';
import { badRequest } from '../errors';
import type { Rec } from '../store';
import { accountRef, addressRef, audit, commodityRef, currencyRef, paymentTermRef, supplierRef, uomRef, userRef } from './common';
import type { ResourceDef } from './types';

/** Fields whose change is supplier-facing: a new supplier version, which resets `exported`. */
const SUPPLIER_FACING = ['order-lines', 'ship-to-address', 'ship-to-attention', 'payment-term', 'shipping-term', 'supplier', 'currency'];

function transition(from: string[], to: string, verb: string) {
  return {
    method: 'PUT' as const,
    scope: 'core.purchase_order.write',
    run: ({ emu }: { emu: Emulator }, rec: Rec | undefined) => {
      if (!from.includes(rec!.status)) throw badRequest('order_header', `Cannot ${verb} a purchase order in status ${rec!.status}`);
      const doc = structuredClone(rec!);
      doc.status = to;
      if (to === 'cancelled') doc['order-lines'] = (doc['order-lines'] as Rec[]).map((l) => ({ ...l, status: 'cancelled' }));
      return emu.save('purchase_orders', doc);
    },
  };
}

const orderLineAssociations = {
  ...audit,
  account: accountRef,
  currency: currencyRef,
  supplier: supplierRef,
  uom: uomRef,
  commodity: commodityRef,
};

/** GET /purchase_order_lines: a read-only view over the lines embedded in purchase orders. */
export const purchaseOrderLines: ResourceDef = {
  name: 'purchase_order_lines',
  def: 'OrderLine',
  errorKey: 'order_line',
  modelName: 'OrderLine',
  naturalKeys: ['line-num'],
  scopes: { read: 'core.purchase_order.read', write: 'core.purchase_order.write' },
  routes: { list: true, show: true },
  associations: orderLineAssociations,
};

export function orderLinesView(emu: Emulator) {
  return {
    get(id: number): Rec | undefined {
      const poId = emu.orderLineIndex.get(id) ?? Math.floor(id / 1000);
      const po = emu.collection('purchase_orders').get(poId);
      return (po?.['order-lines'] as Rec[] | undefined)?.find((l) => l.id === id);
    },
    *scan(): Generator<Rec> {
      for (const po of emu.collection('purchase_orders').scan()) yield* po['order-lines'] as Rec[];
    },
  };
}

export const purchaseOrders: ResourceDef = {
  name: 'purchase_orders',
  def: 'OrderHeader',
  errorKey: 'order_header',
  modelName: 'OrderHeader',
  naturalKeys: ['po-number'],
  scopes: { read: 'core.purchase_order.read', write: 'core.purchase_order.write' },
  routes: { list: true, show: true, create: true, update: true },
  customFields: true,
  exportable: true,
  associations: {
    ...audit,
    supplier: supplierRef,
    'ship-to-address': addressRef,
    'ship-to-user': userRef,
    requester: userRef,
    currency: currencyRef,
    'payment-term': paymentTermRef,
    'requisition-header': { resource: 'requisitions', keys: [] },
  },
  embeds: {
    'order-lines': {
      def: 'OrderLine',
      many: true,
      deletable: true,
      associations: orderLineAssociations,
      required: ['description', 'price', 'currency'],
    },
  },
  // POST is only for external POs ("Do not use for Coupa-based POs").
  required: ['po-number', 'supplier', 'ship-to-address', 'ship-to-user'],
  unique: ['po-number'],
  defaults: () => ({
    type: 'ExternalOrderHeader',
    status: 'issued',
    version: 1,
    'internal-revision': 1,
    'transmission-status': 'sent_manually',
    'acknowledged-flag': false,
    'order-lines': [],
  }),
  canUpdate: (_emu, rec) => (['cancelled'].includes(rec.status) ? `Purchase order cannot be changed in status ${rec.status}` : undefined),
  beforeSave(emu, rec, prev, errors, input) {
    const lines = rec['order-lines'] as Rec[];
    if (!lines.length) errors.push('Order lines must have at least one line');
    lines.forEach((line, i) => {
      if (line['line-num'] === undefined || line['line-num'] === null) line['line-num'] = String(i + 1);
      line.total = Math.round(Number(line.quantity ?? 1) * Number(line.price ?? 0) * 100) / 100;
      line['order-header-id'] = rec.id;
      line['order-header-number'] = rec['po-number'];
      line.status = line.status ?? 'created';
      line.version = line.version ?? rec.version;
      line.supplier = line.supplier ?? rec.supplier;
      line.received = line.received ?? '0.0';
      line.invoiced = line.invoiced ?? 0;
      emu.orderLineIndex.set(line.id, rec.id);
    });
    if (prev && SUPPLIER_FACING.some((f) => f in input)) {
      rec.version = (prev.version ?? 1) + 1;
      rec.exported = false;
    }
  },
  memberActions: {
    cancel: transition(['issued', 'buyer_hold', 'supplier_hold', 'currency_hold', 'supplier_window_hold', 'draft'], 'cancelled', 'cancel'),
    close: transition(['issued'], 'closed', 'close'),
    reopen: transition(['closed'], 'issued', 'reopen'),
    release_from_buyer_hold: transition(['buyer_hold'], 'issued', 'release from buyer hold'),
    issue: transition(['draft', 'buyer_hold'], 'issued', 'issue'),
    issue_without_send: transition(['draft', 'buyer_hold'], 'issued', 'issue'),
  },
};

/** Approved requisition → one issued PO per supplier; the requisition becomes `ordered`. */
export function createPurchaseOrdersFor(emu: Emulator, req: Rec): Rec[] {
  const bySupplier = new Map<number, Rec[]>();
  for (const line of req['requisition-lines'] as Rec[]) {
    const list = bySupplier.get(line.supplier) ?? [];
    list.push(line);
    bySupplier.set(line.supplier, list);
  }
  const coll = emu.collection('purchase_orders');
  const created: Rec[] = [];
  const reqLines = structuredClone(req['requisition-lines'] as Rec[]);
  let n = 0;
  for (const [supplierId, lines] of bySupplier) {
    const supplier = emu.collection('suppliers').get(supplierId);
    const id = coll.newId();
    const poNumber = req['external-po-reference'] ? `${req['external-po-reference']}${n ? `-${n}` : ''}` : String(id);
    n++;
    const now = emu.now();
    const po: Rec = {
      id,
      'po-number': poNumber,
      type: null,
      status: supplier?.['buyer-hold'] ? 'buyer_hold' : 'issued',
      version: 1,
      'internal-revision': 1,
      'transmission-status': supplier?.['po-method'] === 'email' ? 'sent_via_email' : supplier?.['po-method'] === 'cxml' ? 'sent_via_cxml' : 'sent_manually',
      'acknowledged-flag': false,
      supplier: supplierId,
      'ship-to-address': req['ship-to-address'],
      'ship-to-user': req['requested-by'],
      requester: req['requested-by'],
      'requisition-header': req.id,
      currency: lines[0].currency,
      'payment-term': supplier?.['payment-term'] ?? null,
      exported: false,
      'last-exported-at': null,
      'custom-fields': {},
      'created-at': now,
      'updated-at': now,
      'created-by': emu.apiUserId ?? null,
      'updated-by': emu.apiUserId ?? null,
      'order-lines': lines.map((l) => {
        const lineId = emu.store.nextSeq('OrderLine');
        const rl = reqLines.find((x) => x.id === l.id)!;
        rl['order-line-id'] = lineId;
        rl.status = 'ordered';
        emu.orderLineIndex.set(lineId, id);
        return {
          id: lineId,
          'line-num': String(l['line-num']),
          description: l.description,
          price: l['unit-price'] ?? 0,
          quantity: l.quantity ?? null,
          total: l.total,
          account: l.account ?? null,
          currency: l.currency,
          supplier: supplierId,
          uom: l.uom ?? null,
          commodity: l.commodity ?? null,
          'need-by-date': l['need-by-date'] ?? null,
          'requisition-line-id': String(l.id),
          'order-header-id': id,
          'order-header-number': poNumber,
          status: 'created',
          version: 1,
          received: '0.0',
          invoiced: 0,
          type: l['line-type'] === 'RequisitionAmountLine' ? 'OrderAmountLine' : 'OrderQuantityLine',
          'created-at': now,
          'updated-at': now,
        };
      }),
    };
    coll.put(po);
    created.push(po);
  }
  emu.save('requisitions', { ...structuredClone(req), status: 'ordered', 'requisition-lines': reqLines });
  return created;
}
