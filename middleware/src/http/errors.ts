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
    logger.error({ err, method: req.method, path: req.path }, 'admin API request failed');
    res.status(500).json({ error: 'internal', message: 'the request failed; see the connector log' });
  };
}
