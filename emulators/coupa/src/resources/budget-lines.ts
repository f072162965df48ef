import { badRequest } from '../errors';
import type { Emulator } from '../emulator';
import type { Rec } from '../store';
import { audit, currencyRef, userRef } from './common';
import type { ResourceDef } from './types';

const SEGMENTS = Array.from({ length: 20 }, (_, i) => `segment-${i + 1}`);

interface Spend {
  at: number;
  total: number;
}

/** Committed (issued/closed PO lines) and pending (pending-approval requisition lines) spend per account id. */
interface SpendIndex {
  version: number;
  committed: Map<number, Spend[]>;
  pending: Map<number, Spend[]>;
}

const spendCache = new WeakMap<Emulator, SpendIndex>();

function spendIndex(emu: Emulator): SpendIndex {
  const cached = spendCache.get(emu);
  if (cached && cached.version === emu.store.version) return cached;
  const add = (m: Map<number, Spend[]>, account: number | null | undefined, s: Spend) => {
    if (!account) return;
    let list = m.get(account);
    if (!list) m.set(account, (list = []));
    list.push(s);
  };
  const idx: SpendIndex = { version: emu.store.version, committed: new Map(), pending: new Map() };
  for (const po of emu.collection('purchase_orders').scan()) {
    if (!['issued', 'closed'].includes(po.status)) continue;
    for (const l of po['order-lines'] as Rec[]) add(idx.committed, l.account, { at: po['created-at'], total: Number(l.total ?? 0) });
  }
  for (const req of emu.collection('requisitions').scan()) {
    if (req.status !== 'pending_approval') continue;
    for (const l of req['requisition-lines'] as Rec[]) add(idx.pending, l.account, { at: req['created-at'], total: Number(l.total ?? 0) });
  }
  spendCache.set(emu, idx);
  return idx;
}

/**
 * Budget consumption: lines of issued/closed POs created inside the period whose account matches every segment
 * the budget line sets. Pending requisitions count separately as pending-requisitions-amount.
 */
function consumption(emu: Emulator, line: Rec): { committed: number; pending: number } {
  const period = line.period ? emu.collection('periods').get(line.period) : undefined;
  const segs = SEGMENTS.filter((s) => line[s]);
  if (!period || !segs.length) return { committed: 0, pending: 0 };
  const idx = spendIndex(emu);
  const inPeriod = (t: number) => t >= period['start-date'] && t <= period['end-date'];
  let committed = 0;
  let pending = 0;
  for (const acct of emu.collection('accounts').scan()) {
    if (!segs.every((s) => acct[s] === line[s])) continue;
    for (const s of idx.committed.get(acct.id) ?? []) if (inPeriod(s.at)) committed += s.total;
    for (const s of idx.pending.get(acct.id) ?? []) if (inPeriod(s.at)) pending += s.total;
  }
  return { committed, pending };
}

export const budgetLines: ResourceDef = {
  name: 'budget_lines',
  def: 'BudgetLine',
  errorKey: 'budget_line',
  modelName: 'BudgetLine',
  naturalKeys: [],
  scopes: { read: 'core.budget.read', write: 'core.budget.write' },
  routes: { list: true, show: true, create: true, update: true, delete: true },
  associations: { ...audit, period: { resource: 'periods', keys: ['name'] }, currency: currencyRef, owner: userRef },
  required: ['period', 'amount'],
  defaults: () => ({ description: null, notes: null, '$adjustments': [] }),
  beforeSave(emu, rec, prev, errors) {
    if (prev && prev.period !== rec.period) errors.push('Period cannot be changed');
    if (prev && SEGMENTS.some((s) => prev[s] !== rec[s])) errors.push('Account segments cannot be changed after creation');
    const period = rec.period ? emu.collection('periods').get(rec.period) : undefined;
    if (period && period['is-open'] === false && !prev) errors.push(`Period ${period.name} is closed`);
  },
  computed(emu, rec) {
    const { committed, pending } = consumption(emu, rec);
    const amount = Number(rec.amount ?? 0);
    return { remaining: decimal(amount - committed), 'pending-requisitions-amount': decimal(pending) };
  },
  memberActions: {
    // PUT /budget_lines/:id/adjust {"amount": "-100.00", "description": "…"}: an adjustment changes the budget.
    adjust: {
      method: 'PUT',
      scope: 'core.budget.write',
      run: ({ emu, body }, rec) => {
        const raw = body['adjustment-amount'] ?? body.amount;
        const amount = Number(raw);
        if (raw === undefined || raw === null || raw === '' || !Number.isFinite(amount)) throw badRequest('budget_line', "Amount can't be blank");
        const doc = structuredClone(rec!);
        doc.amount = round2(Number(doc.amount ?? 0) + amount);
        doc['$adjustments'] = [...(doc['$adjustments'] ?? []), { amount, description: body.description ?? null, at: emu.now() }];
        return emu.save('budget_lines', doc);
      },
    },
  },
};

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function decimal(n: number): string {
  const s = String(round2(n));
  return s.includes('.') ? s : s + '.0';
}
