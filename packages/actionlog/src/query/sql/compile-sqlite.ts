import type { Aggregate, Expr, FieldRef, Literal, QueryAst, Row } from '../ast.js';
import { QueryError } from '../errors.js';
import { globToRegex } from '../glob.js';
import { normalizeQuery } from '../normalize.js';
import { checkPipeline } from '../validate.js';
import { textNeedle } from '../values.js';
import { type Fragment, join, param, raw, sql } from './fragment.js';

/**
 * Where the records live. The table holds one row per record with the record's JSON line in
 * `raw`; top-level fields may also be copied into their own columns (`columns`) so they can be
 * indexed. Declare those columns without a type (or `ANY` in a STRICT table) so a value keeps
 * the type it had in JSON; they are meant for string and number fields (timestamp, level,
 * service, …), not booleans.
 */
export interface SqliteTarget {
  /** Default `records`. */
  table?: string;
  /** The column with the JSON line. Default `raw`. */
  raw?: string;
  /** Top-level field → column, e.g. `{ timestamp: 'ts', level: 'level' }`. */
  columns?: Record<string, string>;
  /** A column in insertion order (ties in time come out latest first). Default `rowid`. */
  order?: string;
}

export interface CompiledSql {
  /** One statement; every value from the query is a bound `?` parameter. */
  sql: string;
  params: unknown[];
  /** A result row as the row the JS engine gives for the same query. */
  decode(row: Record<string, unknown>): Row;
}

/**
 * A column the query can see: its SQL value, its JSON type (SQLite's json_type names, NULL when
 * missing or null) and how to read it back.
 */
interface Column {
  value: Fragment;
  type: Fragment;
  /** The JSON text of the value (for output and grouping). */
  json: Fragment;
  /** For json_each when the value may be an array: `(raw, path)`. */
  each?: Fragment;
  /** Output read as JSON text (`json`) or as the SQL value itself (`value`). */
  read: 'json' | 'value';
}

interface State {
  cte: string;
  mode: 'records' | 'columns';
  /** records: names a parse or `fields … as` added; columns: every visible column, in output order. */
  columns: Map<string, Column>;
  order: Fragment[];
  /** The last `fields` since the last stats: what is shown. */
  projection?: Array<{ name: string; column: Column }>;
}

const PERCENTILES: Record<string, number> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

/**
 * Compiles a query to one SQLite statement with bound parameters only. The result, decoded,
 * equals what the JS engine returns for the same records (a shared test table proves it).
 * `like` and `parse` call `al_regexp` / `al_capture`: add them with registerSqliteFunctions(db).
 * Percentiles use percentile_cont (SQLite ≥ 3.47 built with it, as better-sqlite3 is).
 */
