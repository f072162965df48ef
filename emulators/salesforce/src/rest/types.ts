import type { WriteContext } from '../data/dml';
import type { OAuth, Session } from '../oauth';
import type { Org } from '../org';

/** One REST call, already authenticated, with the path relative to `/services/data/vNN.N`. */
export interface Call {
  org: Org;
  oauth: OAuth;
  session: Session;
  version: string;
  versionNum: number;
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  body: unknown;
  headers: Record<string, string | undefined>;
  write: WriteContext;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Default application/json. */
  contentType?: string;
}

export type Handler = (call: Call, params: string[]) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  pattern: RegExp;
  /** Counter key, e.g. `sobject.create`. */
  endpoint: string;
  handler: Handler;
}

export const json = (status: number, body?: unknown, headers?: Record<string, string>): Reply => ({ status, body, headers });
