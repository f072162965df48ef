import { SfError } from '../errors';
import { Rec } from '../data/store';
import { Dispatcher } from './dispatch';
import { Call, Reply, Route, json } from './types';

const MAX_SUBREQUESTS = 25;
const REF = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g;

function lookupRef(results: Map<string, unknown>, ref: string, path: string): unknown {
  if (!results.has(ref)) throw new SfError(400, 'INVALID_REFERENCE', `Invalid reference specified. No value for ${ref}${path} found in ${ref}.`);
  let cur = results.get(ref);
  for (const part of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
    const key = part.startsWith('.') ? part.slice(1) : Number(part.slice(1, -1));
    cur = cur && typeof cur === 'object' ? (cur as Record<string | number, unknown>)[key] : undefined;
  }
  if (cur === undefined) throw new SfError(400, 'INVALID_REFERENCE', `Invalid reference specified. No value for ${ref}${path} found in ${ref}.`);
  return cur;
}

function substitute(value: unknown, results: Map<string, unknown>): unknown {
  if (typeof value === 'string') {
    const whole = /^@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}$/.exec(value);
    if (whole) return lookupRef(results, whole[1], whole[2]);
    return value.replace(REF, (_m, ref: string, path: string) => String(lookupRef(results, ref, path)));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, results));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, results)]));
  return value;
}

const halted = (allOrNone: boolean): Reply =>
  json(400, [
    {
      errorCode: 'PROCESSING_HALTED',
      message: allOrNone ? 'The transaction was rolled back since another operation in the same transaction failed.' : 'Invalid reference specified.',
    },
  ]);

export function compositeRoutes(dispatcher: Dispatcher): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/composite\/?$/,
      endpoint: 'composite',
      handler: async (call) => {
        const body = call.body as { allOrNone?: boolean; compositeRequest?: Rec[] } | undefined;
        const subs = body?.compositeRequest;
        if (!Array.isArray(subs) || !subs.length) throw new SfError(400, 'JSON_PARSER_ERROR', 'The request body is either invalid or incomplete.');
        if (subs.length > MAX_SUBREQUESTS) throw new SfError(400, 'LIMIT_EXCEEDED', `Maximum number of subrequests allowed is ${MAX_SUBREQUESTS}`);
        const allOrNone = body?.allOrNone === true;
        // Subrequest handlers are synchronous (the awaits below only settle already-resolved promises), so no other
        // HTTP request can interleave with this open transaction.
        const tx = allOrNone ? call.org.dml.begin() : undefined;
        const results = new Map<string, unknown>();
        const out: Array<{ body: unknown; httpHeaders: Record<string, string>; httpStatusCode: number; referenceId: string }> = [];
        let failed = false;
        for (const sub of subs) {
          const referenceId = String(sub.referenceId ?? '');
          if (failed && allOrNone) {
            const h = halted(true);
            out.push({ body: h.body, httpHeaders: {}, httpStatusCode: h.status, referenceId });
            continue;
          }
          let reply: Reply;
          try {
            const url = String(substitute(sub.url, results));
            const m = /^\/services\/data\/v(\d+\.\d)(\/[^?]*)?(?:\?(.*))?$/.exec(url);
            if (!m) throw new SfError(400, 'INVALID_URL', `The URL ${url} is not valid for a composite subrequest`);
            const headers = (sub.httpHeaders ?? {}) as Record<string, string>;
            for (const h of Object.keys(headers)) {
              if (['accept', 'authorization', 'content-type'].includes(h.toLowerCase())) throw new SfError(400, 'INVALID_HEADER', `The ${h} header is not allowed in a composite subrequest`);
            }
            const sub_call: Call = {
              ...call,
              version: m[1],
              versionNum: Number(m[1]),
              method: String(sub.method ?? 'GET').toUpperCase(),
              path: m[2] ?? '/',
              query: Object.fromEntries(new URLSearchParams(m[3] ?? '')),
              body: substitute(sub.body, results),
              headers: { ...call.headers, ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) },
            };
            if (sub_call.path.startsWith('/composite') && !sub_call.path.startsWith('/composite/sobjects')) throw new SfError(400, 'INVALID_URL', 'Composite subrequests cannot be nested');
            reply = await dispatcher.handle(sub_call);
          } catch (e) {
            if (!(e instanceof SfError)) throw e;
            reply = json(e.status, e.toBody());
          }
          if (reply.status >= 400) failed = true;
          else results.set(referenceId, reply.body);
          out.push({ body: reply.body ?? null, httpHeaders: reply.headers ?? {}, httpStatusCode: reply.status, referenceId });
        }
        if (tx) {
          if (failed) {
            tx.rollback();
            for (const r of out) {
              if (r.httpStatusCode < 400) {
                const h = halted(true);
                r.body = h.body;
                r.httpStatusCode = h.status;
                r.httpHeaders = {};
              }
            }
          } else tx.commit();
        }
        return json(200, { compositeResponse: out });
      },
    },
    {
      method: 'POST',
      pattern: /^\/composite\/batch\/?$/,
      endpoint: 'composite.batch',
      handler: async (call) => {
        const body = call.body as { haltOnError?: boolean; batchRequests?: Rec[] } | undefined;
        const subs = body?.batchRequests;
        if (!Array.isArray(subs) || !subs.length) throw new SfError(400, 'JSON_PARSER_ERROR', 'The request body is either invalid or incomplete.');
        if (subs.length > MAX_SUBREQUESTS) throw new SfError(400, 'LIMIT_EXCEEDED', `Maximum number of subrequests allowed is ${MAX_SUBREQUESTS}`);
        const results: Array<{ statusCode: number; result: unknown }> = [];
        let hasErrors = false;
        for (const sub of subs) {
          if (hasErrors && body?.haltOnError) {
            results.push({ statusCode: 412, result: [{ errorCode: 'BATCH_PROCESSING_HALTED', message: 'Batch processing halted per request' }] });
            continue;
          }
          const m = /^\/?(?:services\/data\/)?v(\d+\.\d)(\/[^?]*)?(?:\?(.*))?$/.exec(String(sub.url ?? ''));
          let reply: Reply;
          if (!m) reply = json(400, [{ errorCode: 'INVALID_URL', message: `The URL ${String(sub.url)} is not valid` }]);
          else reply = await dispatcher.handle({ ...call, version: m[1], versionNum: Number(m[1]), method: String(sub.method ?? 'GET').toUpperCase(), path: m[2] ?? '/', query: Object.fromEntries(new URLSearchParams(m[3] ?? '')), body: sub.richInput });
          if (reply.status >= 400) hasErrors = true;
          results.push({ statusCode: reply.status, result: reply.body ?? null });
        }
        return json(200, { hasErrors, results });
      },
    },
  ];
}
