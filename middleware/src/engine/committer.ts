/**
 * The Committer: one transaction per page stores the links, idempotency entries, echo ledger, journal, dead letters,
 * conflicts, quarantines, dependents and the checkpoint, in a constant number of statements for the common parts.
 */
import { scrub } from '../log';
import type { DeadLetter, Link, NewJournalEntry, StateStore } from '../store';
import { conflictValues, sourceIdOfLink, targetIdOfLink } from './links';
import { mergeWritten } from './planner';
import type { Failure, Written } from './writer';
import type { Cursor, LinkRef, SourceRecord, SystemName } from './types';

/** What planning a page decided besides writes: journal rows, conflicts, quarantines and records waiting for a link. */
export interface PageDecisions {
  journal: NewJournalEntry[];
  conflicts: Array<{ recordKey: string; field: string; sfValue: unknown; coupaValue: unknown }>;
  quarantines: Array<{ recordKey: string; reason: string }>;
  waits: Array<{ sourceId: string; ref: LinkRef }>;
  /**
   * Records matched to a target that already holds their payload: nothing is written, but the pair is linked (which
   * releases records waiting for it) and the payload kept as what the target holds from us.
   */
  inSync?: InSync[];
}

/** A first match whose target already holds what the record would write. */
export interface InSync {
  rec: SourceRecord<any>;
  key: string;
  targetId: string;
  /** The fields the target holds from us (the payload without fields another system owns or a conflict holds). */
  held: Record<string, unknown>;
}

/** A source record and the target record it is to be linked to (written, or found in sync). */
interface Pair {
  sourceId: string;
  key: string;
  targetId: string;
}

export interface PageCommit extends PageDecisions {
  flowName: string;
  group: string;
  direction: string;
  source: { system: SystemName; object: string };
  target: { system: SystemName; object: string };
  runId: string | null;
  written: Written[];
  failures: Failure[];
  /** Links already known for the page's source records (from the snapshot). */
  links: Map<string, Link>;
  /** What the connector last wrote to each link in this direction (snapshot), merged with this page's writes. */
  lastWritten: Map<number, Record<string, unknown> | null>;
  /** The same for the reverse direction (merged with values a write reports in sync on the source). */
  lastWrittenToSource: Map<number, Record<string, unknown> | null>;
  /** Creates whose idempotency entry this run began. */
  idemBegun: Set<string>;
  checkpoint: { cursor: Cursor; seen: unknown; readAt?: string } | null;
  /** A stream's replay position, saved with the page the events produced (resume point after a restart). */
  position?: StreamPositionUpdate | null;
  replayOf?: DeadLetter;
}

export interface StreamPositionUpdate {
  consumer: string;
  channel: string;
  replayId: string;
}

export interface CommitResult {
  created: number;
  updated: number;
  deadLettered: number;
  /** Link conflicts found while committing (two records claiming one target). */
  conflicts: number;
  released: number;
}

/** Key for records waiting on a link to `ref` (any link group). */
export const dependencyKey = (ref: LinkRef): string => `${ref.system}:${ref.object}:${ref.id}`;

export function messageOf(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : typeof err === 'string' ? err : JSON.stringify(err);
  return String(scrub(text ?? 'unknown error')).slice(0, 2000);
}

/** Request/response bodies as stored in dead letters: secret-named keys and known secrets masked. */
export function safeJson(value: unknown): unknown {
  if (value === undefined) return null;
  try {
    return scrub(JSON.parse(JSON.stringify(value)));
  } catch {
    return String(value);
  }
}


