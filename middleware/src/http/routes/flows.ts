import { Router } from 'express';
import type { StateStore } from '../../store/state-store';
import type { FlowControl } from '../flow-control';
import { UnknownFlowError } from '../flow-control';
import { HttpError } from '../errors';

export function flowRoutes(store: StateStore, control: FlowControl): Router {
  const router = Router();
  const known = (name: string) => {
    if (!control.listFlows().some((f) => f.name === name))
      throw new HttpError(404, 'not_found', new UnknownFlowError(name).message);
    return name;
  };

  router.get('/', async (_req, res) => {
    const flows = await Promise.all(
      control.listFlows().map(async (f) => {
        const [state, runs, checkpoint, deadLetters, conflicts] = await Promise.all([
          store.getFlowState(f.name),
          store.listRuns({ flow: f.name, limit: 1 }),
          store.getCheckpoint(f.name),
          store.listDeadLetters({ flow: f.name, status: 'open', limit: 1000 }),
          store.listConflicts({ flow: f.name, status: 'open', limit: 1000 })
        ]);
        return {
          ...f,
          paused: state.paused,
          pausedReason: state.reason,
          lastRun: runs[0] ?? null,
          checkpoint: checkpoint
            ? { timestamp: checkpoint.cursorTs, id: checkpoint.cursorId, updatedAt: checkpoint.updatedAt }
            : null,
          openDeadLetters: deadLetters.length,
          openConflicts: conflicts.length
        };
      })
    );
    res.json({ flows });
  });

  router.post('/:flow/run', async (req, res) => {
    const flow = known(req.params.flow);
    const result = await control.runNow(flow);
    await store.audit(res.locals.actor, 'flow.run', { flow });
    res.status(202).json(result);
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
    if (!source || typeof source !== 'object' || Array.isArray(source)) {
      throw new HttpError(400, 'invalid_request', 'body must be {"record": {...}} with the source record to preview');
    }
    res.json(await control.preview(flow, source as Record<string, unknown>));
  });

  return router;
}
