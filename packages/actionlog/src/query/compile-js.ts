import { compileStats, type StatsAggregator } from './aggregates.js';
import type { Expr, FieldRef, Literal, QueryAst, Row, SortKey, Stage } from './ast.js';
import { parseStageRegex } from './glob.js';
import { normalizeExpr, normalizeQuery } from './normalize.js';
import { checkPipeline } from './validate.js';
import {
  columnGetter,
  compareValues,
  equalsLiteral,
  type Getter,
  isNullish,
  lowerAscii,
  pathGetter,
  textNeedle,
} from './values.js';

/**
 * A compiled filter. `line` is the record's JSON line when there is one (files); full-text terms
 * search it, and fall back to JSON.stringify(row) for records that never were a line.
 */
export type Predicate = (row: Row, line?: string) => boolean;

/** How field names resolve: record paths (`error.message` reaches into `error`) or flat columns. */
export type FieldMode = 'records' | 'columns';

export function getterFor(mode: FieldMode): (field: FieldRef) => Getter {
  return mode === 'records' ? (field) => pathGetter(field.path) : columnGetter;
}

/** Compiles a filter expression over records (or columns) to a JS predicate. */
export function compilePredicate(expr: Expr, mode: FieldMode = 'records'): Predicate {
  return compileExpr(mode === 'records' ? normalizeExpr(expr) : expr, getterFor(mode));
}

function compileExpr(expr: Expr, getter: (field: FieldRef) => Getter): Predicate {
  switch (expr.kind) {
    case 'and': {
      const items = expr.items.map((item) => compileExpr(item, getter));
      if (items.length === 2) {
        const [a, b] = items;
        return (row, line) => a(row, line) && b(row, line);
      }
      return (row, line) => items.every((item) => item(row, line));
    }
    case 'or': {
      const items = expr.items.map((item) => compileExpr(item, getter));
      return (row, line) => items.some((item) => item(row, line));
    }
    case 'not': {
      const item = compileExpr(expr.item, getter);
      return (row, line) => !item(row, line);
    }
    case 'compare': {
      const get = getter(expr.field);
      return compareTest(get, expr.op, expr.value);
    }
    case 'in': {
      const get = getter(expr.field);
      const values = expr.values;
      const strings = new Set(values.filter((v) => typeof v === 'string'));
      const others = values.filter((v) => typeof v !== 'string');
      return (row) => {
        const value = get(row);
        if (typeof value === 'string' && strings.has(value)) return true;
        return others.some((literal) => equalsLiteral(value, literal));
      };
    }
    case 'contains': {
      const get = getter(expr.field);
      const needle = expr.value;
      return (row) => {
        const value = get(row);
        if (typeof value === 'string') return value.includes(needle);
        return Array.isArray(value) && value.includes(needle);
      };
    }
    case 'like': {
      const get = getter(expr.field);
      const regex = new RegExp(expr.pattern, expr.flags);
      return (row) => {
        const value = get(row);
        return typeof value === 'string' && regex.test(value);
      };
    }
    case 'exists': {
      const get = getter(expr.field);
      return (row) => !isNullish(get(row));
    }
    case 'text': {
      const needle = textNeedle(expr.term);
      return (row, line) => lowerAscii(line ?? JSON.stringify(row)).includes(needle);
    }
  }
}

function compareTest(get: Getter, op: string, literal: Literal): Predicate {
  switch (op) {
    case '=':
      if (typeof literal === 'string' || typeof literal === 'number') return (row) => get(row) === literal;
      return (row) => equalsLiteral(get(row), literal);
    case '!=':
      if (typeof literal === 'string' || typeof literal === 'number') return (row) => get(row) !== literal;
      return (row) => !equalsLiteral(get(row), literal);
  }
  const kind = typeof literal;
  const typed = (row: Row) => {
    const value = get(row);
    return typeof value === kind ? (value as number | string) : undefined;
  };
  switch (op) {
    case '<':
      return (row) => {
        const v = typed(row);
        return v !== undefined && v < (literal as number | string);
      };
    case '<=':
      return (row) => {
        const v = typed(row);
        return v !== undefined && v <= (literal as number | string);
      };
    case '>':
      return (row) => {
        const v = typed(row);
        return v !== undefined && v > (literal as number | string);
      };
    default:
      return (row) => {
        const v = typed(row);
        return v !== undefined && v >= (literal as number | string);
      };
  }
}

