/** An error answered in Coupa's JSON shape: {"errors": {"<resource>": ["message", …]}}. */
export class CoupaError extends Error {
  constructor(
    readonly status: number,
    readonly key: string,
    readonly messages: string[],
    readonly body?: unknown,
  ) {
    super(messages.join('; '));
  }

  toBody(): unknown {
    return this.body ?? { errors: { [this.key]: this.messages } };
  }
}

export const badRequest = (key: string, ...messages: string[]) => new CoupaError(400, key, messages);
export const notFound = (key: string) => new CoupaError(404, key, ['Record not found']);

/** Rails-style humanised attribute name: "invoice-number" → "Invoice number". */
export function humanize(field: string): string {
  const s = field.replace(/[-_]/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}
