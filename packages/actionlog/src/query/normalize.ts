import { LEVEL, LEVEL_NAMES, parseLevel } from '../record/levels.js';
import type { Expr, QueryAst, Stage } from './ast.js';

/**
 * Rewrites that make a query mean what people type, applied before any backend compiles it:
 * `level >= "warn"` becomes `level in ["WARNING", "ERROR", "CRITICAL"]`, and `level = "error"`
 * compares with the canonical name. Only record fields are touched (not columns after stats).
 */
export function normalizeQuery(ast: QueryAst): QueryAst {
  let records = true;
  const stages: Stage[] = ast.stages.map((stage) => {
    if (stage.kind === 'fields' || stage.kind === 'stats') records = false;
    if (stage.kind !== 'filter' || !records) return stage;
    return { kind: 'filter', where: normalizeExpr(stage.where) };
  });
  return { range: { ...ast.range }, stages };
}

export function normalizeExpr(expr: Expr): Expr {
  switch (expr.kind) {
    case 'and':
    case 'or':
      return { kind: expr.kind, items: expr.items.map(normalizeExpr) };
    case 'not':
      return { kind: 'not', item: normalizeExpr(expr.item) };
    case 'compare': {
      if (!isLevel(expr.field.path) || typeof expr.value !== 'string') return expr;
      const level = parseLevel(expr.value);
      if (level === undefined) return expr;
      if (expr.op === '=' || expr.op === '!=') return { ...expr, value: level };
      const weight = LEVEL[level];
      const names = LEVEL_NAMES.filter((name) => {
        const w = LEVEL[name];
        return expr.op === '<'
          ? w < weight
          : expr.op === '<='
            ? w <= weight
            : expr.op === '>'
              ? w > weight
              : w >= weight;
      });
      // Nothing is above CRITICAL or below DEBUG: a value no record has.
      return { kind: 'in', field: expr.field, values: names.length > 0 ? names : ['\u0000no level'] };
    }
    case 'in':
      if (!isLevel(expr.field.path)) return expr;
      return {
        ...expr,
        values: expr.values.map((v) => (typeof v === 'string' ? (parseLevel(v) ?? v) : v)),
      };
    default:
      return expr;
  }
}

function isLevel(path: readonly string[]): boolean {
  return path.length === 1 && path[0] === 'level';
}
