import type { Logger } from 'pino';
import type { Decision } from '../../engine';
import type { BuiltConnector } from '../../runtime/build';

export interface SyncOptions {
  dryRun?: boolean;
  limit?: number;
}

/** One line per record: what a run would do and why (the Planner's decision, the same code path as a run). */
export function describeDecision(targetObject: string, d: Decision): string {
  const dropped = d.dropped
    ? Object.entries(d.dropped)
        .filter(([, fields]) => fields.length)
        .map(([why, fields]) => `${why}: ${fields.join(', ')}`)
        .join('; ')
    : '';
  const effects = d.effects?.length ? ` + ${d.effects.map((e) => e.description).join(', ')}` : '';
  if (d.action === 'create') return `create ${targetObject} ${JSON.stringify(d.payload)}${effects}${dropped ? ` (left out: ${dropped})` : ''}`;
  if (d.action === 'update') return `update ${targetObject} ${d.targetId} ${JSON.stringify(d.payload)}${effects}${dropped ? ` (left out: ${dropped})` : ''}`;
  const detail = d.detail === undefined ? '' : ` ${JSON.stringify(d.detail)}`;
  return `${d.action === 'dead-letter' ? 'would dead-letter' : d.action}${detail}${dropped ? ` (${dropped})` : ''}`;
}

/**
 * Runs one flow (all its directions) once. With dryRun, reads from the checkpoint and prints, per record, the exact
 * payload and whether it would create or update — nothing is written and the checkpoint stays where it is.
 */
export async function syncFlow(
  connector: BuiltConnector,
  name: string,
  opts: SyncOptions,
  out: (line: string) => void,
  logger: Logger
): Promise<number> {
  const flows = connector.flows.filter((f) => f.module.name === name || f.definition.name === name);
  if (!flows.length) {
    out(`unknown flow "${name}"; known: ${connector.flows.map((f) => f.definition.name).join(', ') || '(none)'}`);
    return 2;
  }
  let failed = false;
  for (const { definition: def } of flows) {
    if (opts.dryRun) {
      const cp = await connector.store.getCheckpoint(def.name);
      const after = cp?.cursorTs && cp.cursorId ? { ts: cp.cursorTs, id: cp.cursorId } : null;
      const snapshot = def.snapshot ? await def.snapshot(null) : null;
      const records = snapshot && 'records' in snapshot ? snapshot.records.slice(0, opts.limit ?? 50) : await def.read({ after, limit: opts.limit ?? 50 });
      out(
        `${def.name}: ${records.length} record(s) after ${after ? `${after.ts} / ${after.id}` : 'the beginning'} (dry run)`
      );
      for (const d of await connector.engine.plan(def.name, records)) out(`  ${def.source.object} ${d.record.id}: ${describeDecision(def.target.object, d)}`);
      continue;
    }
    const progress = setInterval(() => logger.info({ flow: def.name }, 'still running'), 5000);
    try {
      const summary = await connector.engine.runNow(def.name, 'cli');
      out(
        `${def.name}: ${summary.status} ${JSON.stringify(summary.counts)}${summary.error ? ` — ${summary.error}` : ''}`
      );
      if (summary.status === 'failed') failed = true;
    } finally {
      clearInterval(progress);
    }
  }
  return failed ? 1 : 0;
}