/** Waits for all (none is left running behind a failure, past a rollback) and throws the first failure. */
async function settleAll(work: Array<Promise<unknown>>): Promise<void> {
  const failed = (await Promise.allSettled(work)).find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export async function commitPage(store: StateStore, c: PageCommit): Promise<CommitResult> {
  const result: CommitResult = { created: 0, updated: 0, deadLettered: 0, conflicts: 0, released: 0 };
  await store.transaction(async (tx) => {
    const journal: NewJournalEntry[] = [...c.journal];
    const base = { runId: c.runId, flow: c.flowName, direction: c.direction };

    // links for records written (or found in sync) without one: one lookup per side, one insert
    const pairs: Pair[] = [
      ...c.written.map((w) => ({ sourceId: w.task.rec.id, key: w.task.key, targetId: w.targetId })),
      ...(c.inSync ?? []).map((m) => ({ sourceId: m.rec.id, key: m.key, targetId: m.targetId })),
    ];
    const unlinked = pairs.filter((p) => !c.links.has(p.sourceId));
    const linkOf = new Map<string, Link | null>();
    const releasedKeys: string[] = [];
    for (const w of c.written) if (c.links.has(w.task.rec.id)) linkOf.set(w.task.rec.id, c.links.get(w.task.rec.id)!);
    if (unlinked.length) {
      // Insert first (one statement); only records whose link could not be inserted need a look at what is there.
      const sides = (p: Pair) => {
        const sf = c.source.system === 'salesforce' ? { object: c.source.object, id: p.sourceId } : { object: c.target.object, id: p.targetId };
        const coupa = c.source.system === 'coupa' ? { object: c.source.object, id: p.sourceId } : { object: c.target.object, id: p.targetId };
        return { flow: c.group, sfObject: sf.object, sfId: sf.id, coupaResource: coupa.object, coupaId: coupa.id };
      };
      const pairKey = (l: { sfId: string; coupaId: string }) => `${l.sfId}\u0000${l.coupaId}`;
      const claimed = new Set<string>();
      const candidates: Pair[] = [];
      for (const p of unlinked) {
        if (claimed.has(p.targetId) || claimed.has(`source:${p.sourceId}`)) {
          result.conflicts++;
          c.conflicts.push({ recordKey: p.key, field: '(link)', ...conflictValues(c.source.system, p.sourceId, `${p.targetId} (matched twice in one page)`) });
          linkOf.set(p.sourceId, null);
          continue;
        }
        claimed.add(p.targetId);
        claimed.add(`source:${p.sourceId}`);
        candidates.push(p);
      }
      const inserted = new Map((await tx.insertLinks(candidates.map(sides), { skipConflicts: true })).map((l) => [pairKey(l), l]));
      const missed = candidates.filter((p) => !inserted.has(pairKey(sides(p))));
      if (missed.length) {
        const bySource = new Map(
          (await tx.findLinks(c.group, c.source.system, c.source.object, missed.map((p) => p.sourceId))).map((l) => [sourceIdOfLink(c, l), l]),
        );
        const byTarget = new Map(
          (await tx.findLinks(c.group, c.target.system, c.target.object, missed.map((p) => p.targetId))).map((l) => [targetIdOfLink(c, l), l]),
        );
        for (const p of missed) {
          const mine = bySource.get(p.sourceId);
          const other = byTarget.get(p.targetId);
          if (other && (!mine || other.id !== mine.id)) {
            result.conflicts++;
            c.conflicts.push({ recordKey: p.key, field: '(link)', ...conflictValues(c.source.system, p.sourceId, `${p.targetId} (linked to ${sourceIdOfLink(c, other)})`) });
          }
          linkOf.set(p.sourceId, mine && (!other || other.id === mine.id) ? mine : null);
        }
      }
      for (const p of candidates) {
        const l = inserted.get(pairKey(sides(p)));
        if (l) linkOf.set(p.sourceId, l);
      }
      for (const l of inserted.values()) {
        releasedKeys.push(dependencyKey({ system: 'salesforce', object: l.sfObject, id: l.sfId }));
        releasedKeys.push(dependencyKey({ system: 'coupa', object: l.coupaResource, id: l.coupaId }));
      }
    }

    // ledger, echo and journal for what was written
    const done: Array<{ key: string; remoteId: string; flow: string }> = [];
    const echoes: Array<{ flow: string; linkId: number; direction: string; hash: string; payload: unknown }> = [];
    for (const w of c.written) {
      const link = linkOf.get(w.task.rec.id) ?? null;
      if (c.idemBegun.has(w.task.idemKey) || w.task.op === 'create') done.push({ key: w.task.idemKey, remoteId: w.targetId, flow: c.flowName });
      for (const e of w.effectsDone) done.push({ key: e.effect.key, remoteId: e.remoteId, flow: c.flowName });
      if (link && !w.effectFailure) {
        const merged = mergeWritten(c.lastWritten.get(link.id) ?? null, w.written);
        echoes.push({ flow: c.group, linkId: link.id, direction: c.direction, hash: merged.hash, payload: merged.payload });
      }
      if (link && w.sourceInSync && Object.keys(w.sourceInSync).length) {
        const merged = mergeWritten(c.lastWrittenToSource.get(link.id) ?? null, w.sourceInSync);
        echoes.push({ flow: c.group, linkId: link.id, direction: `to-${c.source.system}`, hash: merged.hash, payload: merged.payload });
      }
      // A literal, not a spread of `base`: this row is built for every record written.
      journal.push({
        runId: c.runId,
        flow: c.flowName,
        direction: c.direction,
        recordKey: w.task.key,
        linkId: link?.id ?? null,
        action: w.task.op,
        origin: w.task.rec.origin ?? null,
        before: c.lastWritten.get(link?.id ?? -1) ?? null,
        after: w.written,
      });
      for (const e of w.effectsDone) {
        journal.push({ ...base, recordKey: w.task.key, linkId: link?.id ?? null, action: `effect:${e.effect.kind}`, after: { key: e.effect.key, remoteId: e.remoteId } });
      }
      result[w.task.op === 'create' ? 'created' : 'updated']++;
      if (w.effectFailure) c.failures.push(w.effectFailure);
    }
    for (const m of c.inSync ?? []) {
      const link = linkOf.get(m.rec.id);
      if (!link) continue;
      echoes.push({ flow: c.group, linkId: link.id, direction: c.direction, hash: mergeWritten(null, m.held).hash, payload: m.held });
      journal.push({ ...base, recordKey: m.key, linkId: link.id, action: 'linked', origin: m.rec.origin ?? null, after: { targetId: m.targetId } });
    }
    for (const f of c.failures) {
      result.deadLettered++;
      journal.push({ ...base, recordKey: f.key, action: 'dead-letter', origin: f.rec.origin ?? null, error: `${f.cls.kind}: ${messageOf(f.error)}` });
    }

    // The rest needs no answer before the commit: it is issued at once (one round trip on PostgreSQL, whose
    // connections pipeline) and awaited together. Statements whose order matters stay in one chain.
    const work: Array<Promise<unknown>> = [];
    if (releasedKeys.length || c.waits.length) {
      work.push(
        (async () => {
          if (releasedKeys.length) result.released += await tx.releaseWaiting(releasedKeys);
          if (c.waits.length) await tx.addWaiting(c.waits.map((w) => ({ depKey: dependencyKey(w.ref), flow: c.flowName, sourceId: w.sourceId })));
        })(),
      );
    }
    if (done.length) work.push(tx.completeIdempotentMany(done));
    if (echoes.length) work.push(tx.setEchoes(echoes));
    if (c.failures.length || c.conflicts.length || c.quarantines.length) {
      work.push(
        (async () => {
          for (const f of c.failures) {
            const message = messageOf(f.error);
            if (c.replayOf) {
              await tx.updateDeadLetter(c.replayOf.id, { attempts: c.replayOf.attempts + f.attempts, message });
            } else {
              await tx.addDeadLetter({
                flow: c.flowName,
                recordKey: f.key,
                payload: { record: f.rec as SourceRecord<any> },
                request: safeJson(f.request),
                response: safeJson(f.response),
                errorClass: f.cls.kind,
                message,
                attempts: f.attempts,
              });
            }
          }
          for (const x of c.conflicts) await tx.addConflict({ flow: c.group, ...x });
          for (const q of c.quarantines) await tx.quarantine(c.group, q.recordKey, q.reason);
        })(),
      );
    }
    if (journal.length) work.push(tx.appendJournalMany(journal));
    if (c.position) work.push(tx.saveStreamPosition(c.position));
    if (c.checkpoint) {
      const extra = { seen: c.checkpoint.seen, ...(c.checkpoint.readAt ? { readAt: c.checkpoint.readAt } : {}) };
      work.push(tx.saveCheckpoint({ flow: c.flowName, cursorTs: c.checkpoint.cursor.ts, cursorId: c.checkpoint.cursor.id, extra }));
    }
    await settleAll(work);
  });
  return result;
}
