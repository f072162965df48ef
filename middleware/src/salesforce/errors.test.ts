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
    ['REQUEST_TIMEOUT', { idempotent: true }, 'transient', true],
    ['REQUEST_TIMEOUT', { idempotent: false }, 'ambiguous', false],
  ])('%s %j → %s', (code, ctx, kind, retryable) => {
    expect(classifySalesforceCode(code, ctx)).toEqual({ kind, retryable });
  });

  it('reads the code jsforce puts on its errors', () => {
    const e = Object.assign(new Error('Session expired or invalid'), { name: 'INVALID_SESSION_ID', errorCode: 'INVALID_SESSION_ID' });
    expect(classifySalesforceError(e).kind).toBe('auth');
    expect(classifySalesforceError(new Error('request to http://x failed, reason: socket hang up'), { idempotent: false }).kind).toBe('ambiguous');
  });

  it('reads several errors by their first code and falls back to the HTTP status, carrying Retry-After', () => {
    const several = Object.assign(new Error('Multiple errors returned.'), { name: 'MULTIPLE_API_ERRORS', errorCode: 'MULTIPLE_API_ERRORS', data: [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'x' }, { errorCode: 'OTHER', message: 'y' }] });
    expect(classifySalesforceError(several, { status: 403, retryAfterMs: 5000 })).toEqual({ kind: 'rate-limited', retryable: true, retryAfterMs: 5000 });
    const crash = Object.assign(new Error('An unexpected error occurred.'), { name: 'UNKNOWN_EXCEPTION', errorCode: 'UNKNOWN_EXCEPTION' });
    expect(classifySalesforceError(crash, { status: 500, idempotent: true })).toEqual({ kind: 'transient', retryable: true });
    expect(classifySalesforceError(crash, { status: 500, idempotent: false })).toEqual({ kind: 'ambiguous', retryable: false });
    expect(classifySalesforceError(new Error('Request Timeout'), { idempotent: true })).toEqual({ kind: 'transient', retryable: true });
    const invalid = Object.assign(new Error('bad field'), { name: 'INVALID_FIELD', errorCode: 'INVALID_FIELD' });
    expect(classifySalesforceError(invalid, { status: 400, retryAfterMs: 5000 })).toEqual({ kind: 'validation', retryable: false });
  });
});
