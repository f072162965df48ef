import { Router } from 'express';
import type { StateStore } from '../../store/state-store';
import type { FlowControl } from '../flow-control';
import { UnknownFlowError } from '../flow-control';
import { HttpError } from '../errors';
import { lastSuccessfulRun } from '../run-history';

export function flowRoutes(store: StateStore, control: FlowControl): Router {
  const router = Router();
  const known = (name: string) => {
    if (!control.listFlows().some((f) => f.name === name))
      throw new HttpError(404, 'not_found', new UnknownFlowError(name).message);
    return name;
  };

  router.get('/', async (_req, res) => {
    const now = Date.now();
    const open = await store.countOpen();
    const flows = await Promise.all(
      control.listFlows().map(async (f) => {
        const [state, runs, lastSuccess, checkpoint, runtime] = await Promise.all([
          store.getFlowState(f.name),
          store.listRuns({ flow: f.name, limit: 1 }),
          lastSuccessfulRun(store, f.name),
          store.getCheckpoint(f.name),
          control.runtime?.(f.name)
        ]);
        return {
          ...f,
          paused: state.paused,
          pausedReason: state.reason,
          running: runtime?.running ?? false,
          nextRun: runtime?.nextRun ?? null,
          lastRun: runs[0] ?? null,
          lastSuccessfulRun: lastSuccess,
          // Everything the source held when the last completed run started has been processed since.
          lagSeconds: lastSuccess ? Math.max(0, Math.round((now - Date.parse(lastSuccess.startedAt)) / 1000)) : null,
          checkpoint: checkpoint
            ? { timestamp: checkpoint.cursorTs, id: checkpoint.cursorId, updatedAt: checkpoint.updatedAt }
            : null,
          openDeadLetters: open.deadLetters.get(f.name) ?? 0,
          // Conflicts belong to the link group (both directions of a two-way flow).
          openConflicts: open.conflicts.get(f.group ?? f.name) ?? 0
        };
      })
    );
    res.json({ flows });
  });

  router.post('/:flow/run', async (req, res) => {
    const flow = known(req.params.flow);
    const result = await control.runNow(flow);
    await store.audit(res.locals.actor, 'flow.run', { flow, runId: result.runId, status: result.status });
    if (result.status === 'paused' || result.status === 'busy') {
      const why = result.status === 'paused' ? `${flow} is paused; resume it first` : `${flow} is running on another instance`;
      res.status(409).json({ ...result, error: 'conflict', message: why });
      return;
    }
    // 202 while the run goes on (follow it at /api/v1/runs/{runId}); 200 if it had already finished.
    if (result.runId) res.location(`/api/v1/runs/${encodeURIComponent(result.runId)}`);
    res.status(result.status === 'running' ? 202 : 200).json(result);
  });

  router.post('/:flow/pause', async (req, res) => {
    const flow = known(req.params.flow);
    const reason = typeof req.body?.reason === 'string' ? req.body.reason : undefined;
    await control.pause(flow, res.locals.actor, reason);
    res.json({ flow, paused: true });
  });

  router.post('/:flow/resume', async (req, res) => {
    const flow = known(req.params.flow);
    await control.resume(flow, res.locals.actor);
    res.json({ flow, paused: false });
  });

  router.post('/:flow/preview', async (req, res) => {
    const flow = known(req.params.flow);
    const source = req.body?.record;
    const id = req.body?.id;
    if (typeof id === 'string' && id.trim()) {
      res.json(await control.preview(flow, { id: id.trim() }));
      return;
    }
    if (!source || typeof source !== 'object' || Array.isArray(source)) {
      throw new HttpError(
        400,
        'invalid_request',
        'body must be {"id": "<source record id>"} (read from the source) or {"record": {...}} with the source record to preview'
      );
    }
    res.json(await control.preview(flow, { record: source as Record<string, unknown> }));
  });

  return router;
}