/** One record-wise stage (filter, parse, fields) as a function: the row to pass on, or undefined. */
export type RowStep = (row: Row, line: string | undefined) => Row | undefined;

/** Compiles a run of record-wise stages; `mode` is the field mode at its start. */
export function compileRowSteps(
  stages: readonly Stage[],
  startMode: FieldMode = 'records',
): {
  step: RowStep;
  mode: FieldMode;
} {
  const mode = startMode;
  const steps: RowStep[] = [];
  for (const stage of stages) {
    const getter = getterFor(mode);
    switch (stage.kind) {
      case 'filter': {
        const predicate = compileExpr(mode === 'records' ? normalizeExpr(stage.where) : stage.where, getter);
        steps.push((row, line) => (predicate(row, line) ? row : undefined));
        break;
      }
      case 'parse': {
        const get = getter(stage.field);
        const regex = parseStageRegex(stage);
        const names = stage.names;
        const columns = mode === 'columns';
        steps.push((row) => {
          const value = get(row);
          const copy: Row = { ...row };
          for (const name of names) delete copy[name];
          const match = typeof value === 'string' ? regex.exec(value) : null;
          // Records get only the values captured; columns always have every name (null when absent).
          names.forEach((name, i) => {
            const captured = match?.[i + 1];
            if (captured !== undefined) copy[name] = captured;
            else if (columns) copy[name] = null;
          });
          return copy;
        });
        break;
      }
      case 'fields': {
        // What is shown is chosen at the end (projectionOf); here aliases become fields.
        const aliases = stage.fields
          .filter((p) => p.as !== p.field.text)
          .map((p) => ({ name: p.as, get: getter(p.field) }));
        if (aliases.length === 0) break;
        steps.push((row) => {
          const copy: Row = { ...row };
          for (const alias of aliases) {
            const value = alias.get(row);
            if (value === undefined) delete copy[alias.name];
            else copy[alias.name] = value;
          }
          return copy;
        });
        break;
      }
      default:
        throw new Error(`not a record-wise stage: ${stage.kind}`);
    }
  }
  if (steps.length === 0) return { step: (row) => row, mode };
  if (steps.length === 1) return { step: steps[0], mode };
  return {
    step: (row, line) => {
      let current: Row | undefined = row;
      for (const step of steps) {
        current = step(current, line);
        if (current === undefined) return undefined;
      }
      return current;
    },
    mode,
  };
}

export function compileAggregator(
  stage: Extract<Stage, { kind: 'stats' }>,
  mode: FieldMode,
): StatsAggregator {
  return compileStats(stage, getterFor(mode));
}

/** A comparator for `sort` keys; equal rows keep their order (the caller sorts stably). */
export function compileComparator(keys: readonly SortKey[], mode: FieldMode): (a: Row, b: Row) => number {
  const getters = keys.map((key) => ({ get: getterFor(mode)(key.field), sign: key.desc ? -1 : 1 }));
  return (a, b) => {
    for (const { get, sign } of getters) {
      const order = compareValues(get(a), get(b));
      if (order !== 0) return order * sign;
    }
    return 0;
  };
}

/**
 * The rows as shown: the columns of the last `fields` (after the last `stats`), missing values as
 * null. Undefined when the query shows whole records, or the stats columns as they are.
 */
export function projectionOf(stages: readonly Stage[]): ((row: Row) => Row) | undefined {
  let mode: FieldMode = 'records';
  let projection: Extract<Stage, { kind: 'fields' }> | undefined;
  let projectionMode: FieldMode = 'records';
  for (const stage of stages) {
    if (stage.kind === 'stats') {
      mode = 'columns';
      projection = undefined;
    } else if (stage.kind === 'fields') {
      projection = stage;
      projectionMode = mode;
    }
  }
  if (!projection) return undefined;
  const columns = projection.fields.map((p) => ({
    name: p.as,
    // An alias was set as a field of its own by the fields step.
    get:
      p.as === p.field.text
        ? getterFor(projectionMode)(p.field)
        : (row: Row) => (Object.hasOwn(row, p.as) ? row[p.as] : undefined),
  }));
  return (row) => {
    const out: Row = {};
    for (const column of columns) out[column.name] = column.get(row) ?? null;
    return out;
  };
}

