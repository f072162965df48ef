const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/** The 3-character case-safe suffix: one char per 5-char block, a bitmask of its upper-case positions. */
export function checksum(id15: string): string {
  let out = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(block * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    out += CHECKSUM_CHARS.charAt(bits);
  }
  return out;
}

export function to18(id15: string): string {
  return id15 + checksum(id15);
}

/**
 * Canonical 18-char form of a 15- or 18-char Id, or undefined if it is not shaped like an Id.
 * 18-char Ids are case-insensitive: the suffix tells which letters are upper case.
 */
export function normalizeId(raw: unknown): string | undefined {
  if (typeof raw !== 'string' || !/^[a-zA-Z0-9]+$/.test(raw)) return undefined;
  if (raw.length === 15) return to18(raw);
  if (raw.length !== 18) return undefined;
  const suffix = raw.slice(15).toUpperCase();
  let base = '';
  for (let block = 0; block < 3; block++) {
    const bits = CHECKSUM_CHARS.indexOf(suffix.charAt(block));
    if (bits < 0) return undefined;
    for (let i = 0; i < 5; i++) {
      const c = raw.charAt(block * 5 + i);
      base += bits & (1 << i) ? c.toUpperCase() : c.toLowerCase();
    }
  }
  return to18(base);
}

export function encodeBase62(n: number, width: number): string {
  let s = '';
  let v = Math.floor(n);
  while (v > 0) {
    s = BASE62.charAt(v % 62) + s;
    v = Math.floor(v / 62);
  }
  return s.padStart(width, '0').slice(-width);
}

/** Issues Ids as real orgs do: key prefix + 2-char pod + counter, then the case-safe suffix. */
export class IdGenerator {
  private counter = 0;
  constructor(private readonly pod = '8d') {}

  next(keyPrefix: string): string {
    this.counter += 1;
    return to18(keyPrefix + this.pod + encodeBase62(this.counter, 10));
  }

  /** For "Open" cursors and jobs the counter is shared, so every Id in one emulator is unique. */
  reset(): void {
    this.counter = 0;
  }
}
