import { COUPA_SCHEMA, CoupaTokenProvider } from '../../coupa';
import { scopesFor } from '../../flows';
import { accessGaps, salesforceAccess } from '../../flows/salesforce-access';
import { assertMappingsValid } from '../../mapping';
import type { BuiltConnector } from '../../runtime/build';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** What to do about a failure (or a note). */
  fix?: string;
  /** A passing check with something worth knowing (not a failure). */
  note?: boolean;
  /** Not run because a check it needs failed (`detail` says which). */
  skipped?: boolean;
}

/** The OAuth `error` of a refused Coupa token request (invalid_client, invalid_scope…), if it was one. */
function oauthError(err: unknown): string | undefined {
  const body = (err as { body?: unknown } | null)?.body as { error?: unknown } | undefined;
  return typeof body?.error === 'string' ? body.error : undefined;
}

const UNREACHABLE = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|socket hang up|timeout|REQUEST_TIMEOUT|fetch failed/i;

/** What to do about a failed connection to `system`, from the error's wording. */
function connectionFix(system: 'salesforce' | 'coupa', url: string, message: string): string {
  const urlVar = system === 'salesforce' ? 'SALESFORCE_LOGIN_URL' : 'COUPA_BASE_URL';
  if (UNREACHABLE.test(message)) {
    return `${url} did not answer: check ${urlVar}, the network path (proxy, firewall) and that the system is up; against the sandbox, start it with npm start`;
  }
  if (system === 'salesforce') {
    return 'check SALESFORCE_CLIENT_ID and the secret (SALESFORCE_CLIENT_SECRET or the credential salesforce.client_secret), or for JWT SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY_FILE, and that the connected app allows this flow and user';
  }
  return 'check COUPA_CLIENT_ID and the client secret (COUPA_CLIENT_SECRET or the credential coupa.client_secret)';
}

/**
 * Every check, whatever fails before it: Salesforce login, the Coupa token and each scope the enabled flows need,
 * Salesforce access to each mapped object, and the mappings against the describe and the Coupa schema. A check that
 * needs a failed one is reported as not run, with the reason. Expects a connector built with `connect: false`.
 */
