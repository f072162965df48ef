import { ORG_ID } from '../org';
import { Route, json } from './types';

export const miscRoutes: Route[] = [
  {
    method: 'GET',
    pattern: /^\/?$/,
    endpoint: 'resources',
    handler: (call) => {
      const b = `/services/data/v${call.version}`;
      // Only the resources this emulator serves (a real org lists some 35: tooling, search, recent, tabs, theme…).
      const names = ['sobjects', 'query', 'queryAll', 'composite', 'limits', 'jobs'];
      const map: Record<string, string> = {};
      for (const n of names) map[n] = `${b}/${n}`;
      return json(200, { ...map, identity: identityUrl(call) });
    },
  },
  {
    method: 'GET',
    pattern: /^\/limits\/?$/,
    endpoint: 'limits',
    handler: (call) => {
      const c = call.org.counters.snapshot();
      const lim = (max: number, remaining = max) => ({ Max: max, Remaining: remaining });
      return json(200, {
        ActiveScratchOrgs: lim(3),
        ConcurrentAsyncGetReportInstances: lim(200),
        ConcurrentSyncReportRuns: lim(20),
        DailyApiRequests: lim(c.limit, c.remaining),
        DailyAsyncApexExecutions: lim(250000),
        DailyBulkApiBatches: lim(15000),
        DailyBulkV2QueryFileStorageMB: lim(976562),
        DailyBulkV2QueryJobs: lim(10000),
        DailyDurableStreamingApiEvents: lim(1000000),
        DailyStreamingApiEvents: lim(1000000),
        DataStorageMB: lim(1024, Math.max(0, 1024 - Math.ceil(totalRecords(call) * 2 / 1024))),
        FileStorageMB: lim(10240),
        HourlyPublishedPlatformEvents: lim(250000),
        MonitoringSubscriptionsRemaining: lim(500),
        SingleEmail: lim(5000),
        StreamingApiConcurrentClients: lim(2000),
      });
    },
  },
];

function identityUrl(call: Parameters<Route['handler']>[0]): string {
  return `${call.oauth.baseUrl}/id/${ORG_ID}/${call.session.userId}`;
}

/** Records use ~2 KB each toward data storage, as in a real org. */
function totalRecords(call: Parameters<Route['handler']>[0]): number {
  return call.org.schema.all().reduce((n, o) => n + call.org.store.count(o.name), 0);
}
