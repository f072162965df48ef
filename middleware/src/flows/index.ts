/** The six flows: which definitions each builds and which Coupa scopes it needs. */
import type { FlowName } from '../config';
import type { FlowDefinition } from '../engine';
import type { FlowDeps } from './deps';

export type { FlowDeps } from './deps';

export interface FlowModule {
  /** connector.yaml key; one module may register several engine flows (one per direction). */
  name: FlowName;
  description: string;
  /** Coupa OAuth scopes the flow's reads and writes need (checked by `doctor`, requested at login). */
  coupaScopes: string[];
  build(deps: FlowDeps): FlowDefinition<any, any>[];
}

export const FLOW_MODULES: FlowModule[] = [];

/** Union of the scopes the given flows need, plus core.common.read which every connection needs. */
export function scopesFor(modules: FlowModule[]): string[] {
  return [...new Set(['core.common.read', ...modules.flatMap((m) => m.coupaScopes)])].sort();
}
