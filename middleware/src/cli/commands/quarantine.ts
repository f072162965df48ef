import { releaseQuarantine } from '../../engine/quarantine';
import type { StateStore } from '../../store';

/** `coupa-sf quarantine list`: one line per quarantined record. Returns the exit code. */
export async function listQuarantineCommand(store: StateStore, out: (line: string) => void, flow?: string): Promise<number> {
  const entries = await store.listQuarantine(flow);
  if (!entries.length) out('no quarantined records');
  for (const q of entries) out(`${q.flow}\t${q.recordKey}\tsince ${q.at}\t${q.reason ?? ''}`.trimEnd());
  return 0;
}

/** `coupa-sf quarantine release <flow> <recordKey>`: audited as `cli`. Returns the exit code. */
export async function releaseQuarantineCommand(
  store: StateStore,
  flow: string,
  recordKey: string,
  out: (line: string) => void,
  actor = 'cli',
): Promise<number> {
  const outcome = await releaseQuarantine(store, flow, recordKey, actor);
  if (outcome.status === 'released') {
    out(`released ${recordKey} in ${flow}; it syncs again on its next change`);
    return 0;
  }
  out(
    outcome.status === 'already-released'
      ? `${recordKey} in ${flow} was already released at ${outcome.at} by ${outcome.actor}`
      : `${recordKey} is not quarantined in ${flow} (see coupa-sf quarantine list)`,
  );
  return 1;
}
