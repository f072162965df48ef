import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bearer-token check for every route it guards. Tokens are compared as SHA-256 digests in constant time, and the
 * caller is identified in the audit log by a short fingerprint, never by the token itself.
 */
export function requireToken(tokens: readonly string[]) {
  const known = tokens
    .filter(Boolean)
    .map((t) => ({ digest: digest(t), fingerprint: digest(t).toString('hex').slice(0, 8) }));
  return (req: Request, res: Response, next: NextFunction): void => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const presented = match ? digest(match[1].trim()) : null;
    const hit = presented ? known.find((k) => timingSafeEqual(k.digest, presented)) : undefined;
    if (!hit) {
      res.set('WWW-Authenticate', 'Bearer realm="coupa-connector"');
      res.status(401).json({ error: 'unauthorized', message: 'a valid bearer token is required' });
      return;
    }
    res.locals.actor = `token:${hit.fingerprint}`;
    next();
  };
}
