import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

/** Turns thrown errors into JSON. Unexpected errors are logged and answered without internals. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: err.code, message: err.message });
      return;
    }
    const status = (err as { status?: number; type?: string }).status;
    if (status === 400 && (err as { type?: string }).type === 'entity.parse.failed') {
      res.status(400).json({ error: 'invalid_request', message: 'request body is not valid JSON' });
      return;
    }
    const refused = bodyRefusal(err);
    if (refused) {
      // The caller's mistake, not ours: a warning without a stack trace.
      logger.warn({ method: req.method, path: req.path, status: refused.status, reason: refused.message }, 'admin API request body refused');
      res.status(refused.status).json({ error: refused.code, message: refused.message });
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'admin API request failed');
    res.status(500).json({ error: 'internal', message: 'the request failed; see the connector log' });
  };
}

/** A request body the parser refused (too large, unknown Content-Encoding or charset, aborted): 4xx, never 500. */
function bodyRefusal(err: unknown): { status: number; code: string; message: string } | null {
  const e = err as { status?: unknown; type?: unknown; expose?: unknown; message?: unknown };
  if (typeof e?.type !== 'string' || typeof e.status !== 'number' || e.status < 400 || e.status >= 500 || e.expose !== true) return null;
  switch (e.type) {
    case 'entity.too.large':
      return { status: 413, code: 'payload_too_large', message: 'request body is larger than 1 MB' };
    case 'encoding.unsupported':
      return { status: 415, code: 'unsupported_media_type', message: 'unsupported Content-Encoding (use gzip, deflate, br or none)' };
    case 'charset.unsupported':
      return { status: 415, code: 'unsupported_media_type', message: String(e.message) };
    default:
      return { status: e.status, code: 'invalid_request', message: String(e.message) };
  }
}
