/** An error as Salesforce reports it: HTTP status plus one `{errorCode, message, fields}` entry. */
export class SfError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields?: string[],
  ) {
    super(message);
  }

  /** REST body: always an array. */
  toBody(): Array<{ message: string; errorCode: string; fields?: string[] }> {
    const e: { message: string; errorCode: string; fields?: string[] } = { message: this.message, errorCode: this.errorCode };
    if (this.fields) e.fields = this.fields;
    return [e];
  }

  /** Collections/DML per-item error: uses `statusCode`, always has `fields`. */
  toItemError(): ItemError {
    return { statusCode: this.errorCode, message: this.message, fields: this.fields ?? [] };
  }
}

export interface ItemError {
  statusCode: string;
  message: string;
  fields: string[];
}

export const notFound = (): SfError => new SfError(404, 'NOT_FOUND', 'The requested resource does not exist');
