import { resolve } from 'node:path';
import { Connection } from 'jsforce';
import { RunningSalesforceEmulator, SalesforceEmulatorOptions, startSalesforceEmulator } from '../../../emulators/salesforce/src/index';

export const CLIENT_ID = 'conformance-client';
export const CLIENT_SECRET = 'conformance-secret';
export const VERSION = '62.0';

export const METADATA_DIRS = [resolve(__dirname, '../../../force-app'), resolve(__dirname, 'fixtures/mdapi')];

export function startOrg(opts: Partial<SalesforceEmulatorOptions> = {}): Promise<RunningSalesforceEmulator> {
  return startSalesforceEmulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, metadataDirs: METADATA_DIRS, ...opts });
}

/** A jsforce connection logged in with the client-credentials flow, re-authenticating through refreshFn. */
export async function connect(emu: RunningSalesforceEmulator, extra: Record<string, unknown> = {}): Promise<Connection> {
  const conn = new Connection({
    oauth2: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, loginUrl: emu.url },
    version: VERSION,
    refreshFn: (c, cb) => {
      c.authorize({ grant_type: 'client_credentials' }).then(
        () => cb(null, c.accessToken ?? undefined),
        (e: Error) => cb(e),
      );
    },
    ...extra,
  });
  await conn.authorize({ grant_type: 'client_credentials' });
  return conn;
}

/** Rejection of a promise, for asserting error shapes. */
export async function failure(p: PromiseLike<unknown>): Promise<Error & { errorCode?: string; data?: unknown; fields?: string[] }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { errorCode?: string; data?: unknown };
  }
  throw new Error('expected the call to fail');
}
