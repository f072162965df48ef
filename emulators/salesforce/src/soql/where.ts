import type { Condition, WhereClause } from '@jetstreamapp/soql-parser-js';

/** A boolean expression tree rebuilt from the parser's flat, paren-counted WHERE chain. */
export type Expr = { kind: 'and' | 'or'; items: Expr[] } | { kind: 'not'; item: Expr } | { kind: 'cond'; cond: Condition };

type Token = '(' | ')' | 'AND' | 'OR' | 'NOT' | Condition;

function tokenize(where: WhereClause | undefined): Token[] {
  const out: Token[] = [];
  let node: WhereClause | undefined = where;
  while (node) {
    const left = node.left as (Condition & { openParen?: number; closeParen?: number }) | null;
    if (left) {
      for (let i = 0; i < (left.openParen ?? 0); i++) out.push('(');
      out.push(left);
      for (let i = 0; i < (left.closeParen ?? 0); i++) out.push(')');
    }
    const op = (node as { operator?: string }).operator;
    if (op === 'AND' || op === 'OR' || op === 'NOT') out.push(op);
    node = (node as { right?: WhereClause }).right;
  }
  return out;
}

export function buildExpr(where: WhereClause | undefined): Expr | undefined {
  const tokens = tokenize(where);
  if (!tokens.length) return undefined;
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const parseOr = (): Expr => {
    const items = [parseAnd()];
    while (peek() === 'OR') {
      pos++;
      items.push(parseAnd());
    }
    return items.length === 1 ? items[0] : { kind: 'or', items };
  };
  const parseAnd = (): Expr => {
    const items = [parseNot()];
    while (peek() === 'AND') {
      pos++;
      items.push(parseNot());
    }
    return items.length === 1 ? items[0] : { kind: 'and', items };
  };
  const parseNot = (): Expr => {
    if (peek() === 'NOT') {
      pos++;
      return { kind: 'not', item: parseNot() };
    }
    const t = tokens[pos++];
    if (t === '(') {
      const e = parseOr();
      if (tokens[pos] === ')') pos++;
      return e;
    }
    if (typeof t === 'object') return { kind: 'cond', cond: t };
    throw new Error('unexpected token in WHERE');
  };
  return parseOr();
}
