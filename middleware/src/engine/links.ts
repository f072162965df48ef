import type { Link, StateStore } from '../store';
import type { FlowDefinition } from './types';

type FlowSides = Pick<FlowDefinition, 'name' | 'linkGroup' | 'source' | 'target'>;

/** The id on the flow's target side of a link. */
export function targetIdOfLink(flow: Pick<FlowDefinition, 'target'>, link: Link): string {
  return flow.target.system === 'salesforce' ? link.sfId : link.coupaId;
}

/** The target record a source record is linked to in this flow's link group, if any. */
export async function findLinkedTargetId(store: StateStore, flow: FlowSides, sourceId: string): Promise<string | null> {
  const link = await store.findLink(flow.linkGroup ?? flow.name, flow.source.system, flow.source.object, sourceId);
  return link ? targetIdOfLink(flow, link) : null;
}
