import { SfError } from '../errors';
import { MultipleMatches } from '../data/dml';
import { Call, Reply, Route, json } from './types';

/** Matches a call to a route; converts thrown Salesforce errors to their REST replies. */
export class Dispatcher {
  constructor(private readonly routes: Route[]) {}

  match(method: string, path: string): { route: Route; params: string[] } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.pattern.exec(path);
      if (m) return { route, params: m.slice(1).map(safeDecode) };
    }
    return undefined;
  }

  endpoint(method: string, path: string): string {
    return this.match(method, path)?.route.endpoint ?? 'other';
  }

  async handle(call: Call): Promise<Reply> {
    const found = this.match(call.method, call.path);
    if (!found) {
      const other = this.routes.some((r) => r.pattern.test(call.path));
      if (other) return json(405, [{ errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${call.method}' not allowed. Allowed are ${this.routes.filter((r) => r.pattern.test(call.path)).map((r) => r.method).join(',')}` }]);
      return json(404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    }
    try {
      return await found.route.handler(call, found.params);
    } catch (e) {
      if (e instanceof MultipleMatches) return json(300, e.ids.map((id) => `/services/data/v${call.version}/sobjects/${e.objectName}/${id}`));
      if (e instanceof SfError) return json(e.status, e.toBody());
      throw e;
    }
  }
}

/** An optional group that did not match is '' (not "undefined"). */
function safeDecode(s: string | undefined): string {
  if (s === undefined) return '';
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
