/** The admin API's view of the engine. */
import type { Decision } from '../engine';
import type { FlowControl, PreviewInput } from '../http/flow-control';
import { UnknownFlowError } from '../http/flow-control';
import { HttpError } from '../http/errors';
import type { BuiltConnector } from './build';

/** Why the engine would write nothing (or what it would write), in words an operator can act on. */
export function decisionReason(d: Decision | undefined, flowDescription?: string): string {
  if (!d) return 'the engine made no decision for this record (it was already processed in this read)';
  switch (d.action) {
    case 'create':
      return 'no counterpart is linked or matched yet: the flow would create one';
    case 'update':
      return 'the linked counterpart differs in fields this flow owns: the flow would update them';
    case 'skip-filtered':
      return `the flow's mapping leaves this record out: it does not meet the flow's condition${flowDescription ? ` (${flowDescription})` : ''}`;
    case 'skip-unchanged':
      return 'nothing this flow owns differs from the counterpart or from what the connector last wrote';
    case 'skip-echo':
      return "the record holds exactly what the connector itself last wrote to it (an echo of the connector's own write)";
    case 'skip-origin':
      return 'the change was made by the connector itself (origin tag)';
    case 'skip-quarantined':
      return 'the record is quarantined by the ping-pong breaker; release it (POST /api/v1/quarantine/release) to sync it again';
    case 'skip-ambiguous-match':
      return 'more than one counterpart matches: a conflict is filed for a person to choose';
    case 'skip-match-already-linked':
      return 'the matching counterpart is already linked to another record: a conflict is filed';
    case 'quarantine':
      return 'written too often in a short window: the ping-pong breaker would quarantine it';
    case 'dead-letter':
      return `the record would fail: ${String((d.detail as { error?: string } | undefined)?.error ?? 'see detail')}`;
    default:
      return d.action;
  }
}

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
        description: f.module.description,
        source: { system: f.definition.source.system, object: f.definition.source.object },
        target: { system: f.definition.target.system, object: f.definition.target.object },
        group: f.definition.linkGroup ?? f.definition.name,
        readsById: typeof f.definition.fetch === 'function'
      })),
    async runNow(name) {
      flow(name);
      const { runId, status, error } = await engine.startRun(name, 'admin-api');
      return { runId, status, ...(error ? { error } : {}) };
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
    async preview(name, input: PreviewInput) {
      const f = flow(name);
      const def = f.definition;
      let record: { id: string; ts: string; data: Record<string, unknown> };
      if ('id' in input) {
        if (!def.fetch) {
          throw new HttpError(400, 'invalid_request', `${name} cannot read a record by id; send {"record": {...}} with the source record`);
        }
        const [found] = await def.fetch([input.id]);
        if (!found) throw new HttpError(404, 'not_found', `${def.source.object} ${input.id} not found in ${def.source.system}`);
        record = found;
      } else {
        const source = input.record;
        const id = String(source.id ?? source.Id ?? 'preview');
        const ts = String(source['updated-at'] ?? source.SystemModstamp ?? source.LastModifiedDate ?? new Date().toISOString());
        record = { id, ts, data: source };
      }
      const [d] = await engine.plan(def.name, [record]);
      return {
        flow: name,
        recordKey: `${def.source.system}:${def.source.object}:${record.id}`,
        targetId: d?.targetId ?? null,
        operation: d?.action ?? 'skip',
        reason: decisionReason(d, f.module.description),
        payload: d?.payload ?? null,
        dropped: d?.dropped ?? null,
        effects: d?.effects ?? [],
        detail: d?.detail ?? null
      };
    },
    async runtime(name) {
      const status = (await engine.status()).find((st) => st.flow === name);
      return { running: status?.running ?? false, nextRun: status?.nextRun ?? null };
    },
    isReady
  };
}
