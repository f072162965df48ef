import type { Logger } from 'pino';
import { findLinkedTargetId } from '../../engine';
import type { BuiltConnector } from '../../runtime/build';

export interface SyncOptions {
  dryRun?: boolean;
  limit?: number;
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
      const records = await def.read({ after, limit: opts.limit ?? 50 });
      out(
        `${def.name}: ${records.length} record(s) after ${after ? `${after.ts} / ${after.id}` : 'the beginning'} (dry run)`
      );
      for (const record of records) {
        const targetId = await findLinkedTargetId(connector.store, def, record.id);
        try {
          const payload = await def.map(record, { targetId });
          const op =
            payload === null
              ? 'skip'
              : targetId
                ? `update ${def.target.object} ${targetId}`
                : `create ${def.target.object}`;
          out(`  ${def.source.object} ${record.id}: ${op}${payload ? ` ${JSON.stringify(payload)}` : ''}`);
        } catch (err) {
          out(`  ${def.source.object} ${record.id}: would dead-letter: ${(err as Error).message}`);
        }
      }
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
