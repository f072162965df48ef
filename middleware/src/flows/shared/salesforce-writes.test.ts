import { CoupaApiError } from '../../coupa';
import type { SalesforceClient, WriteResult } from '../../salesforce';
import { RecordWriteError, classifyFor } from './errors';
import { chunks, upsertItems } from './salesforce-writes';

const classifyFlowError = classifyFor('salesforce');

function fakeSf(results: WriteResult[]) {
  const calls: unknown[] = [];
  const sf = { upsert: async (...args: unknown[]) => (calls.push(args), results) } as unknown as SalesforceClient;
  return { sf, calls };
}

describe('upsertItems', () => {
  it('turns per-record results into outcomes with a readable, classified reason', async () => {
    const { sf, calls } = fakeSf([
      { index: 0, success: true, id: 'a01A', created: true, errors: [] },
      {
        index: 1,
        success: false,
        errors: [{ code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: 'Status: bad value for restricted picklist field: voided', fields: ['Status__c'] }],
        failure: { kind: 'validation', retryable: false },
      },
    ]);
    const items = [
      { sourceId: '1', op: 'create' as const, idempotencyKey: 'k1', payload: { Coupa_Invoice_Id__c: '1' } },
      { sourceId: '2', op: 'update' as const, targetId: 'a01B', idempotencyKey: 'k2', payload: { Coupa_Invoice_Id__c: '2' } },
    ];
    const out = await upsertItems(sf, 'Coupa_Invoice__c', 'Coupa_Invoice_Id__c', items, (i) => `invoice ${i.sourceId}`);
    expect(calls).toEqual([['Coupa_Invoice__c', 'Coupa_Invoice_Id__c', [{ Coupa_Invoice_Id__c: '1' }, { Coupa_Invoice_Id__c: '2' }]]]);
    expect(out[0]).toEqual({ ok: true, targetId: 'a01A' });
    expect(out[1].ok).toBe(false);
    const err = (out[1] as { error: RecordWriteError }).error;
    expect(err.message).toBe(
      'Salesforce rejected Coupa_Invoice__c for invoice 2: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Status: bad value for restricted picklist field: voided (Status__c)',
    );
    expect(classifyFlowError(err)).toEqual({ kind: 'validation', retryable: false });
  });

  it('classifies Coupa and Salesforce errors through their clients', () => {
    const coupa = new CoupaApiError({ method: 'GET', path: '/api/invoices', status: 503, message: 'unavailable' } as never);
    expect(classifyFlowError(coupa).kind).toBe(coupa.kind);
    expect(classifyFlowError(Object.assign(new Error('x'), { errorCode: 'UNABLE_TO_LOCK_ROW' })).kind).toBe('transient');
  });

  it('chunks', () => {
    expect(chunks([1, 2, 3], 2)).toEqual([[1, 2], [3]]);
  });
});
