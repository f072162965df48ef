import fs from 'fs';
import os from 'os';
import path from 'path';
import { createCoupaEmulator } from './index';
import { renderRecord } from './render';

const snapshot = (size: number, seed: number) => {
  const { emu } = createCoupaEmulator({ seed: { size, seed }, now: '2026-06-01T00:00:00Z' });
  const pick = (resource: string) => {
    const all = [...emu.collection(resource).scan()];
    return all.slice(-3).map((r) => renderRecord(emu, emu.resource(resource), r, 'shallow'));
  };
  return JSON.stringify(['suppliers', 'requisitions', 'purchase_orders', 'invoices', 'contracts'].map(pick));
};

describe('seed generator', () => {
  it('is deterministic for a seed number and differs across seed numbers', () => {
    expect(snapshot(100, 7)).toBe(snapshot(100, 7));
    expect(snapshot(100, 7)).not.toBe(snapshot(100, 8));
  });

  it('splits the size across resources and keeps references consistent', () => {
    const { emu } = createCoupaEmulator({ seed: 200 });
    const invoices = [...emu.collection('invoices').scan()].filter((i) => i['invoice-number'].startsWith('INV-'));
    expect(invoices.length).toBe(54);
    for (const inv of invoices.slice(0, 10)) {
      expect(emu.collection('suppliers').get(inv.supplier)).toBeDefined();
      const line = inv['invoice-lines'][0];
      const po = emu.collection('purchase_orders').get(Math.floor(line['order-line-id'] / 1000))!;
      expect(po['order-lines'].some((l: any) => l.id === line['order-line-id'])).toBe(true);
    }
    const ordered = [...emu.collection('requisitions').scan()].filter((r) => r.status === 'ordered');
    expect(ordered.length).toBeGreaterThan(0);
  });

  it("gives generated invoices their PO's payment term and the net due date it sets, as Coupa does", () => {
    const { emu } = createCoupaEmulator({ seed: 200 });
    const invoices = [...emu.collection('invoices').scan()].filter((i) => i['invoice-number'].startsWith('INV-'));
    for (const inv of invoices) {
      const po = emu.collection('purchase_orders').get(Math.floor(inv['invoice-lines'][0]['order-line-id'] / 1000))!;
      const term = emu.collection('payment_terms').get(po['payment-term'])!;
      expect(inv['payment-term']).toBe(term.id);
      expect(inv['net-due-date']).toBe(inv['invoice-date'] + Number(term['days-for-net-payment']) * 86_400_000);
    }
  });

  it('gives every generated supplier one risk feed row with scores from 0 to 100', () => {
    const { emu } = createCoupaEmulator({ seed: 200 });
    const feed = [...emu.collection('supplier_risk_aware_feed').scan()];
    const suppliers = [...emu.collection('suppliers').scan()].filter((s) => /^S\d{7}$/.test(String(s.number)));
    expect(feed.map((f) => f.supplier).sort()).toEqual(suppliers.map((s) => s.id).sort());
    for (const f of feed) expect(f['number-field-01']).toBeGreaterThanOrEqual(0);
    for (const f of feed) expect(f['number-field-01']).toBeLessThanOrEqual(100);
    expect(new Set(feed.map((f) => (f['number-field-01'] >= 65 ? 'high' : 'lower'))).size).toBe(2);
  });

  it('generates 1,000,000 records lazily: any row is readable without materialising the rest', () => {
    const before = process.memoryUsage().heapUsed;
    const { emu } = createCoupaEmulator({ seed: 1_000_000 });
    const coll = emu.collection('invoices');
    const last = coll.get(coll.newId() - 1)!;
    expect(last['invoice-number']).toMatch(/^INV-\d+$/);
    const first50 = [];
    for (const r of coll.scan()) {
      first50.push(r);
      if (first50.length === 50) break;
    }
    expect(first50).toHaveLength(50);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 * 1024);
  });
});

describe('seed file', () => {
  it('creates records from API-shaped input, resolving associations by natural key', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'coupa-seed-')), 'seed.json');
    fs.writeFileSync(
      file,
      JSON.stringify({
        suppliers: [{ name: 'Seeded Supplier', number: 'SS-1', status: 'active' }],
        requisitions: [
          {
            requested_by: { login: 'jdoe' },
            ship_to_address: { name: 'Headquarters' },
            status: 'pending_approval',
            requisition_lines: [{ description: 'Seeded', quantity: 1, unit_price: 5, currency: { code: 'USD' }, supplier: { number: 'SS-1' } }],
          },
        ],
      }),
    );
    const { control } = createCoupaEmulator({ seed: file });
    const req = control.list('requisitions')[0] as any;
    expect(req.status).toBe('pending_approval');
    expect(req['requisition-lines'][0].supplier.name).toBe('Seeded Supplier');
    expect(() => createCoupaEmulator({ seed: file.replace('seed.json', 'missing.json') })).toThrow();
  });
});
