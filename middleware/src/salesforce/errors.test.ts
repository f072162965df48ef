import { classifySalesforceCode, classifySalesforceError } from './errors';

describe('classifySalesforceCode', () => {
  it.each([
    ['UNABLE_TO_LOCK_ROW', {}, 'transient', true],
    ['ERROR_HTTP_503', {}, 'transient', true],
    ['ERROR_HTTP_500', { idempotent: false }, 'transient', true],
    ['REQUEST_LIMIT_EXCEEDED', {}, 'rate-limited', true],
    ['INVALID_SESSION_ID', {}, 'auth', false],
    ['invalid_grant', {}, 'auth', false],
    ['INVALID_FIELD', {}, 'validation', false],
    ['REQUIRED_FIELD_MISSING', {}, 'validation', false],
    ['FIELD_CUSTOM_VALIDATION_EXCEPTION', {}, 'validation', false],
    ['INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', {}, 'validation', false],
    ['DUPLICATE_VALUE', {}, 'conflict', false],
    ['MULTIPLE_CHOICES', {}, 'conflict', false],
    ['ECONNRESET', { idempotent: false }, 'ambiguous', false],
    ['ECONNRESET', { idempotent: true }, 'transient', true],
    ['ECONNREFUSED', { idempotent: false }, 'transient', true],
  ])('%s %j → %s', (code, ctx, kind, retryable) => {
    expect(classifySalesforceCode(code, ctx)).toEqual({ kind, retryable });
  });

  it('reads the code jsforce puts on its errors', () => {
    const e = Object.assign(new Error('Session expired or invalid'), { name: 'INVALID_SESSION_ID', errorCode: 'INVALID_SESSION_ID' });
    expect(classifySalesforceError(e).kind).toBe('auth');
    expect(classifySalesforceError(new Error('request to http://x failed, reason: socket hang up'), { idempotent: false }).kind).toBe('ambiguous');
  });
});
