import { startCoupaEmulator, type CoupaEmulator, type CoupaEmulatorOptions } from '../../../emulators/coupa/src';

export interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

export interface Harness {
  emu: CoupaEmulator;
  url: string;
  token(scopes?: string[]): Promise<string>;
  api(method: string, path: string, opts?: { body?: unknown; token?: string; headers?: Record<string, string> }): Promise<Reply>;
  close(): Promise<void>;
}

export const CLIENT_ID = 'conformance-client';
export const CLIENT_SECRET = 'conformance-secret';

/** Starts an emulator on a free port and talks to it over plain HTTP (fetch), as any Coupa client would. */
export async function startHarness(options: CoupaEmulatorOptions = {}): Promise<Harness> {
  const emu = await startCoupaEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, rateLimit: false, ...options });
  let defaultToken: string | undefined;
  const token = async (scopes?: string[]) => {
    const res = await fetch(`${emu.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        scope: (scopes ?? options.scopes ?? (await import('../../../emulators/coupa/src')).allScopes()).join(' '),
      }),
    });
    const body = (await res.json()) as { access_token: string };
    if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${JSON.stringify(body)}`);
    return body.access_token;
  };
  const api: Harness['api'] = async (method, path, opts = {}) => {
    const tok = opts.token ?? (defaultToken ??= await token());
    const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${tok}`, ...opts.headers };
    let body: string | undefined;
    if (opts.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(opts.body);
    }
    const res = await fetch(`${emu.url}${path}`, { method, headers, body });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  return { emu, url: emu.url, token, api, close: () => emu.close() };
}

/** URL-encodes a fields=[…] projection. */
export const fields = (spec: unknown[]) => `fields=${encodeURIComponent(JSON.stringify(spec))}`;

/** A draft requisition for the seeded requester `jdoe`, with one line per supplier name. */
export function requisitionBody(supplierNames: string[], extra: Record<string, unknown> = {}) {
  return {
    'requested-by': { login: 'jdoe' },
    'ship-to-address': { name: 'Headquarters' },
    'requisition-lines': supplierNames.map((name, i) => ({
      description: `Line ${i + 1}`,
      quantity: 2,
      'unit-price': '10.50',
      currency: { code: 'USD' },
      supplier: { name },
      account: { code: '100-6000' },
    })),
    ...extra,
  };
}

/** Id of a document's pending approval (invoices expose `approvals`, others `current-approval`). */
export function pendingApprovalId(doc: any): number {
  const a = doc['current-approval'] ?? (doc.approvals ?? []).find((x: any) => x.status === 'pending_approval');
  if (!a) throw new Error(`no pending approval on ${JSON.stringify(doc).slice(0, 200)}`);
  return a.id;
}
