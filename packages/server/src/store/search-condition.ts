import type { Expr, FieldRef, Literal } from 'actionlog';
import type { SearchFilters } from './store.js';

/** Where a bare string in a search `q` looks: the fields the full-text index covers. */
export const TEXT_FIELDS = ['message', 'error.type', 'error.message'] as const;

export interface SearchCondition {
  /** Every filter as one condition of the query language (undefined: all records). */
  where: Expr | undefined;
  /**
   * Terms every match must contain in a TEXT_FIELDS field (the bare strings `q` requires at its
   * top level): a backend with a full-text index may narrow the candidates with them first. The
   * condition itself stays exact, so using them is only ever a speed-up.
   */
  indexTerms: string[];
}

const STRING_FILTERS = [
  'service',
  'status',
  'action',
  'level',
  'category',
  'session_id',
  'trace_id',
  'user_id',
] as const;

export function field(text: string): FieldRef {
  return { path: text.split('.'), text };
}

/** The search filters (all but the time range, which backends apply to their time index) as one condition. */
export function searchCondition(filters: SearchFilters): SearchCondition {
  const items: Expr[] = [];
  for (const name of STRING_FILTERS) {
    const values = filters[name];
    if (values === undefined || values.length === 0) continue;
    items.push(oneOf(name, values));
  }
  if (filters.minDuration !== undefined)
    items.push({ kind: 'compare', field: field('duration_ms'), op: '>=', value: filters.minDuration });
  if (filters.maxDuration !== undefined)
    items.push({ kind: 'compare', field: field('duration_ms'), op: '<=', value: filters.maxDuration });
  const indexTerms: string[] = [];
  if (filters.q !== undefined) {
    collectTerms(filters.q, indexTerms);
    items.push(textToFields(filters.q));
  }
  return { where: allOf(items), indexTerms };
}

export function oneOf(name: string, values: readonly Literal[]): Expr {
  return values.length === 1
    ? { kind: 'compare', field: field(name), op: '=', value: values[0] }
    : { kind: 'in', field: field(name), values: [...values] };
}

export function allOf(items: Expr[]): Expr | undefined {
  if (items.length === 0) return undefined;
  return items.length === 1 ? items[0] : { kind: 'and', items };
}

function collectTerms(expr: Expr, out: string[]): void {
  if (expr.kind === 'text') out.push(expr.term);
  else if (expr.kind === 'and') for (const item of expr.items) collectTerms(item, out);
}

/** Each bare string becomes "one of TEXT_FIELDS contains it, ignoring case". */
function textToFields(expr: Expr): Expr {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return { kind: expr.kind, items: expr.items.map(textToFields) };
    case 'not':
      return { kind: 'not', item: textToFields(expr.item) };
    case 'text': {
      const pattern = expr.term.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      return {
        kind: 'or',
        items: TEXT_FIELDS.map((name) => ({ kind: 'like', field: field(name), pattern, flags: 'i' }) as Expr),
      };
    }
    default:
      return expr;
  }
}
