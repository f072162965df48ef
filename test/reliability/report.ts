/** With RELIABILITY_REPORT=<file>, each reliability story appends its figures (one JSON line) for docs/reliability.md. */
import fs from 'node:fs';

export function report(figures: Record<string, unknown>): void {
  const file = process.env.RELIABILITY_REPORT;
  if (file) fs.appendFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), ...figures })}\n`);
}
