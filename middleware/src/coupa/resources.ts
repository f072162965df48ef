import { iterateChanges, type ChangesQuery, type UpdatedAtCursor } from './changes';
import type { CoupaClient, RequestOptions } from './client';
import type { CoupaResourceTypes } from './generated/types';
import type { FieldProjection, ListQuery } from './query';

export type CoupaResourceName = keyof CoupaResourceTypes;
export type CoupaRecord<R extends CoupaResourceName> = CoupaResourceTypes[R] & { id: number };

export const COUPA_RESOURCES: readonly CoupaResourceName[] = [
  'suppliers',
  'supplier_information',
  'requisitions',
  'purchase_orders',
  'invoices',
  'contracts',
  'budget_lines',
  'users',
  'supplier_risk_aware_feed',
];

/** Typed access to one Coupa resource (`/api/{name}`). */
export class CoupaResource<R extends CoupaResourceName> {
  constructor(
    private readonly client: CoupaClient,
    readonly name: R,
  ) {}

  get(id: number, fields?: FieldProjection): Promise<CoupaRecord<R>> {
    return this.client.get(`${this.name}/${id}`, { fields });
  }

  list(query: ListQuery = {}): AsyncGenerator<CoupaRecord<R>> {
    return this.client.list<CoupaRecord<R>>(this.name, query);
  }

  /** First page only (up to 50), for lookups by natural key. */
  async find(query: ListQuery = {}): Promise<CoupaRecord<R>[]> {
    for await (const page of this.client.pages<CoupaRecord<R>>(this.name, { ...query, limit: query.limit ?? 50 })) return page.records;
    return [];
  }

  changes(q: ChangesQuery = {}): AsyncGenerator<{ record: CoupaRecord<R>; cursor: UpdatedAtCursor }> {
    return iterateChanges<CoupaRecord<R>>(this.client, this.name, q);
  }

  create(body: Partial<CoupaResourceTypes[R]>, opts: Omit<RequestOptions, 'body'> = {}): Promise<CoupaRecord<R>> {
    return this.client.post(this.name, body, opts);
  }

  update(id: number, body: Partial<CoupaResourceTypes[R]>, opts: Omit<RequestOptions, 'body'> = {}): Promise<CoupaRecord<R>> {
    return this.client.put(`${this.name}/${id}`, body, opts);
  }

  /** PUT /api/{name}/{id}/{action}, e.g. submit_for_approval, update_and_submit_for_approval. */
  action(id: number, action: string, body?: unknown, opts: Omit<RequestOptions, 'body'> = {}): Promise<CoupaRecord<R>> {
    return this.client.put(`${this.name}/${id}/${action}`, body, opts);
  }
}

export type CoupaResources = { [R in CoupaResourceName]: CoupaResource<R> };

export function coupaResources(client: CoupaClient): CoupaResources {
  return Object.fromEntries(COUPA_RESOURCES.map((r) => [r, new CoupaResource(client, r)])) as CoupaResources;
}