/** The columns a query's rows have: the last `fields`, else the `stats` columns; undefined for whole records. */
export function outputColumns(ast: QueryAst): string[] | undefined {
  let columns: string[] | undefined;
  let projection: string[] | undefined;
  for (const stage of ast.stages) {
    if (stage.kind === 'stats') {
      columns = [...stage.by.map((k) => k.as), ...stage.aggregates.map((a) => a.as)];
      projection = undefined;
    } else if (stage.kind === 'fields') {
      projection = stage.fields.map((p) => p.as);
    } else if (stage.kind === 'parse' && columns) {
      columns = [...columns.filter((c) => !stage.names.includes(c)), ...stage.names];
    }
  }
  return projection ?? columns;
}

export function isRecordWise(stage: Stage): boolean {
  return stage.kind === 'filter' || stage.kind === 'parse' || stage.kind === 'fields';
}

/**
 * Runs the rest of a pipeline over rows already in memory (after the scan: aggregated groups,
 * collected records). Stages run one after the other, each on the previous one's output; the
 * final `fields` projection is the caller's to apply (projectionOf).
 */
export function runStages(rows: Row[], stages: readonly Stage[], startMode: FieldMode): Row[] {
  let mode = startMode;
  let current = rows;
  for (let i = 0; i < stages.length; i++) {
    const stage = stages[i];
    if (isRecordWise(stage)) {
      let j = i;
      while (j < stages.length && isRecordWise(stages[j])) j++;
      const compiled = compileRowSteps(stages.slice(i, j), mode);
      const next: Row[] = [];
      for (const row of current) {
        const out = compiled.step(row, undefined);
        if (out !== undefined) next.push(out);
      }
      current = next;
      mode = compiled.mode;
      i = j - 1;
      continue;
    }
    switch (stage.kind) {
      case 'stats': {
        const aggregator = compileAggregator(stage, mode);
        for (const row of current) aggregator.add(row);
        current = aggregator.rows();
        mode = 'columns';
        break;
      }
      case 'sort':
        current = current.slice().sort(compileComparator(stage.keys, mode));
        break;
      case 'limit':
        current = current.slice(stage.offset, stage.offset + stage.count);
        break;
    }
  }
  return current;
}

/** A record and, when it came from a file, its line (for full-text terms). */
export interface SourceRecord {
  record: Row;
  line?: string;
}

/**
 * Runs a query over records in memory: the reference semantics every engine must reproduce.
 * Records come out newest first (by `timestamp`, then the latest given first), as the engines do.
 */
export function evaluate(records: Iterable<Row>, query: QueryAst): Row[] {
  const sources: SourceRecord[] = [];
  for (const record of records) sources.push({ record });
  return evaluateSources(sources, query);
}

/** As `evaluate`, over JSON lines; lines that are not a JSON object are skipped. */
export function evaluateLines(lines: Iterable<string>, query: QueryAst): Row[] {
  const sources: SourceRecord[] = [];
  for (const line of lines) {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof record === 'object' && record !== null && !Array.isArray(record)) {
      sources.push({ record: record as Row, line });
    }
  }
  return evaluateSources(sources, query);
}

function evaluateSources(sources: SourceRecord[], query: QueryAst): Row[] {
  checkPipeline(query);
  const ast = normalizeQuery(query);
  const from = ast.range.from === undefined ? undefined : new Date(ast.range.from).toISOString();
  const to = ast.range.to === undefined ? undefined : new Date(ast.range.to).toISOString();
  const items = sources
    .filter(({ record }) => {
      if (from === undefined && to === undefined) return true;
      const ts = record.timestamp;
      return typeof ts === 'string' && (from === undefined || ts >= from) && (to === undefined || ts < to);
    })
    .map((item, index) => ({ item, index }))
    .sort((a, b) => compareValues(b.item.record.timestamp, a.item.record.timestamp) || b.index - a.index)
    .map(({ item }) => item);
  // Record-wise stages see the line, so full-text terms search what was written.
  let split = 0;
  while (split < ast.stages.length && isRecordWise(ast.stages[split])) split++;
  const { step, mode } = compileRowSteps(ast.stages.slice(0, split));
  const rows: Row[] = [];
  for (const { record, line } of items) {
    const out = step(record, line);
    if (out !== undefined) rows.push(out);
  }
  const result = runStages(rows, ast.stages.slice(split), mode);
  const project = projectionOf(ast.stages);
  return project ? result.map(project) : result;
}