export async function doctor(connector: BuiltConnector): Promise<Check[]> {
  const checks: Check[] = [];
  const attempt = async (name: string, fn: () => Promise<string>, fix: (message: string) => string | undefined): Promise<boolean> => {
    try {
      checks.push({ name, ok: true, detail: await fn() });
      return true;
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      const hint = fix(detail);
      checks.push({ name, ok: false, detail, ...(hint ? { fix: hint } : {}) });
      return false;
    }
  };
  const sfUrl = connector.config.salesforce?.loginUrl ?? '(SALESFORCE_LOGIN_URL not set)';
  const coupa = connector.config.coupa!;

  const salesforceOk = await attempt(
    'salesforce: login',
    async () => {
      const who = await connector.salesforce.connect();
      return `user ${who.userId} on ${who.instanceUrl}`;
    },
    (m) => connectionFix('salesforce', sfUrl, m),
  );

  const modules = [...new Set(connector.flows.filter((f) => f.enabled).map((f) => f.module))];
  const needed = scopesFor(modules);
  // Coupa refuses a token request naming any scope the client lacks (invalid_scope), so ask for each one
  // alone to say which are missing.
  const tokenFor = (scopes: string[]) =>
    new CoupaTokenProvider({
      http: connector.coupa.http,
      clientId: coupa.clientId,
      clientSecret: coupa.clientSecret ?? '',
      scopes,
    }).getToken();
  let missingScopes: string[] = [];
  await attempt(
    'coupa: token and scopes',
    async () => {
      try {
        await tokenFor(needed);
        return `client credentials accepted with the ${needed.length} scopes the enabled flows need`;
      } catch (err) {
        // Only a scope refusal is worth asking scope by scope; a wrong client id or secret fails every request.
        const refusal = oauthError(err);
        if (refusal === 'invalid_client' || refusal === 'unauthorized_client') {
          throw new Error(`client authentication failed (${refusal}): Coupa refused the client id or secret`);
        }
        if (refusal !== 'invalid_scope') throw err;
        const missing: string[] = [];
        for (const scope of needed) {
          await tokenFor([scope]).catch((e: unknown) => {
            if (oauthError(e) !== 'invalid_scope') throw e;
            missing.push(scope);
          });
        }
        missingScopes = missing;
        if (missing.length) throw new Error(`scopes not granted to the client: ${missing.join(', ')}`);
        throw err;
      }
    },
    (m) =>
      missingScopes.length
        ? `grant ${missingScopes.join(', ')} to the OAuth client in Coupa (Setup → OAuth2/OpenID Connect Clients), or disable the flows that need them in connector.yaml`
        : connectionFix('coupa', coupa.baseUrl, m),
  );

  // What the enabled flows need, derived from the catalog and the loaded mappings (as the shipped permission set is).
  const access = salesforceAccess(modules, new Map(connector.mappings.map((m) => [m.name, m])));
  const objects = [...access.objects.keys()];
  if (!salesforceOk && objects.length) {
    checks.push({ name: 'salesforce: access', ok: false, skipped: true, detail: `not checked (${objects.join(', ')}): it needs the Salesforce login` });
  }
  for (const [object, need] of salesforceOk ? access.objects : []) {
    await attempt(
      `salesforce: ${object}`,
      async () => {
        const d = await connector.salesforce.describe(object);
        const gaps = accessGaps(object, need, access.fields, d);
        if (gaps.length) throw new Error(gaps.join('; '));
        const rights = ['read', need.create && 'create', need.edit && 'edit', need.delete && 'delete'].filter(Boolean).join(', ');
        const fields = [...access.fields.keys()].filter((f) => f.startsWith(`${object}.`)).length;
        return `${rights}${fields ? `, ${fields} connector field(s)` : ''} as ${need.flows.join(', ')} need`;
      },
      () => `assign the Coupa_Integration_User permission set to the connector's user (it grants exactly this; coupa-sf permissions lists it), after deploying the package (force-app/)`,
    );
  }

  if (!salesforceOk) {
    checks.push({ name: 'mappings', ok: false, skipped: true, detail: 'not checked: they are validated against the Salesforce describe, which needs the login' });
  } else {
    let notes: Array<{ file: string; path: string; message: string }> = [];
    await attempt(
      'mappings',
      async () => {
        const describe = (sobject: string) =>
          connector.salesforce.describe(sobject).catch((err: { code?: string; errorCode?: string }) => {
            if ((err.code ?? err.errorCode) === 'NOT_FOUND') return undefined;
            throw err;
          });
        notes = (await assertMappingsValid(connector.mappings, { coupaSchema: COUPA_SCHEMA, describe })).map((w) => ({ file: w.file, path: w.path, message: w.message }));
        return `${connector.mappings.length} mapping(s) valid against the describe and the Coupa schema`;
      },
      () => 'correct the mapping files named above (config/mappings/); each problem gives the file, path and reason',
    );
    for (const n of notes) {
      checks.push({ name: 'mapping', ok: true, note: true, detail: `${n.file}: ${n.path}: ${n.message}` });
    }
  }
  return checks;
}

/** Doctor's report: one line per check, a "→" line under each failure with what to do, and a closing count. */
export function formatDoctorReport(checks: Check[]): string[] {
  const lines: string[] = [];
  for (const c of checks) {
    lines.push(`${c.ok ? (c.note ? 'note' : 'ok  ') : c.skipped ? 'skip' : 'FAIL'}  ${c.name}: ${c.detail}`);
    if (!c.ok && c.fix) lines.push(`      → ${c.fix}`);
  }
  const failed = checks.filter((c) => !c.ok && !c.skipped).length;
  const skipped = checks.filter((c) => c.skipped).length;
  const run = checks.filter((c) => !c.note && !c.skipped).length;
  lines.push(failed ? `${failed} of ${run} checks failed${skipped ? `; ${skipped} not run until those are fixed` : ''}` : 'all checks passed');
  return lines;
}

