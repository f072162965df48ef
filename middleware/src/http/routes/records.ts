import { Router } from 'express';
import { releaseQuarantine } from '../../engine/quarantine';
import type { StateStore } from '../../store/state-store';
import type { FlowControl, FlowSummary } from '../flow-control';
import { HttpError } from '../errors';
import { intParam } from '../params';
import { summariseRuns } from '../run-history';
import type { Conflict, DeadLetter, JournalEntry } from '../../store/types';

/** A Salesforce record Id: 15 or 18 letters and digits, not all digits (Coupa ids are). */
const SALESFORCE_ID = /^(?=.*[A-Za-z])[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;

/** Runs, per-record timelines, dead letters, conflicts and the audit log. */
export function recordRoutes(store: StateStore, control: FlowControl): Router {
  const router = Router();

  router.get('/runs', async (req, res) => {
    const flow = typeof req.query.flow === 'string' ? req.query.flow : undefined;
    const limit = intParam(req.query.limit, 50, 500);
    if (req.query.empty === 'include') {
      res.json({ runs: await store.listRuns({ flow, limit }), idle: [] });
      return;
    }
    // Idle polls (nothing read, nothing written) are counted per flow instead of listed one by one.
    const recent = await store.listRuns({ flow, limit: Math.min(limit * 20, 5000) });
    res.json(summariseRuns(recent, limit));
  });

  router.get('/runs/:id', async (req, res) => {
    const run = await store.getRun(req.params.id);
    if (!run) throw new HttpError(404, 'not_found', `no run ${req.params.id}`);
    res.json({ run, journal: await store.listJournal({ runId: run.id, limit: intParam(req.query.limit, 200, 1000) }) });
  });

  /**
   * Everything the connector did with one record and its linked counterparts. `key` is a record key
   * (`salesforce:Opportunity:006…`, `coupa:requisitions:42`) or a plain Salesforce Id or Coupa id, looked up in every
   * object the flows read or write.
   */
  router.get('/records/:key/timeline', async (req, res) => {
    const flow = typeof req.query.flow === 'string' ? req.query.flow : undefined;
    const limit = intParam(req.query.limit, 200, 1000);
    res.json(await recordTimeline(store, control.listFlows(), req.params.key, { flow, limit }));
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

/**
 * Everything the connector did with one record and its linked counterparts (journal, links, dead letters, conflicts).
 * `key` is a record key (`salesforce:Opportunity:006…`, `coupa:requisitions:42`) or a plain Salesforce Id or Coupa id,
 * looked up in every object the flows read or write. Also the agent gateway's `get_record_timeline`.
 */
export async function recordTimeline(
  store: StateStore,
  flows: FlowSummary[],
  query: string,
  { flow, limit }: { flow?: string; limit: number },
): Promise<{
  query: string;
  recordKey: string | null;
  recordKeys: string[];
  links: Array<{ group: string; salesforce: string; coupa: string }>;
  journal: JournalEntry[];
  deadLetters: DeadLetter[];
  conflicts: Conflict[];
}> {
  const asked = query.trim();
  const objects = new Map<string, { system: string; object: string }>();
  for (const f of flows) for (const side of [f.source, f.target]) if (side) objects.set(`${side.system}:${side.object}`, side);
  const groups = [...new Set(flows.map((f) => f.group ?? f.name))];
  let candidates: string[];
  if (asked.includes(':')) candidates = [asked];
  else {
    const sfLike = SALESFORCE_ID.test(asked);
    const coupaLike = /^\d+$/.test(asked);
    candidates = [...objects.values()]
      .filter((o) => (o.system === 'salesforce' ? sfLike || !coupaLike : coupaLike || !sfLike))
      .map((o) => `${o.system}:${o.object}:${asked}`);
  }
  // The linked counterparts (a requisition for an Opportunity, an Account for a supplier) belong to the story.
  const keys = new Set<string>();
  const links: Array<{ group: string; salesforce: string; coupa: string }> = [];
  for (const key of candidates) {
    const [system, object, ...rest] = key.split(':');
    const id = rest.join(':');
    if ((system !== 'salesforce' && system !== 'coupa') || !id) continue;
    for (const group of groups) {
      const link = await store.findLink(group, system, object, id);
      if (!link) continue;
      const sf = `salesforce:${link.sfObject}:${link.sfId}`;
      const cp = `coupa:${link.coupaResource}:${link.coupaId}`;
      links.push({ group, salesforce: sf, coupa: cp });
      keys.add(sf).add(cp);
    }
  }
  const journals = await Promise.all([...new Set([...candidates, ...keys])].map((recordKey) => store.listJournal({ recordKey, flow, limit })));
  const journal: JournalEntry[] = journals
    .flat()
    .sort((a, b) => b.id - a.id)
    .slice(0, limit);
  for (const j of journal) keys.add(j.recordKey);
  const [deadLetters, conflicts] = await Promise.all([
    store.listDeadLetters({ flow, limit: 1000 }),
    Promise.all([...keys].map((recordKey) => store.listConflicts({ flow, recordKey, limit: 1000 })))
  ]);
  const dead = deadLetters.filter((d) => keys.has(d.recordKey) || candidates.includes(d.recordKey));
  for (const d of dead) keys.add(d.recordKey);
  return {
    query: asked,
    recordKey: asked.includes(':') ? asked : ([...keys].find((k) => k.endsWith(`:${asked}`)) ?? null),
    recordKeys: [...keys],
    links,
    journal,
    deadLetters: dead,
    conflicts: conflicts.flat()
  };
}

