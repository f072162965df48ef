/**
 * Coupa `fields` projection: strings name attributes, objects name associations with their own
 * projection, e.g. `["id", "name", {"supplier": ["id", "number"]}, {"custom-fields": {}}]`.
 */
export type FieldProjection = Array<string | { [association: string]: FieldProjection | Record<string, never> }>;

export type FilterScalar = string | number | boolean | Date;
/**
 * Query conditions keyed exactly as Coupa expects them: `status`, `status[in]`, `supplier[number]`,
 * `updated-at[gt_or_eq]`. Arrays are joined with commas (for `in` / `not_in`); dates become ISO-8601.
 */
export type Filters = Record<string, FilterScalar | FilterScalar[] | undefined>;

export interface ListQuery {
  filters?: Filters;
  fields?: FieldProjection;
  orderBy?: string;
  dir?: 'asc' | 'desc';
  /** Page size, at most 50 (Coupa's cap). */
  limit?: number;
  /** Named API response filter (`filter=`). */
  filter?: string;
}

export const MAX_PAGE_SIZE = 50;

function scalar(v: FilterScalar): string {
  return v instanceof Date ? v.toISOString() : String(v);
}

/** Builds the query-string parameters for a list call (without limit/offset). */
export function buildListParams(q: ListQuery): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(q.filters ?? {})) {
    if (value === undefined) continue;
    params.append(key, Array.isArray(value) ? value.map(scalar).join(',') : scalar(value));
  }
  if (q.fields) params.set('fields', JSON.stringify(q.fields));
  if (q.orderBy) params.set('order_by', q.orderBy);
  if (q.dir) params.set('dir', q.dir);
  if (q.filter) params.set('filter', q.filter);
  return params;
}

/**
 * Builds a projection from dotted attribute paths, so a mapping's source paths become exactly the
 * fields we read: ["id", "supplier.number", "custom-fields.x"] →
 * ["id", {"supplier": ["number"]}, {"custom-fields": {}}]. Custom fields are requested as a whole
 * (Coupa's documented `{"custom_fields": {}}` form).
 */
export function projectionFromPaths(paths: Iterable<string>): FieldProjection {
  interface Node {
    leaf: boolean;
    children: Map<string, Node>;
    all: boolean;
  }
  const root: Node = { leaf: false, children: new Map(), all: false };
  for (const path of paths) {
    const parts = path.split('.').filter(Boolean);
    let node = root;
    for (let i = 0; i < parts.length; i++) {
      const name = parts[i];
      let child = node.children.get(name);
      if (!child) {
        child = { leaf: false, children: new Map(), all: false };
        node.children.set(name, child);
      }
      if (name === 'custom-fields' || name === 'custom_fields') {
        child.all = true;
        break;
      }
      if (i === parts.length - 1) child.leaf = true;
      node = child;
    }
  }
  const render = (node: Node): FieldProjection =>
    [...node.children.entries()].map(([name, child]) => {
      if (child.all) return { [name]: {} as Record<string, never> };
      if (child.children.size === 0) return name;
      return { [name]: render(child) };
    });
  return render(root);
}
