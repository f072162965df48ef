/**
 * Runs `fn` over items with at most `limit` calls in flight, results in input order. Coupa takes one record per
 * request, so a page's writes go out several at a time; the client's shared token bucket keeps them under the
 * instance's rate limit.
 */
export async function mapConcurrent<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** Coupa requests a page's writes keep in flight at once. */
export const COUPA_WRITE_CONCURRENCY = 6;
