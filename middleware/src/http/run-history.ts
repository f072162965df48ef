/** Reading the runs table for people: the last run that completed, and idle runs summarised instead of listed. */
import type { StateStore } from '../store/state-store';
import type { Run } from '../store/types';

/** A run that found nothing to do: finished cleanly with every counter at zero (an idle poll). */
export function isEmptyRun(run: Run): boolean {
  return run.status === 'succeeded' && Object.values(run.counts ?? {}).every((n) => !n);
}

/** The flow's last run that completed (succeeded, or partial: finished with dead letters), from its last 500. */
export async function lastSuccessfulRun(store: StateStore, flow: string): Promise<Run | null> {
  const runs = await store.listRuns({ flow, limit: 500 });
  return runs.find((r) => (r.status === 'succeeded' || r.status === 'partial') && r.finishedAt) ?? null;
}

export interface IdleSummary {
  flow: string;
  /** How many idle runs the window held. */
  runs: number;
  firstStartedAt: string;
  lastFinishedAt: string | null;
}

/**
 * Splits recent runs (newest first) into the ones that did something, at most `limit`, and one line per flow for
 * the idle runs among them.
 */
export function summariseRuns(recent: Run[], limit: number): { runs: Run[]; idle: IdleSummary[] } {
  const runs: Run[] = [];
  const idle = new Map<string, IdleSummary>();
  for (const run of recent) {
    if (!isEmptyRun(run)) {
      if (runs.length < limit) runs.push(run);
      continue;
    }
    const s = idle.get(run.flow);
    if (!s) idle.set(run.flow, { flow: run.flow, runs: 1, firstStartedAt: run.startedAt, lastFinishedAt: run.finishedAt });
    else {
      s.runs++;
      s.firstStartedAt = run.startedAt;
    }
  }
  return { runs, idle: [...idle.values()] };
}
