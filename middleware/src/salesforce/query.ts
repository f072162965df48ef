import type { Connection } from 'jsforce';
import { SalesforceApiError } from './errors';

export interface QueryPage<T> {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: T[];
}

/**
 * Every record of a SOQL query, page by page. Drives `nextRecordsUrl` itself, so there is no
 * `maxFetch` cut-off (jsforce's autoFetch silently stops at 10,000 by default).
 */
export async function* queryRecords<T>(
  conn: Connection,
  soql: string,
  opts: {
    includeDeleted?: boolean;
    beforeCall?: () => void;
    afterCall?: () => void;
    /** Fetches one page (default: `conn.request`); the client passes its call with time limit and retries. */
    request?: (url: string) => Promise<unknown>;
  } = {},
): AsyncGenerator<T> {
  const fetchPage = opts.request ?? ((u: string) => conn.request<QueryPage<T>>(u));
  let url: string | undefined = `/${opts.includeDeleted ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`;
  while (url) {
    opts.beforeCall?.();
    const page = (await fetchPage(url)) as QueryPage<T>;
    opts.afterCall?.();
    if (!page || typeof page !== 'object' || !Array.isArray(page.records)) {
      throw new SalesforceApiError('UNREADABLE_ANSWER', `Salesforce answered a query page with ${typeof page === 'string' ? 'a body that is not JSON' : 'no record list'} (GET ${url.split('?')[0]})`, {
        kind: 'transient',
        retryable: true,
      });
    }
    for (const r of page.records) yield stripAttributes(r);
    url = !page.done && page.nextRecordsUrl ? page.nextRecordsUrl : undefined;
  }
}

function stripAttributes<T>(r: T): T {
  if (!r || typeof r !== 'object') return r;
  const { attributes: _a, ...rest } = r as Record<string, unknown>;
  for (const [k, v] of Object.entries(rest)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && 'attributes' in (v as object)) rest[k] = stripAttributes(v);
  }
  return rest as T;
}

const SOQL_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/**
 * SOQL string literal, with SOQL's escape sequences (\n \r \t \b \f \" \' \\). SOQL has no escape for any other
 * control character, so a value holding one is refused here with its position rather than by Salesforce as
 * MALFORMED_QUERY.
 */
export function soqlQuote(value: string): string {
  // eslint-disable-next-line no-control-regex
  const bad = /[\u0000-\u0007\u000b\u000e-\u001f\u007f]/.exec(value);
  if (bad) {
    const code = bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new RangeError(`cannot quote a value for SOQL: control character U+${code} at position ${bad.index}`);
  }
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (c) => SOQL_ESCAPES[c])}'`;
}
