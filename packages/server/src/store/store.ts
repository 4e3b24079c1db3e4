import type { Expr, QueryAst, Row, TimeRange } from 'actionlog';

/**
 * Where the server keeps records. Backend-neutral: SQLite (embedded, the default) implements it
 * today; a ClickHouse store can implement the same methods. Every method is async so a remote
 * backend fits; every value reaching the backend is a bound parameter, never SQL text.
 */
export interface Store {
  /** What and where, for people: `sqlite /var/lib/actionlog/actionlog.db`. */
  readonly description: string;
  /**
   * Stores validated, masked records. Resolves once they are committed (so a search right after
   * sees them); writes are batched with other callers' into one transaction. `checkpoint` is
   * saved in the same transaction as the records, so a reader of a source (a file follower)
   * never stores a record twice or loses one across a crash.
   */
  append(records: readonly StoredRecord[], options?: AppendOptions): Promise<void>;
  /** Runs a pipeline (text or AST) over the records in `range`; the rows equal the CLI's `query --format json`. */
  query(query: QueryAst | string, range?: TimeRange, options?: QueryOptions): Promise<QueryOutput>;
  /** Counts and percentiles over the records in `range` (all records without one). */
  stats(range?: TimeRange): Promise<StoreStats>;
  /** Deletes every record (checkpoints stay: the sources they describe were read). */
  clear(): Promise<void>;
  /** The newest `limit` records matching `filter`, newest first. */
  recent(filter: Expr | undefined, limit: number): Promise<Row[]>;
  /** One page of matching records; pass `nextCursor` back for the next. Pages stay stable while records arrive. */
  search(filters: SearchFilters, cursor: string | undefined, limit: number): Promise<SearchPage>;
  /** The value last saved for `key` by append's `checkpoint`. */
  checkpoint(key: string): Promise<string | undefined>;
  /**
   * Stores records read from a log file and, in the same transaction, how far into that file they
   * go: after a crash at any point the file is read again from exactly the first record not stored.
   * `records` may be empty (lines that were all corrupt still move the offset).
   */
  appendFromFile(records: readonly StoredRecord[], offset: FileOffset): Promise<void>;
  /** The offsets saved by appendFromFile for one source (a log directory). */
  fileOffsets(source: string): Promise<FileOffset[]>;
  /** Whether the store can take and serve records now (for `/readyz`). */
  health(): Promise<StoreHealth>;
  /** Writes what is pending, then releases the backend. Later calls reject. */
  close(): Promise<void>;
}

/** One record as stored: the object (§2 fields, validated) and its JSON line, masked. */
export interface StoredRecord {
  record: Readonly<Record<string, unknown>>;
  line: string;
}

/** How far the records of one log file segment are stored (see Store.appendFromFile). */
export interface FileOffset {
  /** What was read: the log directory, absolute. */
  source: string;
  /** The segment in it, named without `.gz` so it stays the same segment once compressed: `2026-11-23.1.jsonl`. */
  segment: string;
  /** Tells this segment from another of the same name (a digest of its first line). */
  identity: string;
  /** Bytes of the segment (uncompressed) whose lines are stored; always the end of a line. */
  offset: number;
  /** The segment was read to its very end and cannot grow (a `.gz`): nothing more to read. */
  complete: boolean;
}

export interface AppendOptions {
  checkpoint?: { key: string; value: string };
}

export interface QueryOptions {
  /** At most this many rows come back (`truncated` says when more matched). Default 10,000. */
  maxRows?: number;
}

export interface QueryOutput {
  rows: Row[];
  /** `records`: whole records; `columns`: flat rows (after `stats` or `fields`) with `columns` in order. */
  shape: 'records' | 'columns';
  columns?: string[];
  truncated: boolean;
}

export interface StoreStats {
  total: number;
  /** Records whose status is `failed` or `error`. */
  failed: number;
  /** Records per service, status and level; records without the field are counted in `total` only. */
  byService: Record<string, number>;
  byStatus: Record<string, number>;
  byLevel: Record<string, number>;
  /** The 95th percentile of `duration_ms` per service, in whole ms (services with durations only). */
  p95DurationByService: Record<string, number>;
}

/**
 * The filters of `/action-logs/search`. Lists mean "any of"; every given filter must hold.
 * `q` is a condition of the query language; in it a bare string matches the record's message or
 * error text (type or message), ignoring case.
 */
export interface SearchFilters {
  service?: string[];
  status?: string[];
  action?: string[];
  /** Canonical level names. */
  level?: string[];
  category?: string[];
  session_id?: string[];
  trace_id?: string[];
  user_id?: string[];
  q?: Expr;
  /** Epoch ms, inclusive. */
  from?: number;
  /** Epoch ms, exclusive. */
  to?: number;
  minDuration?: number;
  maxDuration?: number;
  /** `desc` (default): newest first; `asc`: oldest first. */
  order?: 'desc' | 'asc';
}

export interface SearchPage {
  records: Row[];
  /** Null on the last page. */
  nextCursor: string | null;
}

export interface StoreHealth {
  ok: boolean;
  detail: string;
}

/** A cursor the store did not issue, or one for the other sort order: the caller's mistake (a 400). */
export class CursorError extends Error {
  override readonly name = 'CursorError';
}
