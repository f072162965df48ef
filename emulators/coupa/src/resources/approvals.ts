import type { Emulator } from '../emulator';
import { badRequest } from '../errors';
import { renderShape } from '../render';
import type { Rec } from '../store';
import { audit, userRef } from './common';
import type { ResourceDef } from './types';

const OPEN = ['pending_approval', 'on_hold'];

export const approvals: ResourceDef = {
  name: 'approvals',
  def: 'Approval',
  errorKey: 'approval',
  modelName: 'Approval',
  naturalKeys: [],
  scopes: { read: 'core.approval.read', write: 'core.approval.write' },
  routes: { list: true, show: true },
  associations: { ...audit, approver: { ...userRef, slot: 'UserSimple' }, 'approved-by': userRef },
  memberActions: {
    approve: { method: 'PUT', scope: 'core.approval.write', run: ({ emu, query }, rec) => decide(emu, rec!, 'approved', query.get('reason')) },
    reject: { method: 'PUT', scope: 'core.approval.write', run: ({ emu, query }, rec) => decide(emu, rec!, 'rejected', query.get('reason')) },
    hold: {
      method: 'PUT',
      scope: 'core.approval.write',
      run: ({ emu, query }, rec) => {
        if (rec!.status !== 'pending_approval') throw badRequest('approval', 'Approval must be pending to be put on hold');
        if (!rec!.holdable) throw badRequest('approval', 'Approval is not holdable');
        return emu.save('approvals', { ...rec!, status: 'on_hold', note: query.get('reason') ?? rec!.note });
      },
    },
  },
};

function decide(emu: Emulator, approval: Rec, status: 'approved' | 'rejected', reason: string | null): Rec {
  // "an approval must be Pending (and not already approved or rejected)"
  if (!OPEN.includes(approval.status)) throw badRequest('approval', `Approval must be pending (current status: ${approval.status})`);
  const saved = emu.save('approvals', {
    ...approval,
    status,
    note: reason ?? approval.note,
    'approval-date': emu.now(),
    'approved-by': status === 'approved' ? (emu.apiUserId ?? null) : null,
  });
  const docDef = emu.byApprovableType(approval['approvable-type']);
  const doc = docDef && emu.collection(docDef.name).get(approval['approvable-id']);
  if (docDef && doc) {
    if (status === 'rejected') {
      for (const id of (doc['$approval-ids'] as number[]) ?? []) {
        const other = emu.collection('approvals').get(id);
        if (other && OPEN.includes(other.status) && other.id !== approval.id) emu.save('approvals', { ...other, status: 'withdrawn' });
      }
      docDef.onRejected?.(emu, structuredClone(doc), reason ?? undefined);
    } else {
      const all = ((doc['$approval-ids'] as number[]) ?? []).map((id) => emu.collection('approvals').get(id));
      if (all.filter((a) => a && a.status !== 'withdrawn').every((a) => a && a.status === 'approved')) docDef.onApproved?.(emu, structuredClone(doc));
    }
  }
  return saved;
}

/** Picks the approver: the requester's manager, else the seeded "approver" user, else the API user. */
function pickApprover(emu: Emulator, requesterId: number | null | undefined): number | null {
  const requester = requesterId ? emu.collection('users').get(requesterId) : undefined;
  if (requester?.manager) return requester.manager;
  const approver = emu.findBy('users', { login: 'approver' });
  return approver?.id ?? emu.apiUserId ?? null;
}

/**
 * Starts the (single-step) approval chain for a document and returns it with its new status.
 * With `autoApprove` the document is approved immediately.
 */
export function startApprovals(emu: Emulator, resource: string, doc: Rec, requesterId: number | null | undefined): Rec {
  const def = emu.resource(resource);
  if (emu.options.autoApprove) {
    emu.save(resource, doc);
    def.onApproved?.(emu, structuredClone(emu.collection(resource).get(doc.id)!));
    return emu.collection(resource).get(doc.id)!;
  }
  const coll = emu.collection('approvals');
  const now = emu.now();
  const approval: Rec = {
    id: coll.newId(),
    status: 'pending_approval',
    'approvable-type': def.approvableType,
    'approvable-id': doc.id,
    approver: pickApprover(emu, requesterId),
    'approver-type': 'User',
    position: 1,
    type: 'ManagementHierarchyApproval',
    holdable: true,
    'approval-date': null,
    note: null,
    'created-at': now,
    'updated-at': now,
    'created-by': emu.apiUserId ?? null,
    'updated-by': emu.apiUserId ?? null,
  };
  coll.put(approval);
  doc['$approval-ids'] = [...((doc['$approval-ids'] as number[]) ?? []), approval.id];
  return emu.save(resource, doc);
}

/** Withdraws a document's open approvals (e.g. when an invoice is disputed). */
export function withdrawOpenApprovals(emu: Emulator, doc: Rec): void {
  for (const id of (doc['$approval-ids'] as number[]) ?? []) {
    const a = emu.collection('approvals').get(id);
    if (a && OPEN.includes(a.status)) emu.save('approvals', { ...a, status: 'withdrawn' });
  }
}

/** `approvals` and `current-approval` as rendered on approvable documents. */
export function approvalFields(emu: Emulator, doc: Rec): Record<string, unknown> {
  const list = ((doc['$approval-ids'] as number[]) ?? [])
    .map((id) => emu.collection('approvals').get(id))
    .filter((a): a is Rec => !!a);
  const current = list.find((a) => OPEN.includes(a.status));
  const def = emu.resource('approvals');
  return {
    approvals: list.map((a) => renderShape(emu, def, a, 1, false)),
    'current-approval': current ? renderShape(emu, def, current, 1, false) : null,
  };
}
