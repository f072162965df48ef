/** Reading a link (and a conflict's two values) from one flow direction's point of view. */
import type { Link } from '../store';
import type { Side, SystemName } from './types';

/** The id on the flow's target side of a link. */
export function targetIdOfLink(flow: { target: Side }, link: Link): string {
  return flow.target.system === 'salesforce' ? link.sfId : link.coupaId;
}

/** The id on the flow's source side of a link. */
export function sourceIdOfLink(flow: { source: Side }, link: Link): string {
  return flow.source.system === 'salesforce' ? link.sfId : link.coupaId;
}

/** A conflict's values filed by system, from a flow reading `sourceSystem`. */
export function conflictValues(sourceSystem: SystemName, sourceValue: unknown, targetValue: unknown): { sfValue: unknown; coupaValue: unknown } {
  return sourceSystem === 'salesforce' ? { sfValue: sourceValue, coupaValue: targetValue } : { sfValue: targetValue, coupaValue: sourceValue };
}
