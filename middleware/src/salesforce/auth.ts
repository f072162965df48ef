import crypto from 'crypto';
import { Connection } from 'jsforce';
import { TRANSPORT_ERROR_CODES } from '../retry/backoff';
import { SalesforceApiError, errorCodeOf } from './errors';

const isTransportCode = (code: string) => TRANSPORT_ERROR_CODES.has(code) || code === 'FetchError' || code === 'AbortError';

export type SalesforceAuth =
  | {
      flow: 'jwt';
      /** https://login.salesforce.com, https://test.salesforce.com or the My Domain URL. */
      loginUrl: string;
      clientId: string;
      username: string;
      /** PEM-encoded RSA private key. */
      privateKey: string;
      /** JWT audience; default: login.salesforce.com / test.salesforce.com as loginUrl suggests, else loginUrl. */
      audience?: string;
    }
  | {
      flow: 'client-credentials';
      /** The org's My Domain URL (client credentials is refused on login.salesforce.com). */
      loginUrl: string;
      clientId: string;
      clientSecret: string;
    };

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function jwtAudience(loginUrl: string): string {
  const host = new URL(loginUrl).host;
  if (host === 'test.salesforce.com' || /\.sandbox\.my\.salesforce\.com$/.test(host)) return 'https://test.salesforce.com';
  if (host === 'login.salesforce.com' || /\.my\.salesforce\.com$/.test(host)) return 'https://login.salesforce.com';
  return loginUrl.replace(/\/+$/, '');
}

/** Signs the JWT bearer assertion (RS256) with Node's crypto; `exp` is in epoch seconds. */
export function signJwtAssertion(a: { clientId: string; username: string; audience: string; privateKey: string; now?: number; ttlSeconds?: number }): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const iat = Math.floor((a.now ?? Date.now()) / 1000);
  const claims = b64url(JSON.stringify({ iss: a.clientId, sub: a.username, aud: a.audience, exp: iat + (a.ttlSeconds ?? 180) }));
  const signature = crypto.sign('RSA-SHA256', Buffer.from(`${header}.${claims}`), a.privateKey);
  return `${header}.${claims}.${b64url(signature)}`;
}

/**
 * Runs the configured grant on `conn` (sets instanceUrl, accessToken, userInfo). With `timeoutMs`, a token request
 * that gets no answer in time fails (retryable) instead of hanging: jsforce's own OAuth limit is 30 minutes.
 */
export async function authorizeConnection(conn: Connection, auth: SalesforceAuth, opts: { timeoutMs?: number } = {}): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const grant =
      auth.flow === 'jwt'
        ? conn.authorize({
            grant_type: JWT_BEARER_GRANT,
            assertion: signJwtAssertion({ clientId: auth.clientId, username: auth.username, audience: auth.audience ?? jwtAudience(auth.loginUrl), privateKey: auth.privateKey }),
          })
        : conn.authorize({ grant_type: 'client_credentials' });
    if (opts.timeoutMs === undefined) await grant;
    else {
      const timedOut = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${opts.timeoutMs} ms`), { code: 'REQUEST_TIMEOUT' })), opts.timeoutMs);
      });
      await Promise.race([grant, timedOut]);
    }
  } catch (err) {
    const code = errorCodeOf(err);
    // The OAuth error description is safe to show; the assertion and secret never reach the message.
    // A token endpoint that is down or silent is not a credentials problem: retryable, like any transport failure.
    const unreachable = /^ERROR_HTTP_5/.test(code) || code === 'REQUEST_TIMEOUT' || isTransportCode(code);
    throw new SalesforceApiError(code, `Salesforce ${auth.flow} authentication failed: ${code}: ${(err as Error).message}`, { kind: unreachable ? 'transient' : 'auth', retryable: unreachable });
  } finally {
    clearTimeout(timer);
  }
}
