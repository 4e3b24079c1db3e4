/**
 * The query model: the one language of the read side (DESIGN.md §4). The CLI, the REST search
 * parameters, the dashboard, live tail and alert rules all build this; it compiles to a JS
 * predicate/aggregator (files, live streams) or to SQL.
 *
 * Every node is plain data (JSON-serialisable), so a query can cross a worker boundary or an
 * HTTP request unchanged.
 */

export type Literal = string | number | boolean | null;

/** A field path: `service`, `error.message`, `data.args.path`; after `stats`/`fields`, an output name. */
export interface FieldRef {
  path: string[];
  /** As written (`error.message`, `p95(duration_ms)`); also the output column name. */
  text: string;
  /** 1-based column in the query text, when parsed; used for error messages. */
  column?: number;
}

export type CompareOp = '=' | '!=' | '<' | '<=' | '>' | '>=';

export type Expr =
  | { kind: 'and'; items: Expr[] }
  | { kind: 'or'; items: Expr[] }
  | { kind: 'not'; item: Expr }
  | { kind: 'compare'; field: FieldRef; op: CompareOp; value: Literal }
  | { kind: 'in'; field: FieldRef; values: Literal[] }
  /** Substring of a string value, or an element of an array value (case-sensitive). */
  | { kind: 'contains'; field: FieldRef; value: string }
  /** A JS regular expression against a string value. */
  | { kind: 'like'; field: FieldRef; pattern: string; flags: string }
  /** The field is present and not null. */
  | { kind: 'exists'; field: FieldRef }
  /** Full text: the term occurs in the record's JSON line, ignoring ASCII case. */
  | { kind: 'text'; term: string; column?: number };

export const AGGREGATE_FUNCTIONS = [
  'count',
  'sum',
  'avg',
  'min',
  'max',
  'count_distinct',
  'p50',
  'p90',
  'p95',
  'p99',
] as const;
export type AggregateFunction = (typeof AGGREGATE_FUNCTIONS)[number];

export interface Aggregate {
  fn: AggregateFunction;
  /** Absent only for `count()`. */
  field?: FieldRef;
  /** Output column name: the alias, or the call as written (`p95(duration_ms)`). */
  as: string;
  /** 1-based column of the call in the query text, when parsed. */
  column?: number;
}

export type GroupKey =
  | { kind: 'field'; field: FieldRef; as: string }
  /** Time buckets of `field` (default `timestamp`), `ms` wide, aligned to the Unix epoch (so days to UTC midnight). */
  | { kind: 'bin'; ms: number; field: FieldRef; as: string };

export interface SortKey {
  field: FieldRef;
  desc: boolean;
}

export interface Projection {
  field: FieldRef;
  as: string;
}

export type Stage =
  | { kind: 'filter'; where: Expr }
  | { kind: 'fields'; fields: Projection[] }
  /**
   * `parse message "Tool use: *" as tool_name`: each `*` (or each regex group) captures into the
   * next name; a record that does not match gets no value for the names.
   */
  | { kind: 'parse'; field: FieldRef; pattern: string; regex: boolean; flags: string; names: string[] }
  | { kind: 'stats'; aggregates: Aggregate[]; by: GroupKey[] }
  | { kind: 'sort'; keys: SortKey[] }
  | { kind: 'limit'; count: number; offset: number };

/** Milliseconds since the epoch; `from` inclusive, `to` exclusive. */
export interface TimeRange {
  from?: number;
  to?: number;
}

export interface QueryAst {
  range: TimeRange;
  stages: Stage[];
}

/** One result row: a record (nested), or a flat object of column names (after `stats`, or as `fields` shows it). */
export type Row = Record<string, unknown>;

export function fieldRef(text: string, column?: number): FieldRef {
  return { path: text.split('.'), text, column };
}

/** A flat output name (after `stats`/`fields`): never split on dots. */
export function outputRef(name: string, column?: number): FieldRef {
  return { path: [name], text: name, column };
}

/** The largest `limit` and `offset`. */
export const MAX_LIMIT = 1_000_000_000;

export const TIMESTAMP_FIELD: FieldRef = { path: ['timestamp'], text: 'timestamp' };
