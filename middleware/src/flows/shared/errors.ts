/** Record-level failures of flows and how they are classified (one class and one classifier for every flow). */
import { CoupaApiError, classifyCoupaError } from '../../coupa';
import type { Classification, WriteOutcome } from '../../engine';
import { MappingRecordError } from '../../mapping';
import { SalesforceApiError, classifySalesforceError, type WriteResult } from '../../salesforce';

/** A per-record failure with its classification (a Salesforce collection result, a flow's own check). */
export class RecordWriteError extends Error {
  override name = 'RecordWriteError';
  constructor(
    message: string,
    readonly classification: Classification,
    readonly response?: unknown,
  ) {
    super(message);
  }
}

export const validation = (message: string, response?: unknown) => new RecordWriteError(message, { kind: 'validation', retryable: false }, response);

/**
 * Classifies what a flow's read, map or write threw: our own errors first, then each API's errors by their type;
 * anything else as the named system's classifier sees it.
 */
export function classifyFor(system: 'salesforce' | 'coupa') {
  return (err: unknown): Classification => {
    if (err instanceof RecordWriteError) return err.classification;
    if (err instanceof MappingRecordError) return { kind: 'validation', retryable: false };
    if (err instanceof CoupaApiError) return classifyCoupaError(err);
    if (err instanceof SalesforceApiError) return classifySalesforceError(err);
    return system === 'salesforce' ? classifySalesforceError(err) : classifyCoupaError(err);
  };
}

/** "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: bad value … (Status__c)" for every error of a result. */
export function describeResult(r: WriteResult): string {
  return r.errors.map((e) => `${e.code}: ${e.message}${e.fields.length ? ` (${e.fields.join(', ')})` : ''}`).join('; ') || 'unknown error';
}

/** A record's failed write as the engine's outcome: the error, the request sent and the body the system answered. */
export const failedOutcome = (error: unknown, request?: unknown): WriteOutcome => ({ ok: false, error, request, response: (error as { body?: unknown })?.body });
