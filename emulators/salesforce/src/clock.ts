/** Emulator time: wall clock plus an offset that tests can advance. */
export class Clock {
  private offsetMs = 0;
  private lastStamp = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  set(epochMs: number): void {
    this.offsetMs = epochMs - Date.now();
  }

  /** Never goes backwards, even if the clock is set back: SystemModstamp-style stamps. */
  stamp(): number {
    const t = Math.max(this.now(), this.lastStamp);
    this.lastStamp = t;
    return t;
  }
}

export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Parses the datetime forms Salesforce accepts on input; undefined if not one of them. */
export function parseDateTime(s: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(s);
  if (!m) return undefined;
  let tz = m[8] ?? 'Z';
  if (tz !== 'Z' && !tz.includes(':')) tz = `${tz.slice(0, 3)}:${tz.slice(3)}`;
  const ms = m[7] ? m[7].slice(0, 4).padEnd(4, '0') : '.000';
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}${ms}${tz}`);
  return Number.isNaN(t) ? undefined : t;
}

export function parseDate(s: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})(Z)?$/.exec(s);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(t) || formatDate(t) !== `${m[1]}-${m[2]}-${m[3]}` ? undefined : t;
}
