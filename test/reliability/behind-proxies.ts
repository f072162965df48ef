/** The connector's two clients pointed at the fault proxies instead of the emulators, with short transport backoffs. */
import { allScopes } from '../../emulators/coupa/src';
import { CoupaClient, TokenBucket } from '../../middleware/src/coupa';
import { SalesforceClient } from '../../middleware/src/salesforce';
import { CLIENT_NAME, SF_CLIENT_ID, SF_CLIENT_SECRET, type Harness } from '../e2e/harness';
import type { FaultProxy } from './fault-proxy';

export async function clientsBehind(h: Harness, sfProxy: FaultProxy, coupaProxy: FaultProxy): Promise<{ salesforce: SalesforceClient; coupa: CoupaClient }> {
  const salesforce = new SalesforceClient({
    auth: { flow: 'client-credentials', loginUrl: sfProxy.url, clientId: SF_CLIENT_ID, clientSecret: SF_CLIENT_SECRET },
    clientName: CLIENT_NAME,
    backoff: { baseMs: 1, maxMs: 20 },
  });
  const coupa = new CoupaClient({
    baseUrl: coupaProxy.url,
    clientId: h.coupaEmu.clientId,
    clientSecret: h.coupaEmu.clientSecret,
    scopes: allScopes(),
    bucket: new TokenBucket({ ratePerSecond: 1000, burst: 1000 }),
    backoff: { baseMs: 1, maxMs: 20 },
  });
  await salesforce.connect();
  return { salesforce, coupa };
}
