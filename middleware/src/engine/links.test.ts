import type { Link } from '../store';
import { conflictValues, sourceIdOfLink, targetIdOfLink } from './links';

const link: Link = { id: 1, flow: 'contract-sync', sfObject: 'Contract', sfId: '800A', coupaResource: 'contracts', coupaId: '42', createdAt: '', updatedAt: '' };
const sf = { system: 'salesforce' as const, object: 'Contract' };
const coupa = { system: 'coupa' as const, object: 'contracts' };

describe('links seen from one direction', () => {
  it('answers each side of a link for either direction of a link group', () => {
    expect([sourceIdOfLink({ source: sf }, link), targetIdOfLink({ target: coupa }, link)]).toEqual(['800A', '42']);
    expect([sourceIdOfLink({ source: coupa }, link), targetIdOfLink({ target: sf }, link)]).toEqual(['42', '800A']);
  });

  it('files a conflict’s source and target values under their systems', () => {
    expect(conflictValues('salesforce', 'mine', 'theirs')).toEqual({ sfValue: 'mine', coupaValue: 'theirs' });
    expect(conflictValues('coupa', 'mine', 'theirs')).toEqual({ sfValue: 'theirs', coupaValue: 'mine' });
  });
});
