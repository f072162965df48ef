import { Router } from 'express';
import { releaseQuarantine } from '../../engine/quarantine';
import type { StateStore } from '../../store/state-store';
import type { FlowControl } from '../flow-control';
import { HttpError } from '../errors';
import { intParam } from '../params';

/** Runs, per-record timelines, dead letters, conflicts and the audit log. */
export function recordRoutes(store: StateStore, control: FlowControl): Router {
  const router = Router();

  router.get('/runs', async (req, res) => {
    const flow = typeof req.query.flow === 'string' ? req.query.flow : undefined;
    res.json({ runs: await store.listRuns({ flow, limit: intParam(req.query.limit, 50, 500) }) });
  });

  router.get('/runs/:id', async (req, res) => {
    const run = await store.getRun(req.params.id);
    if (!run) throw new HttpError(404, 'not_found', `no run ${req.params.id}`);
    res.json({ run, journal: await store.listJournal({ runId: run.id, limit: intParam(req.query.limit, 200, 1000) }) });
  });

  router.get('/records/:key/timeline', async (req, res) => {
    const flow = typeof req.query.flow === 'string' ? req.query.flow : undefined;
    const journal = await store.listJournal({
      recordKey: req.params.key,
      flow,
      limit: intParam(req.query.limit, 200, 1000)
    });
    const [deadLetters, conflicts] = await Promise.all([
      store.listDeadLetters({ flow, limit: 1000 }),
      store.listConflicts({ flow, recordKey: req.params.key, limit: 1000 })
    ]);
    res.json({
      recordKey: req.params.key,
      journal,
      deadLetters: deadLetters.filter((d) => d.recordKey === req.params.key),
      conflicts
    });
  });

  router.get('/dead-letters', async (req, res) => {
    const flow = typeof req.query.flow === 'string' ? req.query.flow : undefined;
    const status =
      req.query.status === 'replayed' || req.query.status === 'discarded'
        ? req.query.status
        : req.query.status === 'all'
          ? undefined
          : 'open';
    res.json({
      deadLetters: await store.listDeadLetters({ flow, status, limit: intParam(req.query.limit, 100, 1000) })
    });
  });

  router.get('/dead-letters/:id', async (req, res) => {
    const dl = await store.getDeadLetter(intParam(req.params.id, -1, Number.MAX_SAFE_INTEGER));
    if (!dl) throw new HttpError(404, 'not_found', `no dead letter ${req.params.id}`);
    res.json(dl);
  });

  router.post('/dead-letters/:id/replay', async (req, res) => {
    const id = intParam(req.params.id, -1, Number.MAX_SAFE_INTEGER);
    const dl = await store.getDeadLetter(id);
    if (!dl) throw new HttpError(404, 'not_found', `no dead letter ${req.params.id}`);
    if (dl.status !== 'open') throw new HttpError(409, 'conflict', `dead letter ${id} is already ${dl.status}`);
    const result = await control.replayDeadLetter(id, res.locals.actor);
    res.json(result);
  });

  router.post('/dead-letters/:id/discard', async (req, res) => {
    const id = intParam(req.params.id, -1, Number.MAX_SAFE_INTEGER);
    const dl = await store.getDeadLetter(id);
    if (!dl) throw new HttpError(404, 'not_found', `no dead letter ${req.params.id}`);
    if (dl.status !== 'open') throw new HttpError(409, 'conflict', `dead letter ${id} is already ${dl.status}`);
    await store.updateDeadLetter(id, { status: 'discarded' });
    await store.audit(res.locals.actor, 'dead-letter.discard', { id, flow: dl.flow });
    res.json({ id, status: 'discarded' });
  });

  router.get('/conflicts', async (req, res) => {
    const flow = typeof req.query.flow === 'string' ? req.query.flow : undefined;
    const status = req.query.status === 'resolved' ? 'resolved' : req.query.status === 'all' ? undefined : 'open';
    res.json({ conflicts: await store.listConflicts({ flow, status, limit: intParam(req.query.limit, 100, 1000) }) });
  });

  router.post('/conflicts/:id/resolve', async (req, res) => {
    const id = intParam(req.params.id, -1, Number.MAX_SAFE_INTEGER);
    const winner = req.body?.winner;
    if (winner !== 'salesforce' && winner !== 'coupa') {
      throw new HttpError(400, 'invalid_request', 'body must be {"winner": "salesforce" | "coupa"}');
    }
    const conflict = await store.getConflict(id);
    if (!conflict) throw new HttpError(404, 'not_found', `no conflict ${req.params.id}`);
    if (conflict.status !== 'open') throw new HttpError(409, 'conflict', `conflict ${id} is already resolved`);
    const result = await control.resolveConflict(id, winner, res.locals.actor);
    res.json({ id, status: 'resolved', winner, ...result });
  });

  router.get('/quarantine', async (req, res) => {
    const flow = typeof req.query.flow === 'string' ? req.query.flow : undefined;
    res.json({ quarantine: await store.listQuarantine(flow) });
  });

  router.post('/quarantine/release', async (req, res) => {
    const flow = req.body?.flow;
    const recordKey = req.body?.recordKey;
    if (typeof flow !== 'string' || !flow || typeof recordKey !== 'string' || !recordKey) {
      throw new HttpError(400, 'invalid_request', 'body must be {"flow": string, "recordKey": string}');
    }
    const outcome = await releaseQuarantine(store, flow, recordKey, res.locals.actor);
    if (outcome.status === 'not-found') {
      throw new HttpError(404, 'not_found', `${recordKey} is not quarantined in ${flow}`);
    }
    if (outcome.status === 'already-released') {
      throw new HttpError(409, 'conflict', `${recordKey} in ${flow} was already released at ${outcome.at}`);
    }
    res.json({ flow, recordKey, status: 'released' });
  });

  router.get('/audit', async (req, res) => {
    const action = typeof req.query.action === 'string' ? req.query.action : undefined;
    res.json({ audit: await store.listAudit({ action, limit: intParam(req.query.limit, 100, 1000) }) });
  });

  return router;
}
