import type { z } from 'zod';

/** Start-up configuration problems; the message lists every one as `source: path: reason`. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
}

export function describeIssues(source: string, issues: z.core.$ZodIssue[]): string[] {
  return issues.flatMap((issue) => {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((k) => `${source}: ${[...base, k].join('.')}: unknown key`);
    }
    return [`${source}: ${base.length ? base.join('.') : '(root)'}: ${issue.message}`];
  });
}