export function compileSqlite(query: QueryAst, target: SqliteTarget = {}): CompiledSql {
  checkPipeline(query);
  const ast = normalizeQuery(query);
  const table = target.table ?? 'records';
  const rawColumn = target.raw ?? 'raw';
  const promoted = Object.entries(target.columns ?? {});
  const ctes: Fragment[] = [];
  let counter = 0;
  const fresh = (prefix: string) => `${prefix}${counter++}`;

  // Stage 0: the records in the time range, with the columns every later stage may use.
  const promotedAlias = new Map(promoted.map(([field], i) => [field, `p${i}`]));
  const select = [
    sql`${ident(target.order ?? 'rowid')} AS _ord`,
    sql`${ident(rawColumn)} AS _raw`,
    ...promoted.map(([field, column]) => sql`${ident(column)} AS ${raw(promotedAlias.get(field)!)}`),
  ];
  const recordColumn = (field: FieldRef, derived: Map<string, Column>): Column => {
    if (field.path.length === 1) {
      const captured = derived.get(field.path[0]);
      if (captured) return captured;
      const alias = promotedAlias.get(field.path[0]);
      if (alias) return typedColumn(raw(alias));
    }
    const path = jsonPath(field);
    return {
      value: sql`json_extract(_raw, ${param(path)})`,
      type: sql`json_type(_raw, ${param(path)})`,
      json: sql`(_raw -> ${param(path)})`,
      each: sql`_raw, ${param(path)}`,
      read: 'json',
    };
  };
  const conditions: Fragment[] = [];
  const { from, to } = ast.range;
  if (from !== undefined || to !== undefined) {
    const ts = recordColumnAtSource({ path: ['timestamp'], text: 'timestamp' }, target, rawColumn);
    conditions.push(sql`${ts.type} IS 'text'`);
    if (from !== undefined) conditions.push(sql`${ts.value} >= ${param(new Date(from).toISOString())}`);
    if (to !== undefined) conditions.push(sql`${ts.value} < ${param(new Date(to).toISOString())}`);
  }
  ctes.push(
    sql`s0 AS (SELECT ${join(select, ', ')} FROM ${ident(table)}${conditions.length ? sql` WHERE ${join(conditions, ' AND ')}` : raw('')})`,
  );
  const initialTs = recordColumn({ path: ['timestamp'], text: 'timestamp' }, new Map());
  let state: State = {
    cte: 's0',
    mode: 'records',
    columns: new Map(),
    order: [sql`${initialTs.value} DESC`, raw('_ord DESC')],
  };
  const resolve = (field: FieldRef): Column => {
    if (state.mode === 'records') return recordColumn(field, state.columns);
    const column = state.columns.get(field.text);
    if (!column) throw new QueryError(`unknown column "${field.text}"`);
    return column;
  };
  const push = (body: Fragment, next: Omit<State, 'cte'>) => {
    const name = `s${ctes.length}`;
    ctes.push(sql`${raw(name)} AS (${body})`);
    state = { ...next, cte: name };
  };

  for (const stage of ast.stages) {
    const from = raw(state.cte);
    switch (stage.kind) {
      case 'filter':
        push(sql`SELECT * FROM ${from} WHERE ${condition(stage.where, resolve, state.mode)}`, state);
        break;
      case 'parse': {
        const source = resolve(stage.field);
        const pattern = stage.regex ? stage.pattern : globToRegex(stage.pattern);
        const flags = stage.regex ? stage.flags : 's';
        const added: Fragment[] = [];
        const columns = new Map(state.columns);
        stage.names.forEach((name, i) => {
          const alias = fresh('d');
          const textValue = sql`CASE WHEN ${source.type} IS 'text' THEN ${source.value} END`;
          added.push(
            sql`al_capture(${param(pattern)}, ${param(flags)}, ${textValue}, ${param(i + 1)}) AS ${raw(alias)}`,
          );
          columns.delete(name);
          columns.set(name, typedColumn(raw(alias)));
        });
        push(sql`SELECT *, ${join(added, ', ')} FROM ${from}`, { ...state, columns });
        break;
      }
      case 'fields': {
        // Chooses what is shown at the end; aliases become fields later stages can use.
        const projection = stage.fields.map((p) => ({ name: p.as, column: resolve(p.field) }));
        const columns = new Map(state.columns);
        for (const [i, p] of stage.fields.entries()) {
          if (p.as === p.field.text) continue;
          columns.delete(p.as);
          columns.set(p.as, projection[i].column);
        }
        state = { ...state, columns, projection };
        break;
      }
      case 'stats': {
        const selects: Fragment[] = [];
        const groupBy: Fragment[] = [];
        const columns = new Map<string, Column>();
        const order: Fragment[] = [];
        for (const key of stage.by) {
          const source = resolve(key.field);
          const k = fresh('k');
          if (key.kind === 'bin') {
            const bucket = binExpression(source, key.ms);
            selects.push(sql`${bucket} AS ${raw(k)}`);
            groupBy.push(raw(k));
            columns.set(key.as, typedColumn(raw(k)));
          } else {
            const kt = fresh('t');
            const kj = fresh('j');
            selects.push(
              sql`CASE WHEN coalesce(${source.type}, 'null') = 'null' THEN NULL ELSE ${source.json} END AS ${raw(kj)}`,
            );
            selects.push(sql`min(${source.value}) AS ${raw(k)}`, sql`min(${source.type}) AS ${raw(kt)}`);
            groupBy.push(raw(kj));
            columns.set(key.as, { value: raw(k), type: raw(kt), json: raw(kj), read: 'json' });
          }
          order.push(sql`${raw(k)} ASC`);
        }
        for (const aggregate of stage.aggregates) {
          const a = fresh('a');
          selects.push(sql`${aggregateExpression(aggregate, resolve)} AS ${raw(a)}`);
          columns.set(aggregate.as, { ...typedColumn(raw(a)), read: 'value' });
        }
        const grouping = groupBy.length ? sql` GROUP BY ${join(groupBy, ', ')}` : raw('');
        push(sql`SELECT ${join(selects, ', ')} FROM ${from}${grouping}`, {
          mode: 'columns',
          columns,
          order,
          projection: undefined,
        });
        break;
      }
      case 'sort': {
        const keys = stage.keys.map(
          (key) => sql`${resolve(key.field).value} ${raw(key.desc ? 'DESC' : 'ASC')}`,
        );
        state = { ...state, order: [...keys, ...state.order] };
        break;
      }
      case 'limit':
        push(
          sql`SELECT * FROM ${from}${orderBy(state.order)} LIMIT ${param(stage.count)} OFFSET ${param(stage.offset)}`,
          state,
        );
        break;
    }
  }

  let outputs: Fragment[];
  let decode: (row: Record<string, unknown>) => Row;
  if (state.projection) {
    const shown = state.projection;
    outputs = shown.map(
      ({ column }, i) => sql`${column.read === 'json' ? column.json : column.value} AS ${raw(`o${i}`)}`,
    );
    decode = (row) => decodeColumns(row, shown);
  } else if (state.mode === 'records') {
    const captured = [...state.columns.entries()];
    outputs = [raw('_raw'), ...captured.map(([, column], i) => sql`${column.value} AS ${raw(`c${i}`)}`)];
    decode = (row) => {
      const record = JSON.parse(row._raw as string) as Row;
      captured.forEach(([name], i) => {
        delete record[name];
        const value = row[`c${i}`];
        if (value !== null && value !== undefined) record[name] = value;
      });
      return record;
    };
  } else {
    const shown = [...state.columns.entries()].map(([name, column]) => ({ name, column }));
    outputs = shown.map(
      ({ column }, i) => sql`${column.read === 'json' ? column.json : column.value} AS ${raw(`o${i}`)}`,
    );
    decode = (row) => decodeColumns(row, shown);
  }
  const statement = sql`WITH ${join(ctes, ', ')} SELECT ${join(outputs, ', ')} FROM ${raw(state.cte)}${orderBy(state.order)}`;
  return { sql: statement.text, params: [...statement.params], decode };
}

