/** Controllable instance clock: real time by default; tests can set, advance or freeze it. */
export class Clock {
  private offsetMs = 0;
  private frozenAt: number | undefined;

  constructor(
    readonly tzOffset: string,
    start?: string,
  ) {
    if (start) this.set(start);
  }

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  set(iso: string | number): void {
    const t = typeof iso === 'number' ? iso : Date.parse(iso);
    if (Number.isNaN(t)) throw new Error(`invalid time ${iso}`);
    if (this.frozenAt !== undefined) this.frozenAt = t;
    else this.offsetMs = t - Date.now();
  }

  advance(ms: number): void {
    if (this.frozenAt !== undefined) this.frozenAt += ms;
    else this.offsetMs += ms;
  }

  freeze(): void {
    this.frozenAt = this.now();
  }

  unfreeze(): void {
    if (this.frozenAt !== undefined) {
      this.offsetMs = this.frozenAt - Date.now();
      this.frozenAt = undefined;
    }
  }

  get frozen(): boolean {
    return this.frozenAt !== undefined;
  }

  reset(): void {
    this.offsetMs = 0;
    this.frozenAt = undefined;
  }

  /** ISO-8601 in the instance's fixed offset, second precision: 2016-10-07T06:59:46-07:00. */
  format(ms: number): string {
    return formatWithOffset(ms, this.tzOffset);
  }
}

export function offsetMinutes(tz: string): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(tz);
  if (!m) throw new Error(`invalid timezone offset ${tz}`);
  const v = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -v : v;
}

export function formatWithOffset(ms: number, tz: string): string {
  const local = new Date(ms + offsetMinutes(tz) * 60_000);
  return local.toISOString().slice(0, 19) + tz;
}

/**
 * Parses the date forms Coupa accepts on input and in queries: ISO-8601 with or without offset (date only means
 * midnight UTC) and the US M/D/YYYY seen in payment examples. Returns undefined when unparseable.
 */
export function parseCoupaDate(value: unknown, dateOnlyOffset?: string): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const v = value.trim();
  // Query dates without a time are midnight UTC (documented); written dates without a time are taken as
  // midnight in the instance's zone, so "2026-01-15" reads back as 2026-01-15T00:00:00-08:00.
  const shift = dateOnlyOffset ? -offsetMinutes(dateOnlyOffset) * 60_000 : 0;
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  if (m) return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) + shift;
  m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(v);
  if (m) return Date.UTC(Number(m[3]), Number(m[1]) - 1, Number(m[2])) + shift;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(v)) {
    const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(v) ? v : v + 'Z';
    const t = Date.parse(withZone);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}
