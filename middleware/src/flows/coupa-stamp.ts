/**
 * Coupa's `updated-at` has whole seconds and the engine drops a record whose (timestamp, id) it has already seen, so
 * a second change within the same second would be lost. Flows reading Coupa put a hash of the synced values in the
 * milliseconds: a changed record gets a new stamp, an unchanged one keeps it.
 */
export function contentStamp(updatedAt: string, content: unknown): string {
  const second = Math.floor(Date.parse(updatedAt) / 1000) * 1000;
  const text = JSON.stringify(content);
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return new Date(second + (Math.abs(h) % 1000)).toISOString();
}

/** Whole-second start of a cursor timestamp, for Coupa `updated-at[gt_or_eq]` filters. */
export const floorSecond = (ts: string) => new Date(Math.floor(Date.parse(ts) / 1000) * 1000).toISOString();
