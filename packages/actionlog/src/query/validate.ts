import { AGGREGATE_FUNCTIONS, type Expr, type FieldRef, MAX_LIMIT, type QueryAst } from './ast.js';
import { QueryError } from './errors.js';
import { parseStageRegex } from './glob.js';

/**
 * Which names a stage can see: any record field (`records`), or only the columns the previous
 * `stats` produced (`columns`). `fields` only chooses what is shown at the end.
 */
export type Scope = { kind: 'records'; derived: Set<string> } | { kind: 'columns'; names: string[] };

/**
 * Checks what the grammar cannot: fields that do not exist after `stats`, duplicate
 * column names, full-text search after aggregation, bad regular expressions in a built AST.
 * Throws QueryError (with the column when the AST came from text).
 */
export function checkPipeline(ast: QueryAst, text?: string): void {
  const { from, to } = ast.range;
  if (from !== undefined && to !== undefined && from >= to) {
    throw new QueryError(`the time range is empty: from ${iso(from)} is not before to ${iso(to)}`);
  }
  let scope: Scope = { kind: 'records', derived: new Set() };
  const fail = (detail: string, column?: number): never => {
    throw new QueryError(detail, text, text === undefined ? undefined : column);
  };
  const see = (field: FieldRef) => {
    if (scope.kind === 'columns' && !scope.names.includes(field.text)) {
      fail(`unknown column "${field.text}" here (available: ${scope.names.join(', ')})`, field.column);
    }
  };
  const checkExpr = (expr: Expr): void => {
    switch (expr.kind) {
      case 'and':
      case 'or':
        if (expr.items.length === 0) fail(`an empty "${expr.kind}"`);
        expr.items.forEach(checkExpr);
        return;
      case 'not':
        checkExpr(expr.item);
        return;
      case 'text':
        if (scope.kind === 'columns') {
          fail('a "search text" matches raw records, so it must come before stats', expr.column);
        }
        if (expr.term === '') fail('empty search text');
        return;
      case 'like':
        see(expr.field);
        try {
          new RegExp(expr.pattern, expr.flags);
        } catch (error) {
          fail(
            `invalid regular expression /${expr.pattern}/: ${(error as Error).message}`,
            expr.field.column,
          );
        }
        return;
      case 'in':
        if (expr.values.length === 0) fail('empty list after "in"', expr.field.column);
        see(expr.field);
        return;
      default:
        see(expr.field);
    }
  };

  for (const stage of ast.stages) {
    switch (stage.kind) {
      case 'filter':
        checkExpr(stage.where);
        break;
      case 'parse': {
        see(stage.field);
        try {
          parseStageRegex(stage);
        } catch (error) {
          fail(`invalid parse pattern: ${(error as Error).message}`, stage.field.column);
        }
        if (stage.names.length === 0) fail('parse needs at least one name', stage.field.column);
        if (scope.kind === 'records') for (const name of stage.names) scope.derived.add(name);
        else {
          const columns: Array<{ name: string; column?: number }> = [...scope.names, ...stage.names].map(
            (name) => ({ name, column: stage.field.column }),
          );
          scope = { kind: 'columns', names: unique(columns, fail) };
        }
        break;
      }
      case 'fields':
        // Chooses what is shown; later stages still see every field, and the aliases too.
        if (stage.fields.length === 0) fail('fields needs at least one field');
        for (const p of stage.fields) see(p.field);
        unique(
          stage.fields.map((p) => ({ name: p.as, column: p.field.column })),
          fail,
        );
        if (scope.kind === 'records') for (const p of stage.fields) scope.derived.add(p.as);
        else
          scope = {
            kind: 'columns',
            names: [...new Set([...scope.names, ...stage.fields.map((p) => p.as)])],
          };
        break;
      case 'stats': {
        if (stage.aggregates.length === 0) fail('stats needs at least one aggregate, e.g. count()');
        for (const aggregate of stage.aggregates) {
          if (!AGGREGATE_FUNCTIONS.includes(aggregate.fn)) fail(`unknown aggregate "${aggregate.fn}"`);
          if (aggregate.field) see(aggregate.field);
          else if (aggregate.fn !== 'count') fail(`${aggregate.fn}() needs a field`);
        }
        for (const key of stage.by) {
          see(key.field);
          if (key.kind === 'bin' && (!Number.isInteger(key.ms / 1000) || key.ms < 1000)) {
            fail('bin() needs a whole number of seconds, at least 1s', key.field.column);
          }
        }
        scope = {
          kind: 'columns',
          names: unique(
            [
              ...stage.by.map((k) => ({ name: k.as, column: k.field.column })),
              ...stage.aggregates.map((a) => ({ name: a.as, column: a.column })),
            ],
            fail,
          ),
        };
        break;
      }
      case 'sort':
        if (stage.keys.length === 0) fail('sort needs at least one field');
        for (const k of stage.keys) see(k.field);
        break;
      case 'limit':
        if (!Number.isInteger(stage.count) || stage.count < 1 || stage.count > MAX_LIMIT) {
          fail(`limit must be a whole number from 1 to ${MAX_LIMIT}`);
        }
        if (!Number.isInteger(stage.offset) || stage.offset < 0 || stage.offset > MAX_LIMIT) {
          fail(`offset must be a whole number from 0 to ${MAX_LIMIT}`);
        }
        break;
    }
  }
}

function unique(
  names: ReadonlyArray<{ name: string; column?: number }>,
  fail: (detail: string, column?: number) => never,
): string[] {
  const seen = new Set<string>();
  for (const { name, column } of names) {
    if (seen.has(name)) fail(`duplicate column name "${name}": rename one with "as"`, column);
    seen.add(name);
  }
  return names.map((n) => n.name);
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
