/**
 * Fault injection. A rule matches requests by method and path (substring or /regex/) and fires `times` times
 * (default: forever), optionally skipping the first `after` matches:
 *  - status: answer `status` (default 503) with a Coupa error body
 *  - latency: delay by `ms` then continue normally
 *  - drop: destroy the socket without answering
 *  - expire-token: revoke the caller's token and answer 401 (a token expiring mid-stream)
 *  - status-after / drop-after: the request IS processed (the write happens), then the answer is lost —
 *           replaced by `status` (default 502) or a dropped connection: an ambiguous outcome
 *  - shift: on list GETs, serve the page from offset + `by` (rows shifting while data changes:
 *           negative `by` duplicates rows already seen, positive skips rows)
 */
export type FaultKind = 'status' | 'latency' | 'drop' | 'expire-token' | 'shift' | 'status-after' | 'drop-after';

export interface FaultRule {
  kind: FaultKind;
  method?: string;
  path?: string;
  status?: number;
  ms?: number;
  by?: number;
  times?: number;
  after?: number;
}

interface ActiveRule extends FaultRule {
  seen: number;
  fired: number;
}

export class Faults {
  private rules: ActiveRule[] = [];

  constructor(initial: FaultRule[] = []) {
    for (const r of initial) this.add(r);
  }

  add(rule: FaultRule): void {
    this.rules.push({ ...rule, seen: 0, fired: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map(({ seen: _s, fired: _f, ...r }) => r);
  }

  /** Returns the faults that fire for this request (at most one per kind), consuming them. */
  match(method: string, path: string): FaultRule[] {
    const fired: FaultRule[] = [];
    const kinds = new Set<FaultKind>();
    for (const r of this.rules) {
      if (kinds.has(r.kind)) continue;
      if (r.method && r.method.toUpperCase() !== method.toUpperCase()) continue;
      if (r.path && !pathMatches(r.path, path)) continue;
      r.seen++;
      if (r.after && r.seen <= r.after) continue;
      if (r.times !== undefined && r.fired >= r.times) continue;
      r.fired++;
      kinds.add(r.kind);
      fired.push(r);
    }
    return fired;
  }
}

function pathMatches(pattern: string, path: string): boolean {
  const m = /^\/(.*)\/$/.exec(pattern);
  if (m) return new RegExp(m[1]).test(path);
  return path.includes(pattern);
}

/** CLI form: "status:503:2,latency:200,drop::1,expire-token,shift:-1" (kind:param:times) or a JSON array. */
export function parseFaults(spec: string): FaultRule[] {
  const s = spec.trim();
  if (s.startsWith('[')) return JSON.parse(s) as FaultRule[];
  return s
    .split(',')
    .filter(Boolean)
    .map((part) => {
      const [kind, param, times] = part.split(':');
      const rule: FaultRule = { kind: kind as FaultKind };
      if (times) rule.times = Number(times);
      if (param) {
        if (kind === 'status' || kind === 'status-after') rule.status = Number(param);
        else if (kind === 'latency') rule.ms = Number(param);
        else if (kind === 'shift') rule.by = Number(param);
      }
      return rule;
    });
}
