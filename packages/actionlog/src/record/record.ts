import type { LevelName } from './levels.js';

/** The `error` object of a record: what an `Error` (and its `cause` chain) becomes. */
export interface ErrorInfo {
  type: string;
  message: string;
  stack?: string;
  code?: string | number;
  cause?: ErrorInfo | unknown;
  [extra: string]: unknown;
}

/** Correlation ids: top-level fields, carried by child bindings and `withContext`. */
export const CORRELATION_FIELDS = [
  'session_id',
  'execution_id',
  'request_id',
  'trace_id',
  'span_id',
  'user_id',
  'account_id',
] as const;
export type CorrelationField = (typeof CORRELATION_FIELDS)[number];
export type CorrelationIds = Partial<Record<CorrelationField, string>>;

/** One line of an actionlog file (DESIGN.md §2). Keys are written in this order when present. */
export interface ActionRecord extends CorrelationIds {
  timestamp: string;
  seq: number;
  level: LevelName;
  category?: string;
  logger?: string;
  message: string;
  action?: string;
  service?: string;
  status?: string;
  duration_ms?: number;
  error?: ErrorInfo;
  data?: Record<string, unknown>;
  host?: string;
  pid?: number;
  app?: string;
  hash?: string;
}

/**
 * What callers pass as `fields`: the record's own fields are lifted to the top level, every
 * other key goes into `data` (merged with an explicit `data` object).
 */
export interface LogFields extends CorrelationIds {
  category?: string;
  logger?: string;
  action?: string;
  service?: string;
  status?: string;
  duration_ms?: number;
  error?: unknown;
  data?: Record<string, unknown>;
  [key: string]: unknown;
}

/** Statuses that count as a failure in stats and alerts. */
export const FAILURE_STATUSES: ReadonlySet<string> = new Set(['failed', 'error']);
