import { parseQuery } from '@jetstreamapp/soql-parser-js';
import type { Condition, FieldSubquery, OrderByClause, Query } from '@jetstreamapp/soql-parser-js';
import { parseDate, parseDateTime } from '../clock';
import { SfError } from '../errors';
import { normalizeId } from '../ids';
import { Rec, Store } from '../data/store';
import { Schema } from '../schema/schema';
import { fieldValue } from '../schema/compound';
import { FieldDef, ObjectDef, isTextType } from '../schema/types';
import { dateLiteralRange } from './dates';
import { badRelationship, noSuchColumn, soqlError } from './errors';
import { Expr, buildExpr } from './where';

export interface SoqlContext {
  schema: Schema;
  store: Store;
  now: number;
  version: string;
  /** queryAll: include soft-deleted rows. */
  includeDeleted: boolean;
  /** Child subquery results beyond this many rows per parent are paged (default: unpaged). */
  childBatchSize?: number;
  /** Opens a cursor over the remaining child rows; returns their `nextRecordsUrl`. */
  openChildCursor?: (records: Rec[], totalSize: number, offset: number) => string;
}

export interface SoqlResult {
  totalSize: number;
  records: Rec[];
  /** Object the rows come from (AggregateResult for aggregate queries). */
  entity: string;
}

/** A field path resolved against the schema: the reference fields walked, then the leaf field. */
interface PathRef {
  rels: FieldDef[];
  field: FieldDef;
}

type Comparable = string | number | boolean | null;
type Predicate = (rec: Rec) => boolean;

const MAX_OFFSET = 2000;

export function runSoql(soql: string, ctx: SoqlContext): SoqlResult {
  let q: Query;
  try {
    q = parseQuery(soql);
  } catch (e) {
    const m = /found --> '?(.*?)'? <--/.exec(String((e as Error).message));
    const token = m?.[1] ?? '';
    throw soqlError('MALFORMED_QUERY', soql, token, token ? `unexpected token: '${token}'` : `unexpected token: ${(e as Error).message}`);
  }
  return new Evaluator(soql, ctx).run(q);
}

class Evaluator {
  constructor(
    private readonly soql: string,
    private readonly ctx: SoqlContext,
  ) {}

