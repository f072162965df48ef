import { CoupaTokenProvider } from '../../coupa';
import { scopesFor } from '../../flows';
import type { BuiltConnector } from '../../runtime/build';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
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
      const missing: string[] = [];
      for (const scope of needed) await tokenFor([scope]).catch(() => missing.push(scope));
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
