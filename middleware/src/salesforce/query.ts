import type { Connection } from 'jsforce';

interface QueryPage<T> {
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
  opts: { includeDeleted?: boolean; beforeCall?: () => void; afterCall?: () => void } = {},
): AsyncGenerator<T> {
  let url: string | undefined = `/${opts.includeDeleted ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`;
  while (url) {
    opts.beforeCall?.();
    const page: QueryPage<T> = await conn.request<QueryPage<T>>(url);
    opts.afterCall?.();
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

/** SOQL string literal. */
export function soqlQuote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