/** A flat result row: each output column read back as JSON text or as its SQL value. */
function decodeColumns(
  row: Record<string, unknown>,
  shown: ReadonlyArray<{ name: string; column: Column }>,
): Row {
  const out: Row = {};
  shown.forEach(({ name, column }, i) => {
    const value = row[`o${i}`];
    out[name] =
      value === null || value === undefined
        ? null
        : column.read === 'json'
          ? JSON.parse(value as string)
          : value;
  });
  return out;
}

function orderBy(order: Fragment[]): Fragment {
  return order.length === 0 ? raw('') : sql` ORDER BY ${join(order, ', ')}`;
}

function recordColumnAtSource(field: FieldRef, target: SqliteTarget, rawColumn: string): Column {
  const column = target.columns?.[field.path[0]];
  if (field.path.length === 1 && column) return typedColumn(ident(column));
  const path = jsonPath(field);
  return {
    value: sql`json_extract(${ident(rawColumn)}, ${param(path)})`,
    type: sql`json_type(${ident(rawColumn)}, ${param(path)})`,
    json: sql`(${ident(rawColumn)} -> ${param(path)})`,
    read: 'json',
  };
}

/** A plain SQL column (promoted field, capture, aggregate): its type from typeof(). */
function typedColumn(value: Fragment): Column {
  return {
    value,
    type: sql`nullif(typeof(${value}), 'null')`,
    json: sql`json_quote(${value})`,
    read: 'json',
  };
}

function condition(expr: Expr, resolve: (field: FieldRef) => Column, mode: 'records' | 'columns'): Fragment {
  const recurse = (e: Expr) => condition(e, resolve, mode);
  switch (expr.kind) {
    case 'and':
    case 'or':
      return sql`(${join(expr.items.map(recurse), expr.kind === 'and' ? ' AND ' : ' OR ')})`;
    case 'not':
      return sql`(NOT ${recurse(expr.item)})`;
    case 'compare': {
      const column = resolve(expr.field);
      if (expr.op === '=') return equals(column, expr.value);
      if (expr.op === '!=') return sql`(NOT ${equals(column, expr.value)})`;
      return sql`(${isType(column, expr.value)} AND ${column.value} ${raw(expr.op)} ${param(expr.value)})`;
    }
    case 'in': {
      const column = resolve(expr.field);
      return sql`(${join(
        expr.values.map((v) => equals(column, v)),
        ' OR ',
      )})`;
    }
    case 'contains': {
      const column = resolve(expr.field);
      const inString = sql`(${column.type} IS 'text' AND instr(${column.value}, ${param(expr.value)}) > 0)`;
      if (!column.each) return inString;
      const inArray = sql`(${column.type} IS 'array' AND EXISTS (SELECT 1 FROM json_each(${column.each}) WHERE type = 'text' AND value = ${param(expr.value)}))`;
      return sql`(${inString} OR ${inArray})`;
    }
    case 'like': {
      const column = resolve(expr.field);
      return sql`(${column.type} IS 'text' AND coalesce(al_regexp(${param(expr.pattern)}, ${param(expr.flags)}, ${column.value}), 0))`;
    }
    case 'exists':
      return sql`(coalesce(${resolve(expr.field).type}, 'null') != 'null')`;
    case 'text':
      if (mode !== 'records') throw new QueryError('a "search text" must come before stats and fields');
      return sql`(instr(lower(_raw), ${param(textNeedle(expr.term))}) > 0)`;
  }
}

