import { Cron } from 'croner';

/** Null when `expr` is a valid cron expression (5 or 6 fields), else the reason. */
export function cronProblem(expr: string): string | null {
  const fields = expr.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6) return `invalid cron expression "${expr}" (expected 5 or 6 fields)`;
  try {
    new Cron(expr, { paused: true }).stop();
    return null;
  } catch {
    return `invalid cron expression "${expr}"`;
  }
}
