import http from 'http';
import type { AddressInfo } from 'net';
import { createControl, type Control } from './control';
import { Emulator } from './emulator';
import { OAuth } from './oauth';
import type { CoupaEmulatorOptions, ResolvedOptions } from './options';
import { TokenBucket } from './ratelimit';
import { ALL_RESOURCES, allScopes } from './resources';
import { orderLinesView } from './resources/purchase-orders';
import { createApp } from './server';

export type { CoupaEmulatorOptions, CustomFieldConfig, SeedSpec } from './options';
export { DEFAULT_CUSTOM_FIELDS } from './options';
export type { Control } from './control';
export type { FaultRule, FaultKind } from './faults';
export type { CounterSnapshot } from './counters';
export { allScopes } from './resources';
export { parseFaults } from './faults';
export { validateResponse } from './swagger-validate';

export interface CoupaEmulator {
  /** Base URL, e.g. http://127.0.0.1:4010 (API under /api, token at /oauth2/token). */
  url: string;
  port: number;
  clientId: string;
  clientSecret: string;
  control: Control;
  emulator: Emulator;
  close(): Promise<void>;
}

export function resolveOptions(o: CoupaEmulatorOptions = {}): ResolvedOptions {
  const rl = o.rateLimit === false ? false : { ratePerSecond: 25, burst: 20, retryAfterHeader: false, throttle: '429' as const, ...(o.rateLimit ?? {}) };
  return {
    port: o.port ?? 0,
    host: o.host ?? '127.0.0.1',
    clientId: o.clientId ?? 'coupa-emulator-client',
    clientSecret: o.clientSecret ?? 'coupa-emulator-secret',
    scopes: o.scopes ?? allScopes(),
    tokenTtlSeconds: o.tokenTtlSeconds ?? 86399,
    tokenNotBeforeMs: o.tokenNotBeforeMs ?? 0,
    allowScopelessToken: o.allowScopelessToken ?? false,
    insufficientScopeStatus: o.insufficientScopeStatus ?? 403,
    apiKeys: o.apiKeys ?? [],
    limitAbove50: o.limitAbove50 ?? 'reject',
    unknownAttributes: o.unknownAttributes ?? 'reject',
    unknownCustomFields: o.unknownCustomFields ?? 'reject',
    undocumentedFilters: o.undocumentedFilters ?? 'apply',
    requireJsonAccept: o.requireJsonAccept ?? true,
    createStatus: o.createStatus ?? 201,
    customFields: o.customFields ?? {},
    rateLimit: rl,
    seed: o.seed,
    faults: o.faults ?? [],
    testControl: o.testControl ?? false,
    timezoneOffset: o.timezoneOffset ?? '-08:00',
    autoApprove: o.autoApprove ?? false,
    now: o.now,
    log: o.log ?? (() => {}),
  };
}

/** Builds an emulated instance without listening (for in-process use). */
export function createCoupaEmulator(options: CoupaEmulatorOptions = {}) {
  const resolved = resolveOptions(options);
  const emu = new Emulator(resolved);
  for (const def of ALL_RESOURCES) emu.register(def);
  emu.collection('purchase_order_lines').setView(orderLinesView(emu));
  const oauth = new OAuth(emu);
  const bucket = resolved.rateLimit ? new TokenBucket(emu.clock, resolved.rateLimit.ratePerSecond, resolved.rateLimit.burst) : undefined;
  const control = createControl(emu, oauth, () => bucket);
  control.reset(resolved.seed);
  const app = createApp(emu, oauth, bucket, control);
  return { app, emu, control, options: resolved };
}

/** Starts a Coupa Core API emulator on `port` (0 = any free port). */
export async function startCoupaEmulator(options: CoupaEmulatorOptions = {}): Promise<CoupaEmulator> {
  const { app, emu, control, options: o } = createCoupaEmulator(options);
  const server = http.createServer(app);
  // Node's default 5 s keep-alive lets a slow client reuse a socket the server is closing (ECONNRESET); real
  // API front ends keep idle connections for about a minute.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const sockets = new Set<import('net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    url: `http://${o.host}:${port}`,
    port,
    clientId: o.clientId,
    clientSecret: o.clientSecret,
    control,
    emulator: emu,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
