export interface MappingIssue {
  file: string;
  /** Location inside the file, e.g. fields[3].salesforce */
  path: string;
  message: string;
  severity: 'error' | 'warning';
}

export function formatIssue(i: MappingIssue): string {
  return `${i.file}: ${i.path ? `${i.path}: ` : ''}${i.message}`;
}

/** Raised at start-up when a mapping file is invalid; the message lists every problem, one a line. */
export class MappingConfigError extends Error {
  constructor(readonly issues: MappingIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'MappingConfigError';
  }
}

/** Raised while mapping one record (e.g. a value with no valueMap entry); a validation-class failure. */
export class MappingRecordError extends Error {
  readonly kind = 'validation' as const;
  constructor(
    readonly mapping: string,
    readonly path: string,
    message: string,
  ) {
    super(`${mapping}: ${path}: ${message}`);
    this.name = 'MappingRecordError';
  }
}

/** zod issue path → `fields[3].owner` */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}
