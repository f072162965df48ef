import express, { type Request, type Response } from 'express';
import type { CounterSnapshot } from './counters';
import type { Emulator } from './emulator';
import { CoupaError } from './errors';
import type { FaultRule } from './faults';
import { dashKeys } from './keys';
import type { OAuth } from './oauth';
import type { TokenBucket } from './ratelimit';
import { renderRecord } from './render';
import { seedBase, seedBulk, seedFile, type SeedCounts } from './seed';
import type { Rec } from './store';

/** Test-control surface: the same operations programmatically and (with testControl) over HTTP at /__control. */
export interface Control {
  /** Drops all data and tokens, restores base data, then applies `seed` (count, file, or {size, seed}). */
  reset(seed?: number | string | { size: number; seed?: number; from?: string }): void;
  /** Adds generated records deterministically (size 10 … 1,000,000) on top of current data. */
  seed(size: number, seedNumber?: number): SeedCounts;
  counters(): CounterSnapshot;
  resetCounters(): void;
  addFault(rule: FaultRule): void;
  clearFaults(): void;
  faults(): FaultRule[];
  clock: {
    now(): string;
    set(iso: string): void;
    advance(ms: number): void;
    freeze(): void;
    unfreeze(): void;
  };
  /** Refills the rate-limit bucket. */
  refillRateLimit(): void;
  revokeTokens(): void;
  setCustomFields(resource: string, names: string[]): void;
  /** Rendered record (Coupa JSON) or undefined. */
  get(resource: string, id: number): Record<string, unknown> | undefined;
  /** Raw stored row (dash-case; associations as ids; datetimes as epoch ms). */
  raw(resource: string, id: number): Rec | undefined;
  list(resource: string): Record<string, unknown>[];
  /** Creates through the API rules but as the system (read-only fields such as status may be set). */
  create(resource: string, input: Record<string, unknown>): Record<string, unknown>;
  /** Updates as the system (bypasses read-only flags and status guards; still validates). Bumps updated-at. */
  update(resource: string, id: number, input: Record<string, unknown>): Record<string, unknown>;
  count(resource: string): number;
}

export function createControl(emu: Emulator, oauth: OAuth, bucket: () => TokenBucket | undefined): Control {
  const render = (resource: string, rec: Rec) => renderRecord(emu, emu.resource(resource), rec, 'full')!;
  const control: Control = {
    reset(seed) {
      emu.store.clear();
      emu.orderLineIndex.clear();
      oauth.revokeAll();
      emu.apiUserId = undefined;
      seedBase(emu);
      if (seed === undefined) return;
      if (typeof seed === 'number') seedBulk(emu, seed, 1);
      else if (typeof seed === 'string') {
        if (/^\d+$/.test(seed)) seedBulk(emu, Number(seed), 1);
        else seedFile(emu, seed);
      } else seedBulk(emu, seed.size, seed.seed ?? 1, seed.from);
    },
    seed: (size, seedNumber = 1) => seedBulk(emu, size, seedNumber),
    counters: () => emu.counters.get(),
    resetCounters: () => emu.counters.reset(),
    addFault: (rule) => emu.faults.add(rule),
    clearFaults: () => emu.faults.clear(),
    faults: () => emu.faults.list(),
    clock: {
      now: () => emu.clock.format(emu.now()),
      set: (iso) => emu.clock.set(iso),
      advance: (ms) => emu.clock.advance(ms),
      freeze: () => emu.clock.freeze(),
      unfreeze: () => emu.clock.unfreeze(),
    },
    refillRateLimit: () => bucket()?.refill(),
    revokeTokens: () => oauth.revokeAll(),
    setCustomFields: (resource, names) => emu.setCustomFields(resource, names),
    get(resource, id) {
      const rec = emu.collection(resource).get(id);
      return rec ? render(resource, rec) : undefined;
    },
    raw: (resource, id) => emu.collection(resource).get(id),
    list: (resource) => [...emu.collection(resource).scan()].map((r) => render(resource, r)),
    create: (resource, input) => render(resource, emu.create(resource, dashKeys(input) as Record<string, unknown>, { system: true })),
    update: (resource, id, input) => render(resource, emu.update(resource, id, dashKeys(input) as Record<string, unknown>, { system: true })),
    count: (resource) => emu.collection(resource).size,
  };
  return control;
}

export function controlRouter(control: Control): express.Router {
  const r = express.Router();
  const wrap = (fn: (req: Request) => unknown) => (req: Request, res: Response) => {
    try {
      const out = fn(req);
      res.status(200).json(out ?? { ok: true });
    } catch (e) {
      if (e instanceof CoupaError) res.status(e.status).json(e.toBody());
      else res.status(400).json({ error: (e as Error).message });
    }
  };
  r.post('/reset', wrap((req) => control.reset(req.body?.seed)));
  r.post('/seed', wrap((req) => control.seed(Number(req.body?.size), req.body?.seed === undefined ? undefined : Number(req.body.seed))));
  r.get('/counters', wrap(() => control.counters()));
  r.delete('/counters', wrap(() => control.resetCounters()));
  r.get('/faults', wrap(() => control.faults()));
  r.post('/faults', wrap((req) => control.addFault(req.body as FaultRule)));
  r.delete('/faults', wrap(() => control.clearFaults()));
  r.get('/clock', wrap(() => ({ now: control.clock.now() })));
  r.post(
    '/clock',
    wrap((req) => {
      const b = req.body ?? {};
      if (b.set) control.clock.set(b.set);
      if (b.advance) control.clock.advance(Number(b.advance));
      if (b.freeze === true) control.clock.freeze();
      if (b.freeze === false) control.clock.unfreeze();
      return { now: control.clock.now() };
    }),
  );
  r.post('/rate-limit/refill', wrap(() => control.refillRateLimit()));
  r.post('/tokens/revoke', wrap(() => control.revokeTokens()));
  r.get('/records/:resource', wrap((req) => control.list(String(req.params.resource))));
  r.get('/records/:resource/:id', wrap((req) => control.get(String(req.params.resource), Number(req.params.id)) ?? null));
  r.post('/records/:resource', wrap((req) => control.create(String(req.params.resource), req.body)));
  r.patch('/records/:resource/:id', wrap((req) => control.update(String(req.params.resource), Number(req.params.id), req.body)));
  // The root answers with what is here, so the URL the sandbox prints works in a browser.
  r.get('/', (_req, res) => {
    res.status(200).json({
      endpoints: [
        'POST /__control/reset',
        'POST /__control/seed',
        'GET|DELETE /__control/counters',
        'GET|POST|DELETE /__control/faults',
        'GET|POST /__control/clock',
        'POST /__control/rate-limit/refill',
        'POST /__control/tokens/revoke',
        'GET|POST /__control/records/:resource',
        'GET|PATCH /__control/records/:resource/:id',
      ],
      clock: control.clock.now(),
    });
  });
  return r;
}