function equals(column: Column, value: Literal): Fragment {
  if (value === null) return sql`(coalesce(${column.type}, 'null') = 'null')`;
  if (value === true) return sql`(${column.type} IS 'true')`;
  if (value === false) return sql`(${column.type} IS 'false')`;
  return sql`(${isType(column, value)} AND ${column.value} = ${param(value)})`;
}

function isType(column: Column, literal: Literal): Fragment {
  return typeof literal === 'number'
    ? sql`coalesce(${column.type}, '') IN ('integer', 'real')`
    : sql`${column.type} IS 'text'`;
}

function aggregateExpression(aggregate: Aggregate, resolve: (field: FieldRef) => Column): Fragment {
  if (!aggregate.field) return raw('count(*)');
  const column = resolve(aggregate.field);
  const numeric = sql`CASE WHEN coalesce(${column.type}, '') IN ('integer', 'real') THEN ${column.value} END`;
  const text = sql`CASE WHEN ${column.type} IS 'text' THEN ${column.value} END`;
  switch (aggregate.fn) {
    case 'count':
      return sql`coalesce(sum(coalesce(${column.type}, 'null') != 'null'), 0)`;
    case 'sum':
      return sql`sum(${numeric})`;
    case 'avg':
      return sql`avg(${numeric})`;
    case 'min':
      return sql`coalesce(min(${numeric}), min(${text}))`;
    case 'max':
      return sql`coalesce(max(${numeric}), max(${text}))`;
    case 'count_distinct':
      return sql`count(DISTINCT CASE ${column.type} WHEN 'text' THEN 's' || ${column.value} WHEN 'integer' THEN ${column.value} WHEN 'real' THEN ${column.value} WHEN 'true' THEN 'b1' WHEN 'false' THEN 'b0' WHEN 'object' THEN 'j' || ${column.json} WHEN 'array' THEN 'j' || ${column.json} END)`;
    default:
      return sql`percentile_cont(${numeric}, ${param(PERCENTILES[aggregate.fn])})`;
  }
}

/** The ISO start of the `ms`-wide bucket of a timestamp string (epoch-aligned, as the JS engine). */
function binExpression(source: Column, ms: number): Fragment {
  const epochMs = sql`CAST(round(unixepoch(CASE WHEN ${source.type} IS 'text' THEN ${source.value} END, 'subsec') * 1000) AS INTEGER)`;
  // Parameters bind as REAL: CAST makes the division whole (timestamps after 1970 floor correctly).
  return sql`strftime('%Y-%m-%dT%H:%M:%fZ', CAST(${epochMs} / ${param(ms)} AS INTEGER) * ${param(ms / 1000)}, 'unixepoch')`;
}

/** `$."data"."path"`: every key quoted, so dots and odd characters in names stay literal. */
function jsonPath(field: FieldRef): string {
  for (const segment of field.path) {
    if (segment.includes('"'))
      throw new QueryError(`field names with double quotes cannot be queried in SQL: ${field.text}`);
  }
  return '$' + field.path.map((segment) => `."${segment}"`).join('');
}

function ident(name: string): Fragment {
  return raw(`"${name.replace(/"/g, '""')}"`);
}

/**
 * `al_regexp(pattern, flags, value)` and `al_capture(pattern, flags, value, group)`, the JS
 * regular expressions `like` and `parse` compile to. Takes any SQLite binding with
 * better-sqlite3's `function(name, options, fn)`.
 */
export function registerSqliteFunctions(db: {
  function(name: string, options: { deterministic: boolean }, fn: (...args: never[]) => unknown): unknown;
}): void {
  const cache = new Map<string, RegExp>();
  const regex = (pattern: string, flags: string) => {
    const key = `${flags}/${pattern}`;
    let compiled = cache.get(key);
    if (!compiled) {
      compiled = new RegExp(pattern, flags);
      if (cache.size > 1000) cache.clear();
      cache.set(key, compiled);
    }
    return compiled;
  };
  db.function('al_regexp', { deterministic: true }, ((pattern: string, flags: string, value: unknown) =>
    typeof value === 'string' && regex(pattern, flags).test(value) ? 1 : 0) as (...args: never[]) => unknown);
  db.function('al_capture', { deterministic: true }, ((
    pattern: string,
    flags: string,
    value: unknown,
    group: number,
  ) => {
    if (typeof value !== 'string') return null;
    const match = regex(pattern, flags).exec(value);
    return match?.[group] ?? null;
  }) as (...args: never[]) => unknown);
}
