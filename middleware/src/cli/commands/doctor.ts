import { CoupaTokenProvider } from '../../coupa';
import { scopesFor } from '../../flows';
import type { BuiltConnector } from '../../runtime/build';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

/** The OAuth `error` of a refused Coupa token request (invalid_client, invalid_scope…), if it was one. */
function oauthError(err: unknown): string | undefined {
  const body = (err as { body?: unknown } | null)?.body as { error?: unknown } | undefined;
  return typeof body?.error === 'string' ? body.error : undefined;
}

/** Connectivity to both systems, Coupa scopes the enabled flows need, and Salesforce access to the mapped objects. */
export async function doctor(connector: BuiltConnector): Promise<Check[]> {
  const checks: Check[] = [];
  const attempt = async (name: string, fn: () => Promise<string>) => {
    try {
      checks.push({ name, ok: true, detail: await fn() });
    } catch (err) {
      checks.push({ name, ok: false, detail: (err as Error).message });
    }
  };
  await attempt('salesforce: login', async () => {
    const who = await connector.salesforce.connect();
    return `user ${who.userId} on ${who.instanceUrl}`;
  });
  const modules = [...new Set(connector.flows.filter((f) => f.enabled).map((f) => f.module))];
  const needed = scopesFor(modules);
  const coupa = connector.config.coupa!;
  // Coupa refuses a token request naming any scope the client lacks (invalid_scope), so ask for each one
  // alone to say which are missing.
  const tokenFor = (scopes: string[]) =>
    new CoupaTokenProvider({
      http: connector.coupa.http,
      clientId: coupa.clientId,
      clientSecret: coupa.clientSecret ?? '',
      scopes
    }).getToken();
  await attempt('coupa: token and scopes', async () => {
    try {
      await tokenFor(needed);
      return `client credentials accepted with the ${needed.length} scopes the enabled flows need`;
    } catch (err) {
      // Only a scope refusal is worth asking scope by scope; a wrong client id or secret fails every request.
      const refusal = oauthError(err);
      if (refusal === 'invalid_client' || refusal === 'unauthorized_client') {
        throw new Error(
          `client authentication failed (${refusal}): Coupa refused the client id or secret; check COUPA_CLIENT_ID and the client secret (COUPA_CLIENT_SECRET or the credential coupa.client_secret)`
        );
      }
      if (refusal !== 'invalid_scope') throw err;
      const missing: string[] = [];
      for (const scope of needed) {
        await tokenFor([scope]).catch((e: unknown) => {
          if (oauthError(e) !== 'invalid_scope') throw e;
          missing.push(scope);
        });
      }
      if (missing.length) throw new Error(`scopes not granted to the client: ${missing.join(', ')}`);
      throw err;
    }
  });
  const objects = [...new Set(connector.mappings.map((m) => m.spec.salesforce.object))];
  for (const object of objects) {
    await attempt(`salesforce: ${object}`, async () => {
      const d = await connector.salesforce.describe(object);
      return `${d.fields.length} fields visible`;
    });
  }
  checks.push({
    name: 'mappings',
    ok: true,
    detail: `${connector.mappings.length} mapping(s) valid against the describe and the Coupa schema`
  });
  return checks;
}
