import { Rec } from '../data/store';
import { FieldDef } from './types';

/**
 * A field's value as the API returns it. Compound `address` fields are not stored: they are read from their
 * components, as `{city, country, geocodeAccuracy, latitude, longitude, postalCode, state, street}`, or null when
 * every component is empty (as a real org returns them).
 */
export function fieldValue(f: FieldDef, rec: Rec | undefined): unknown {
  if (!rec) return null;
  if (f.type !== 'address' || !f.compoundPrefix) return rec[f.name] ?? null;
  const p = f.compoundPrefix;
  const v = (k: string) => rec[`${p}${k}`] ?? null;
  const out = {
    city: v('City'),
    country: v('Country'),
    geocodeAccuracy: v('GeocodeAccuracy'),
    latitude: v('Latitude'),
    longitude: v('Longitude'),
    postalCode: v('PostalCode'),
    state: v('State'),
    street: v('Street'),
  };
  return Object.values(out).every((x) => x === null) ? null : out;
}
