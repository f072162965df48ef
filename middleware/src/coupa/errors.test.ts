import { classifyCoupaFailure, CoupaApiError, coupaErrorMessages } from './errors';

describe('classifyCoupaFailure', () => {
  it.each([
    [{ method: 'GET', status: 429 }, 'rate-limited', true],
    [{ method: 'GET', status: 503 }, 'transient', true],
    [{ method: 'POST', status: 503 }, 'transient', true],
    [{ method: 'GET', status: 500 }, 'transient', true],
    [{ method: 'POST', status: 502 }, 'ambiguous', false],
    [{ method: 'PUT', status: 504 }, 'transient', true],
    [{ method: 'GET', status: 401 }, 'auth', false],
    [{ method: 'GET', status: 403 }, 'auth', false],
    [{ method: 'PUT', status: 409 }, 'conflict', false],
    [{ method: 'POST', status: 400, body: { errors: { supplier: ["Name can't be blank"] } } }, 'validation', false],
    [{ method: 'POST', status: 400, body: { errors: { supplier: ['Name has already been taken'] } } }, 'conflict', false],
    [{ method: 'GET', status: 404 }, 'validation', false],
    [{ method: 'GET', code: 'ECONNRESET' }, 'transient', true],
    [{ method: 'POST', code: 'ECONNRESET' }, 'ambiguous', false],
    [{ method: 'POST', code: 'ECONNABORTED' }, 'ambiguous', false],
    [{ method: 'POST', code: 'ECONNREFUSED' }, 'transient', true],
    [{ method: 'POST', path: '/oauth2/token', code: 'ECONNRESET' }, 'transient', true],
    [{ method: 'GET', status: 403, body: { errors: { base: ['Rate limit exceeded'] } } }, 'rate-limited', true],
    [{ method: 'POST', status: 403, body: 'Too Many Requests' }, 'rate-limited', true],
    [{ method: 'GET', status: 403, body: { errors: { base: ['You are not authorized to access this resource'] } } }, 'auth', false],
    [{ method: 'GET', status: 200, code: 'UNREADABLE_ANSWER' }, 'transient', true],
    [{ method: 'POST', status: 201, code: 'UNREADABLE_ANSWER' }, 'ambiguous', false],
  ])('%j → %s', (failure, kind, retryable) => {
    expect(classifyCoupaFailure(failure)).toEqual({ kind, retryable });
  });

  it('carries Retry-After for retryable failures only', () => {
    expect(classifyCoupaFailure({ method: 'GET', status: 429, retryAfterMs: 2000 })).toEqual({ kind: 'rate-limited', retryable: true, retryAfterMs: 2000 });
    expect(classifyCoupaFailure({ method: 'GET', status: 400, retryAfterMs: 2000 })).toEqual({ kind: 'validation', retryable: false });
  });

  it('flattens Coupa error bodies and ignores warnings', () => {
    expect(coupaErrorMessages({ errors: { account: ['A', 'B'], warnings: ['W'] } })).toEqual(['A', 'B']);
    expect(coupaErrorMessages({ error: 'invalid_scope' })).toEqual(['invalid_scope']);
    const err = new CoupaApiError({ method: 'post', path: '/api/suppliers', status: 400, body: { errors: { supplier: ['x'] } }, message: 'm' });
    expect(err.kind).toBe('validation');
    expect(err.method).toBe('POST');
    expect(err.messages).toEqual(['x']);
  });
});