  run(q: Query): SoqlResult {
    const obj = this.object(q.sObject ?? '');
    if ((q.offset ?? 0) > MAX_OFFSET) throw new SfError(400, 'NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is ${MAX_OFFSET}`);
    const fields = q.fields ?? [];
    const isAggregate = !!q.groupBy || fields.some((f) => f.type === 'FieldFunctionExpression' && f.isAggregateFn);
    const where = this.compileWhere(obj, q.where);
    let rows = this.ctx.store.all(obj.name).filter((r) => (this.ctx.includeDeleted || !r.IsDeleted) && where(r));

    const countOnly = fields.length === 1 && fields[0].type === 'FieldFunctionExpression' && fields[0].functionName.toUpperCase() === 'COUNT' && fields[0].parameters?.length === 0;
    if (countOnly) {
      if (q.groupBy) throw soqlError('MALFORMED_QUERY', this.soql, 'count()', 'COUNT() and GROUP BY may not be used together');
      let n = Math.max(0, rows.length - (q.offset ?? 0));
      if (q.limit !== undefined) n = Math.min(n, q.limit);
      return { totalSize: n, records: [], entity: obj.name };
    }
    if (isAggregate) return this.aggregate(obj, q, rows);

    rows = this.sort(obj, rows, q.orderBy);
    rows = rows.slice(q.offset ?? 0, q.limit !== undefined ? (q.offset ?? 0) + q.limit : undefined);
    const project = this.compileProjection(obj, q);
    return { totalSize: rows.length, records: rows.map(project), entity: obj.name };
  }

  private object(name: string): ObjectDef {
    const obj = this.ctx.schema.object(name);
    if (!obj) {
      throw soqlError('INVALID_TYPE', this.soql, name, `sObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`);
    }
    return obj;
  }

  resolve(obj: ObjectDef, dotted: string): PathRef {
    const parts = dotted.split('.');
    // A leading object name is allowed: `SELECT Account.Name FROM Account`.
    if (parts.length > 1 && parts[0].toLowerCase() === obj.name.toLowerCase() && !this.ctx.schema.relationship(obj.name, parts[0])) parts.shift();
    const rels: FieldDef[] = [];
    let candidates: ObjectDef[] = [obj];
    for (let i = 0; i < parts.length - 1; i++) {
      const rel = candidates.map((c) => this.ctx.schema.relationship(c.name, parts[i])).find((r) => r);
      if (!rel) throw badRelationship(this.soql, parts[i]);
      rels.push(rel);
      candidates = rel.referenceTo.map((n) => this.ctx.schema.object(n)).filter((o): o is ObjectDef => !!o);
      if (!candidates.length) throw badRelationship(this.soql, parts[i]);
    }
    const leaf = parts[parts.length - 1];
    const field = candidates.map((c) => this.ctx.schema.field(c.name, leaf)).find((f) => f);
    if (!field) throw noSuchColumn(this.soql, rels.length ? dotted : leaf, candidates[0].name);
    return { rels, field };
  }

  private parentOf(rec: Rec | undefined, rel: FieldDef): { rec: Rec; type: string } | undefined {
    const id = rec?.[rel.name];
    if (typeof id !== 'string') return undefined;
    const target = this.ctx.schema.objectByPrefix(id.slice(0, 3));
    const parent = target ? this.ctx.store.get(target.name, id) : undefined;
    return parent && target && !parent.IsDeleted ? { rec: parent, type: target.name } : undefined;
  }

  private valueOf(rec: Rec, ref: PathRef): unknown {
    let cur: Rec | undefined = rec;
    for (const rel of ref.rels) cur = this.parentOf(cur, rel)?.rec;
    return cur ? fieldValue(ref.field, cur) : null;
  }

  private url(type: string, id: unknown): string {
    return `/services/data/v${this.ctx.version}/sobjects/${type}/${String(id)}`;
  }

  private compileProjection(obj: ObjectDef, q: Query): (rec: Rec) => Rec {
    type Item = { kind: 'path'; ref: PathRef } | { kind: 'sub'; sub: FieldSubquery };
    const items: Item[] = [];
    for (const f of q.fields ?? []) {
      if (f.type === 'Field') items.push({ kind: 'path', ref: this.resolve(obj, f.field) });
      else if (f.type === 'FieldRelationship') items.push({ kind: 'path', ref: this.resolve(obj, [...f.relationships, f.field].join('.')) });
      else if (f.type === 'FieldSubquery') items.push({ kind: 'sub', sub: f });
      else if (f.type === 'FieldFunctionExpression' && f.functionName.toUpperCase() === 'FIELDS') {
        const which = String(f.parameters?.[0] ?? '').toUpperCase();
        if (which !== 'STANDARD' && (q.limit === undefined || q.limit > 200)) {
          throw soqlError('MALFORMED_QUERY', this.soql, 'FIELDS', 'The SOQL FIELDS function must have a LIMIT of at most 200');
        }
        for (const fd of obj.fields) {
          if (which === 'ALL' || (which === 'CUSTOM' && fd.custom) || (which === 'STANDARD' && !fd.custom)) items.push({ kind: 'path', ref: { rels: [], field: fd } });
        }
      } else if (f.type === 'FieldTypeof') throw soqlError('MALFORMED_QUERY', this.soql, 'TYPEOF', 'TYPEOF is not supported by this emulator');
      else throw soqlError('MALFORMED_QUERY', this.soql, (f as { rawValue?: string }).rawValue ?? '', 'Only root queries support aggregate expressions');
    }
    const subs = items.filter((i): i is { kind: 'sub'; sub: FieldSubquery } => i.kind === 'sub').map((i) => this.compileSubquery(obj, i.sub));
    return (rec) => {
      const out: Rec = { attributes: { type: obj.name, url: this.url(obj.name, rec.Id) } };
      let s = 0;
      for (const item of items) {
        if (item.kind === 'sub') {
          const sq = subs[s++];
          out[sq.name] = sq.run(rec);
          continue;
        }
        let target = out;
        let cur: Rec | undefined = rec;
        let done = false;
        for (const rel of item.ref.rels) {
          const parent = this.parentOf(cur, rel);
          const name = rel.relationshipName as string;
          if (!parent) {
            if (!(name in target)) target[name] = null;
            done = true;
            break;
          }
          let nested = target[name] as Rec | null | undefined;
          if (!nested) {
            nested = { attributes: { type: parent.type, url: this.url(parent.type, parent.rec.Id) } };
            target[name] = nested;
          }
          target = nested;
          cur = parent.rec;
        }
        if (!done) target[item.ref.field.name] = fieldValue(item.ref.field, cur);
      }
      return out;
    };
  }

  private compileSubquery(parent: ObjectDef, f: FieldSubquery): { name: string; run: (rec: Rec) => Rec | null } {
    const sq = f.subquery;
    const rel = this.ctx.schema.childRelationship(parent.name, sq.relationshipName);
    if (!rel) {
      throw soqlError('INVALID_TYPE', this.soql, sq.relationshipName, `Didn't understand relationship '${sq.relationshipName}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`);
    }
    const child = this.object(rel.childSObject);
    const where = this.compileWhere(child, sq.where);
    const project = this.compileProjection(child, sq as Query);
    let byParent: Map<string, Rec[]> | undefined;
    return {
      name: rel.relationshipName,
      run: (rec) => {
        if (!byParent) {
          byParent = new Map();
          for (const r of this.ctx.store.all(child.name)) {
            if ((!this.ctx.includeDeleted && r.IsDeleted) || typeof r[rel.field] !== 'string' || !where(r)) continue;
            const list = byParent.get(r[rel.field] as string) ?? [];
            list.push(r);
            byParent.set(r[rel.field] as string, list);
          }
        }
        let rows = this.sort(child, byParent.get(rec.Id as string) ?? [], sq.orderBy);
        rows = rows.slice(sq.offset ?? 0, sq.limit !== undefined ? (sq.offset ?? 0) + sq.limit : undefined);
        if (!rows.length) return null;
        const batch = this.ctx.childBatchSize;
        if (batch && this.ctx.openChildCursor && rows.length > batch) {
          const records = rows.map(project);
          return { totalSize: rows.length, done: false, nextRecordsUrl: this.ctx.openChildCursor(records, rows.length, batch), records: records.slice(0, batch) };
        }
        return { totalSize: rows.length, done: true, records: rows.map(project) };
      },
    };
  }

  private sort(obj: ObjectDef, rows: Rec[], orderBy: OrderByClause | OrderByClause[] | undefined): Rec[] {
    const clauses = orderBy ? (Array.isArray(orderBy) ? orderBy : [orderBy]) : [];
    if (!clauses.length) return rows;
    const keys = clauses.map((c) => {
      if (!('field' in c) || !c.field) throw soqlError('MALFORMED_QUERY', this.soql, 'ORDER BY', 'ORDER BY on functions is not supported by this emulator');
      const ref = this.resolve(obj, c.field);
      const desc = c.order === 'DESC';
      const nullsFirst = c.nulls ? c.nulls === 'FIRST' : !desc;
      return { ref, desc, nullsFirst };
    });
    const decorated = rows.map((r) => ({ r, k: keys.map((k) => toComparable(k.ref.field, this.valueOf(r, k.ref))) }));
    decorated.sort((a, b) => {
      for (let i = 0; i < keys.length; i++) {
        const x = a.k[i];
        const y = b.k[i];
        if (x === y) continue;
        if (x === null) return keys[i].nullsFirst ? -1 : 1;
        if (y === null) return keys[i].nullsFirst ? 1 : -1;
        const c = compare(x, y);
        if (c !== 0) return keys[i].desc ? -c : c;
      }
      return 0;
    });
    return decorated.map((d) => d.r);
  }

  private compileWhere(obj: ObjectDef, where: Query['where']): Predicate {
    let expr: Expr | undefined;
    try {
      expr = buildExpr(where);
    } catch {
      throw soqlError('MALFORMED_QUERY', this.soql, 'WHERE', 'unexpected token in WHERE clause');
    }
    if (!expr) return () => true;
    return this.compileExpr(obj, expr);
  }

  private compileExpr(obj: ObjectDef, e: Expr): Predicate {
    switch (e.kind) {
      case 'and': {
        const ps = e.items.map((i) => this.compileExpr(obj, i));
        return (r) => ps.every((p) => p(r));
      }
      case 'or': {
        const ps = e.items.map((i) => this.compileExpr(obj, i));
        return (r) => ps.some((p) => p(r));
      }
      case 'not': {
        const p = this.compileExpr(obj, e.item);
        return (r) => !p(r);
      }
      default:
        return this.compileCondition(obj, e.cond);
    }
  }

  private compileCondition(obj: ObjectDef, cond: Condition): Predicate {
    const c = cond as Condition & { operator?: string; field?: string; fn?: unknown; value?: string | string[]; literalType?: string | string[]; dateLiteralVariable?: number | number[]; valueQuery?: Query };
    if (!c.field) throw soqlError('MALFORMED_QUERY', this.soql, 'WHERE', 'Functions in WHERE are not supported by this emulator');
    const ref = this.resolve(obj, c.field);
    const op = String(c.operator).toUpperCase();
    const get = (r: Rec): Comparable => toComparable(ref.field, this.valueOf(r, ref));

    if (c.literalType === 'SUBQUERY' && c.valueQuery) {
      const sub = new Evaluator(this.soql, { ...this.ctx, includeDeleted: false });
      const subObj = sub.object(c.valueQuery.sObject ?? '');
      const subField = c.valueQuery.fields?.[0];
      if (!subField || (subField.type !== 'Field' && subField.type !== 'FieldRelationship')) throw soqlError('MALFORMED_QUERY', this.soql, 'SELECT', 'Semi-join sub-selects must select exactly one field');
      const subRef = sub.resolve(subObj, subField.type === 'Field' ? subField.field : [...subField.relationships, subField.field].join('.'));
      const subWhere = sub.compileWhere(subObj, c.valueQuery.where);
      const values = new Set(this.ctx.store.all(subObj.name).filter((r) => !r.IsDeleted && subWhere(r)).map((r) => toComparable(subRef.field, sub.valueOf(r, subRef))));
      return op === 'NOT IN' ? (r) => !values.has(get(r)) : (r) => values.has(get(r));
    }

    const rawValues = Array.isArray(c.value) ? c.value : [c.value ?? ''];
    const types = Array.isArray(c.literalType) ? c.literalType : rawValues.map(() => (c.literalType as string) ?? 'STRING');
    const ns = Array.isArray(c.dateLiteralVariable) ? c.dateLiteralVariable : rawValues.map(() => c.dateLiteralVariable as number | undefined);
    const lits = rawValues.map((v, i) => this.literal(ref.field, c.field as string, types[i], v, ns[i]));

    if (op === 'IN' || op === 'NOT IN') {
      const match = (v: Comparable): boolean => lits.some((l) => (l.kind === 'range' ? inRange(v, l) : l.v === v));
      return op === 'IN' ? (r) => match(get(r)) : (r) => !match(get(r));
    }
    if (op === 'INCLUDES' || op === 'EXCLUDES') {
      const sets = lits.map((l) => String(l.kind === 'value' ? l.v : '').split(';').map((s) => s.trim()));
      const includes = (r: Rec): boolean => {
        const v = get(r);
        if (v === null) return false;
        const have = new Set(String(v).split(';'));
        return sets.some((s) => s.every((x) => have.has(x)));
      };
      return op === 'INCLUDES' ? includes : (r) => !includes(r);
    }
    const lit = lits[0];
    if (op === 'LIKE') {
      if (!isTextType(ref.field.type) && ref.field.type !== 'id' && ref.field.type !== 'reference') throw soqlError('INVALID_FIELD', this.soql, c.field, `invalid operator on ${ref.field.type} field: LIKE`);
      const re = likeRegex(String(lit.kind === 'value' ? lit.v : ''));
      return (r) => {
        const v = get(r);
        return v !== null && re.test(String(v));
      };
    }
    if (lit.kind === 'range') {
      const [start, end] = [lit.start, lit.end];
      const test: Record<string, (v: number) => boolean> = {
        '=': (v) => v >= start && v < end,
        '!=': (v) => !(v >= start && v < end),
        '<>': (v) => !(v >= start && v < end),
        '<': (v) => v < start,
        '<=': (v) => v < end,
        '>': (v) => v >= end,
        '>=': (v) => v >= start,
      };
      const t = test[op];
      if (!t) throw soqlError('MALFORMED_QUERY', this.soql, op, `unexpected token: '${op}'`);
      return (r) => {
        const v = get(r);
        return v === null ? op === '!=' || op === '<>' : t(v as number);
      };
    }
    const x = lit.v;
    switch (op) {
      case '=':
        return (r) => get(r) === x;
      case '!=':
      case '<>':
        return (r) => get(r) !== x;
      case '<':
      case '<=':
      case '>':
      case '>=': {
        if (x === null) return () => false;
        return (r) => {
          const v = get(r);
          if (v === null) return false;
          const cmp = compare(v, x);
          return op === '<' ? cmp < 0 : op === '<=' ? cmp <= 0 : op === '>' ? cmp > 0 : cmp >= 0;
        };
      }
      default:
        throw soqlError('MALFORMED_QUERY', this.soql, op, `unexpected token: '${op}'`);
    }
  }

  /** Converts a WHERE literal to the comparable form of the field's type, rejecting type mismatches like a real org. */
  private literal(f: FieldDef, fieldText: string, type: string, raw: string, n: number | undefined): { kind: 'value'; v: Comparable } | { kind: 'range'; start: number; end: number } {
    const quotedMismatch = (expected: string, quoted: boolean): SfError =>
      soqlError('INVALID_FIELD', this.soql, raw, `value of filter criterion for field '${fieldText}' must be of type ${expected} and ${quoted ? 'should not be enclosed in quotes' : 'should be enclosed in quotes'}`);
    if (type === 'NULL') return { kind: 'value', v: null };
    switch (f.type) {
      case 'date':
      case 'datetime': {
        const expected = f.type === 'date' ? 'date' : 'dateTime';
        if (type === 'DATE_LITERAL' || type === 'DATE_N_LITERAL') {
          const range = dateLiteralRange(raw, n, this.ctx.now);
          if (!range) throw soqlError('MALFORMED_QUERY', this.soql, raw, `unexpected token: '${raw}'`);
          return { kind: 'range', start: range[0], end: range[1] };
        }
        if (f.type === 'date' && type === 'DATE') return { kind: 'value', v: parseDate(raw) ?? null };
        if (f.type === 'datetime' && type === 'DATETIME') {
          const t = parseDateTime(raw);
          if (t === undefined) throw soqlError('MALFORMED_QUERY', this.soql, raw, `line 1:0 no viable alternative at character '${raw}'`);
          return { kind: 'value', v: t };
        }
        throw quotedMismatch(expected, type === 'STRING');
      }
      case 'boolean':
        if (type !== 'BOOLEAN') throw quotedMismatch('boolean', type === 'STRING');
        return { kind: 'value', v: raw.toUpperCase() === 'TRUE' };
      case 'int':
      case 'double':
      case 'currency':
      case 'percent':
        if (type !== 'INTEGER' && type !== 'DECIMAL') throw quotedMismatch(f.type === 'int' ? 'int' : 'double', type === 'STRING');
        return { kind: 'value', v: Number(raw) };
      case 'id':
      case 'reference': {
        if (type !== 'STRING') throw quotedMismatch('id', false);
        const s = unquote(raw);
        if (s === '') return { kind: 'value', v: null };
        const id = normalizeId(s);
        if (!id) throw soqlError('INVALID_QUERY_FILTER_OPERATOR', this.soql, raw, `invalid ID field: ${s}`);
        return { kind: 'value', v: id };
      }
      default:
        if (type !== 'STRING') throw quotedMismatch('string', false);
        return { kind: 'value', v: unquote(raw).toLowerCase() };
    }
  }

  private aggregate(obj: ObjectDef, q: Query, rows: Rec[]): SoqlResult {
    const groupBy = q.groupBy ? (Array.isArray(q.groupBy) ? q.groupBy : [q.groupBy]) : [];
    const groupRefs = groupBy.map((g) => {
      if (!('field' in g) || !g.field) throw soqlError('MALFORMED_QUERY', this.soql, 'GROUP BY', 'GROUP BY functions are not supported by this emulator');
      return this.resolve(obj, g.field);
    });
    let expr = 0;
    const cols = (q.fields ?? []).map((f) => {
      if (f.type === 'FieldFunctionExpression' && f.isAggregateFn) {
        const param = f.parameters?.[0];
        const ref = typeof param === 'string' ? this.resolve(obj, param) : undefined;
        return { kind: 'agg' as const, fn: f.functionName.toUpperCase(), ref, name: f.alias ?? `expr${expr++}` };
      }
      const path = f.type === 'Field' ? f.field : f.type === 'FieldRelationship' ? [...f.relationships, f.field].join('.') : '';
      const ref = this.resolve(obj, path);
      if (!groupRefs.some((g) => g.field === ref.field && g.rels.length === ref.rels.length)) {
        throw soqlError('MALFORMED_QUERY', this.soql, path, `Field must be grouped or aggregated: ${ref.field.name}`);
      }
      return { kind: 'group' as const, ref, name: (f as { alias?: string }).alias ?? ref.field.name };
    });
    const groups = new Map<string, Rec[]>();
    for (const r of rows) {
      const key = JSON.stringify(groupRefs.map((g) => toComparable(g.field, this.valueOf(r, g))));
      const list = groups.get(key) ?? [];
      list.push(r);
      groups.set(key, list);
    }
    if (!groupRefs.length && !groups.size) groups.set('[]', []);
    const having = this.compileHaving(obj, q.having);
    let out = [...groups.values()].filter(having).map((members) => {
      const rec: Rec = { attributes: { type: 'AggregateResult' } };
      for (const col of cols) {
        if (col.kind === 'group') {
          rec[col.name] = members.length ? this.valueOf(members[0], col.ref) : null;
          continue;
        }
        rec[col.name] = this.aggValue(col.fn, col.ref, members);
      }
      return rec;
    });
    out = out.slice(q.offset ?? 0, q.limit !== undefined ? (q.offset ?? 0) + q.limit : undefined);
    return { totalSize: out.length, records: out, entity: 'AggregateResult' };
  }

  private aggValue(fn: AggFn, ref: PathRef | undefined, members: Rec[]): unknown {
    const values = ref ? members.map((m) => this.valueOf(m, ref)).filter((v) => v !== null && v !== undefined) : members;
    switch (fn) {
      case 'COUNT':
        return values.length;
      case 'COUNT_DISTINCT':
        return new Set(values.map((v) => String(v).toLowerCase())).size;
      case 'SUM':
        return values.length ? (values as number[]).reduce((a, b) => a + b, 0) : null;
      case 'AVG':
        return values.length ? (values as number[]).reduce((a, b) => a + b, 0) / values.length : null;
      case 'MIN':
      case 'MAX': {
        const f = (ref as PathRef).field;
        const sorted = [...values].sort((a, b) => compare(toComparable(f, a), toComparable(f, b)));
        return sorted.length ? (fn === 'MIN' ? sorted[0] : sorted[sorted.length - 1]) : null;
      }
      default:
        throw soqlError('MALFORMED_QUERY', this.soql, fn, `Unsupported aggregate function: ${fn}`);
    }
  }

  /** HAVING: conditions on aggregate functions or grouped fields, evaluated per group. */
  private compileHaving(obj: ObjectDef, having: Query['having']): (members: Rec[]) => boolean {
    let expr: Expr | undefined;
    try {
      expr = buildExpr(having as Query['where']);
    } catch {
      throw soqlError('MALFORMED_QUERY', this.soql, 'HAVING', 'unexpected token in HAVING clause');
    }
    if (!expr) return () => true;
    const compile = (e: Expr): ((members: Rec[]) => boolean) => {
      if (e.kind === 'and') {
        const ps = e.items.map(compile);
        return (m) => ps.every((p) => p(m));
      }
      if (e.kind === 'or') {
        const ps = e.items.map(compile);
        return (m) => ps.some((p) => p(m));
      }
      if (e.kind === 'not') {
        const p = compile(e.item);
        return (m) => !p(m);
      }
      const c = (e as { cond: Condition }).cond as Condition & { fn?: { functionName: string; parameters?: unknown[] }; field?: string; operator?: string; value?: string | string[]; literalType?: string };
      let get: (members: Rec[]) => unknown;
      if (c.fn) {
        const fn = c.fn.functionName.toUpperCase();
        const param = c.fn.parameters?.[0];
        const ref = typeof param === 'string' ? this.resolve(obj, param) : undefined;
        get = (m) => this.aggValue(fn, ref, m);
      } else if (c.field) {
        const ref = this.resolve(obj, c.field);
        get = (m) => (m.length ? this.valueOf(m[0], ref) : null);
      } else throw soqlError('MALFORMED_QUERY', this.soql, 'HAVING', 'unexpected token in HAVING clause');
      const lit = (raw: string): Comparable => (c.literalType === 'STRING' ? unquote(raw).toLowerCase() : c.literalType === 'NULL' ? null : Number(raw));
      const norm = (v: unknown): Comparable => (v === null || v === undefined ? null : typeof v === 'number' ? v : String(v).toLowerCase());
      const op = String(c.operator).toUpperCase();
      if (op === 'IN' || op === 'NOT IN') {
        const set = new Set((Array.isArray(c.value) ? c.value : [c.value ?? '']).map(lit));
        return (m) => set.has(norm(get(m))) === (op === 'IN');
      }
      const x = lit(Array.isArray(c.value) ? c.value[0] : (c.value ?? ''));
      return (m) => {
        const v = norm(get(m));
        if (op === '=') return v === x;
        if (op === '!=' || op === '<>') return v !== x;
        if (v === null || x === null) return false;
        const cmp = compare(v, x);
        return op === '<' ? cmp < 0 : op === '<=' ? cmp <= 0 : op === '>' ? cmp > 0 : op === '>=' ? cmp >= 0 : false;
      };
    };
    return compile(expr);
  }
}

type AggFn = 'COUNT' | 'COUNT_DISTINCT' | 'SUM' | 'AVG' | 'MIN' | 'MAX' | string;

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\', _: '_', '%': '%' };

/** A quoted string literal's value: SOQL's escape sequences (letters in either case); any other escape is malformed. */
function unquote(raw: string): string {
  const s = raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1) : raw;
  return s.replace(/\\([\s\S])/g, (_m, c: string) => {
    const v = ESCAPES[c.length === 1 && /[A-Z]/.test(c) ? c.toLowerCase() : c];
    if (v === undefined) {
      throw soqlError('MALFORMED_QUERY', raw, `\\${c}`, `Invalid string literal '${s}'. Illegal character sequence '\\${c}' in string literal.`);
    }
    return v;
  });
}

function likeRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) re += pattern[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (ch === '%') re += '.*';
    else if (ch === '_') re += '.';
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

function toComparable(f: FieldDef, v: unknown): Comparable {
  if (v === null || v === undefined) return null;
  switch (f.type) {
    case 'date':
      return parseDate(String(v)) ?? null;
    case 'datetime':
      return parseDateTime(String(v)) ?? null;
    case 'boolean':
      return Boolean(v);
    case 'int':
    case 'double':
    case 'currency':
    case 'percent':
      return Number(v);
    case 'id':
    case 'reference':
      return String(v);
    default:
      return String(v).toLowerCase();
  }
}

function compare(a: Comparable, b: Comparable): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function inRange(v: Comparable, r: { start: number; end: number }): boolean {
  return typeof v === 'number' && v >= r.start && v < r.end;
}
