/** The admin API's view of the engine. */
import type { FlowControl } from '../http/flow-control';
import { UnknownFlowError } from '../http/flow-control';
import type { BuiltConnector } from './build';

export function engineFlowControl(connector: BuiltConnector, isReady: () => boolean): FlowControl {
  const { engine, flows } = connector;
  const flow = (name: string) => {
    const f = flows.find((x) => x.definition.name === name);
    if (!f) throw new UnknownFlowError(name);
    return f;
  };
  return {
    listFlows: () =>
      flows.map((f) => ({
        name: f.definition.name,
        enabled: f.enabled,
        trigger: f.definition.trigger.kind,
        schedule: f.schedule,
        description: f.module.description
      })),
    async runNow(name) {
      flow(name);
      const summary = await engine.runNow(name, 'admin-api');
      return { runId: summary.runId, status: summary.status, counts: summary.counts, error: summary.error };
    },
    pause: (name, actor, reason) => engine.pause(flow(name).definition.name, actor, reason ?? null),
    resume: (name, actor) => engine.resume(flow(name).definition.name, actor),
    async replayDeadLetter(id, actor) {
      const result = await engine.replay(id, actor);
      return result.ok ? { status: 'replayed' } : { status: 'failed', message: result.error };
    },
    // The engine writes the winning value to the losing side, then closes the conflict (audited by the engine).
    resolveConflict: (id, winner, actor) => engine.resolveConflict(id, winner, actor),
    // The Planner without the Writer: the same match, echo, ownership and no-op decisions a run would make.
    async preview(name, source) {
      const def = flow(name).definition;
      const id = String(source.id ?? source.Id ?? 'preview');
      const ts = String(source['updated-at'] ?? source.SystemModstamp ?? new Date().toISOString());
      const [d] = await engine.plan(def.name, [{ id, ts, data: source }]);
      return {
        flow: name,
        targetId: d?.targetId ?? null,
        operation: d?.action ?? 'skip',
        payload: d?.payload ?? null,
        dropped: d?.dropped ?? null,
        effects: d?.effects ?? [],
        detail: d?.detail ?? null,
      };
    },
    isReady
  };
}
