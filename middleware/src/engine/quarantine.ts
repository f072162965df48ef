import { QUARANTINE_RELEASED, type StateStore } from '../store';
import type { QuarantineEntry } from '../store/types';

export type ReleaseOutcome =
  | { status: 'released'; entry: QuarantineEntry }
  /** Not quarantined now, but an earlier release of it is in the audit log. */
  | { status: 'already-released'; at: string; actor: string }
  | { status: 'not-found' };

/**
 * Releases a record quarantined by the ping-pong breaker, audited as `actor`. `flow` is the quarantine entry's
 * flow (the link group of the flows that bounced it), as `listQuarantine` shows it. The runner reads the quarantine
 * list once per run, and the ping-pong breaker counts only the link's writes after the release (journaled as
 * `quarantine-released`), so the record syncs again on its next change even inside the breaker's window.
 */
export async function releaseQuarantine(store: StateStore, flow: string, recordKey: string, actor: string): Promise<ReleaseOutcome> {
  const entry = (await store.listQuarantine(flow)).find((q) => q.recordKey === recordKey);
  if (entry) {
    const released = await store.transaction(async (tx) => {
      if (!(await tx.releaseQuarantine(flow, recordKey))) return false;
      const [system, object, ...rest] = recordKey.split(':');
      const link =
        system === 'coupa' || system === 'salesforce' ? await tx.findLink(flow, system, object, rest.join(':')) : null;
      await tx.appendJournal({
        runId: null,
        flow,
        direction: 'operator',
        recordKey,
        linkId: link?.id ?? null,
        action: QUARANTINE_RELEASED,
        origin: actor,
      });
      await tx.audit(actor, 'quarantine.release', { flow, recordKey, reason: entry.reason, quarantinedAt: entry.at });
      return true;
    });
    if (released) return { status: 'released', entry };
  }
  const earlier = (await store.listAudit({ action: 'quarantine.release', limit: 1000 })).find((a) => {
    const d = a.detail as { flow?: unknown; recordKey?: unknown } | null;
    return d?.flow === flow && d?.recordKey === recordKey;
  });
  return earlier ? { status: 'already-released', at: earlier.at, actor: earlier.actor } : { status: 'not-found' };
}
