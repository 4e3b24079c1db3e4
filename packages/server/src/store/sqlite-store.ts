import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  compileSqlite,
  type Expr,
  parsePipeline,
  type QueryAst,
  QueryError,
  type Row,
  registerSqliteFunctions,
  type SqliteTarget,
  type Stage,
  type TimeRange,
} from 'actionlog';
import Database from 'better-sqlite3';
import { Batcher } from './batcher.js';
import { decodeCursor, encodeCursor } from './keyset-cursor.js';
import { outputColumns } from './output-columns.js';
import { allOf, field, searchCondition } from './search-condition.js';
import {
  createSchema,
  FTS_DELETE_TRIGGER,
  FTS_INSERT,
  INDEXED_COLUMNS,
  RECORD_COLUMNS,
} from './sqlite-schema.js';
import type {
  AppendOptions,
  FileOffset,
  QueryOptions,
  QueryOutput,
  SearchFilters,
  SearchPage,
  Store,
  StoredRecord,
  StoreHealth,
  StoreStats,
} from './store.js';

export interface SqliteStoreOptions {
  /** The database file (created 0600, its directory 0700), or `:memory:`. */
  path: string;
  /** A batch is committed at this many records… Default 5,000. */
  batchRecords?: number;
  /** …or this many ms after its first record. Default 5. */
  batchDelayMs?: number;
  /** False: searches never use the full-text index (they scan). Default: use it when SQLite has FTS5. */
  fullText?: boolean;
}

interface Job {
  rows: unknown[][];
  checkpoint?: { key: string; value: string };
  fileOffset?: FileOffset;
}

/** Where rowOf puts the text the full-text index holds. */
const MESSAGE = RECORD_COLUMNS.indexOf('message');
const ERROR_TYPE = RECORD_COLUMNS.length;
const ERROR_MESSAGE = RECORD_COLUMNS.length + 1;

/** Search-only pseudo-fields: the row id (the tie-break of the keyset) and the raw line. */
const ID = '\u0000id';
const RAW = '\u0000raw';

const QUERY_TARGET: SqliteTarget = {
  table: 'records',
  raw: 'raw',
  order: 'id',
  columns: Object.fromEntries(RECORD_COLUMNS.map((c) => [c, c])),
};

const DEFAULT_MAX_ROWS = 10_000;
const STATEMENT_CACHE = 256;
/** FTS5's trigram tokenizer cannot match fewer characters. */
const MIN_INDEXED_TERM = 3;

const FAILED_STATUSES = ['failed', 'error'];
/** Up to this many values, "any of" on an indexed column is read as merged index walks. */
const MAX_MERGED_VALUES = 16;

interface Positioned {
  id: number;
  record: Row;
}

function newestFirst(a: Positioned, b: Positioned): number {
  const ta = a.record.timestamp as string;
  const tb = b.record.timestamp as string;
  if (ta !== tb) return ta < tb ? 1 : -1;
  return b.id - a.id;
}

/**
 * The embedded store: one SQLite file in WAL mode (readers never wait for the writer), a row per
 * record with the §2 fields in indexed columns and the masked JSON line in `raw`, and an FTS5
 * index over message and error text. Queries go through the library's SQLite compiler, so the
 * pipeline language means here what it means in the CLI.
 */
export class SqliteStore implements Store {
  readonly description: string;
  /** Whether searches can use the full-text index. */
  readonly fullText: boolean;
  /** Whether the index exists (kept in step by triggers), used by searches or not. */
  private readonly fullTextTable: boolean;
  private readonly db: Database.Database;
  private readonly batcher: Batcher<Job>;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly insert: Database.Statement;
  /** Writes a record's text into the full-text index (when there is one). */
  private readonly insertText: Database.Statement | undefined;
  private readonly saveCheckpoint: Database.Statement;
  private readonly saveFileOffset: Database.Statement;
  private closed = false;

  constructor(options: SqliteStoreOptions) {
    const { path } = options;
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Records are the application's logs: only the owner may read them (SQLite gives the
      // -wal and -shm files the database file's mode).
      closeSync(openSync(path, 'a', 0o600));
    }
    this.db = new Database(path);
    try {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('busy_timeout = 5000');
      // Statement journals (multi-row deletes) in memory, not in a temporary file.
      this.db.pragma('temp_store = MEMORY');
      registerSqliteFunctions(this.db);
      this.fullTextTable = createSchema(this.db).fullText;
      this.fullText = this.fullTextTable && options.fullText !== false;
    } catch (error) {
      this.db.close();
      throw error;
    }
    this.description = `sqlite ${path}`;
    const columns = [...RECORD_COLUMNS, 'error_type', 'error_message', 'raw'];
    this.insert = this.db.prepare(
      `INSERT INTO records (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
    this.insertText = this.fullTextTable ? this.db.prepare(FTS_INSERT) : undefined;
    this.saveCheckpoint = this.db.prepare(
      'INSERT INTO checkpoints (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
    this.saveFileOffset = this.db.prepare(
      `INSERT INTO file_offsets (source, segment, identity, byte_offset, complete, updated) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (source, segment) DO UPDATE SET identity = excluded.identity,
         byte_offset = excluded.byte_offset, complete = excluded.complete, updated = excluded.updated`,
    );
    const write = this.db.transaction((jobs: Job[]) => {
      const now = new Date().toISOString();
      for (const job of jobs) {
        for (const row of job.rows) {
          const { lastInsertRowid } = this.insert.run(row);
          this.insertText?.run(lastInsertRowid, row[MESSAGE], row[ERROR_TYPE], row[ERROR_MESSAGE]);
        }
        if (job.checkpoint) this.saveCheckpoint.run(job.checkpoint.key, job.checkpoint.value);
        const at = job.fileOffset;
        if (at)
          this.saveFileOffset.run(at.source, at.segment, at.identity, at.offset, at.complete ? 1 : 0, now);
      }
    });
    this.batcher = new Batcher<Job>({
      write: (jobs) => write(jobs),
      size: (job) => job.rows.length,
      maxRecords: options.batchRecords ?? 5000,
      maxDelayMs: options.batchDelayMs ?? 5,
    });
  }

  append(records: readonly StoredRecord[], options: AppendOptions = {}): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    let rows: unknown[][];
    try {
      rows = records.map(rowOf);
    } catch (error) {
      return Promise.reject(error);
    }
    if (rows.length === 0 && !options.checkpoint) return Promise.resolve();
    return this.batcher.add({ rows, checkpoint: options.checkpoint });
  }

  appendFromFile(records: readonly StoredRecord[], offset: FileOffset): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    let rows: unknown[][];
    try {
      rows = records.map(rowOf);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.batcher.add({ rows, fileOffset: { ...offset } });
  }

  async fileOffsets(source: string): Promise<FileOffset[]> {
    const rows = this.statement(
      'SELECT segment, identity, byte_offset, complete FROM file_offsets WHERE source = ? ORDER BY segment',
    ).all(source) as Array<{ segment: string; identity: string; byte_offset: number; complete: number }>;
    return rows.map((row) => ({
      source,
      segment: row.segment,
      identity: row.identity,
      offset: row.byte_offset,
      complete: row.complete === 1,
    }));
  }

  async query(
    query: QueryAst | string,
    range: TimeRange = {},
    options: QueryOptions = {},
  ): Promise<QueryOutput> {
    const parsed = typeof query === 'string' ? parseQuery(query) : query;
    const ast: QueryAst = { ...parsed, range: { ...parsed.range, ...range } };
    const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
    const capped: QueryAst = {
      ...ast,
      stages: [...ast.stages, { kind: 'limit', count: maxRows + 1, offset: 0 }],
    };
    const rows = this.run(capped, QUERY_TARGET);
    const columns = outputColumns(ast);
    const truncated = rows.length > maxRows;
    return {
      rows: truncated ? rows.slice(0, maxRows) : rows,
      shape: columns ? 'columns' : 'records',
      columns,
      truncated,
    };
  }

  async stats(range: TimeRange = {}): Promise<StoreStats> {
    const stats: StoreStats = {
      total: 0,
      failed: 0,
      byService: {},
      byStatus: {},
      byLevel: {},
      p95DurationByService: {},
    };
    const grouped = (text: string) => this.run({ ...parsePipeline(text), range }, QUERY_TARGET);
    for (const row of grouped('stats count() as n, p95(duration_ms) as p95 by service')) {
      const n = Number(row.n);
      stats.total += n;
      if (typeof row.service !== 'string') continue;
      stats.byService[row.service] = n;
      if (typeof row.p95 === 'number') stats.p95DurationByService[row.service] = Math.round(row.p95);
    }
    for (const row of grouped('stats count() as n by status')) {
      if (typeof row.status !== 'string') continue;
      stats.byStatus[row.status] = Number(row.n);
      if (FAILED_STATUSES.includes(row.status)) stats.failed += Number(row.n);
    }
    for (const row of grouped('stats count() as n by level')) {
      if (typeof row.level === 'string') stats.byLevel[row.level] = Number(row.n);
    }
    return stats;
  }

  async clear(): Promise<void> {
    await this.batcher.flush();
    this.db.transaction(() => {
      if (this.fullTextTable) {
        // Row by row through the trigger would take minutes for millions of records.
        this.db.exec('DROP TRIGGER records_fts_delete');
        this.db.exec('DELETE FROM records');
        this.db.exec("INSERT INTO records_fts (records_fts) VALUES ('delete-all')");
        this.db.exec(FTS_DELETE_TRIGGER);
      } else {
        this.db.exec('DELETE FROM records');
      }
    })();
  }

  async recent(filter: Expr | undefined, limit: number): Promise<Row[]> {
    return this.newest(filter, limit).map((row) => row.record);
  }

  async search(filters: SearchFilters, cursor: string | undefined, limit: number): Promise<SearchPage> {
    const order = filters.order ?? 'desc';
    const { where, indexTerms } = searchCondition(filters);
    const conditions: Expr[] = where ? [where] : [];
    if (cursor !== undefined) {
      const after = decodeCursor(cursor, order);
      const op = order === 'desc' ? '<' : '>';
      // The first condition alone is a range on the timestamp index; the second breaks ties.
      conditions.push(
        { kind: 'compare', field: field('timestamp'), op: `${op}=`, value: after.timestamp },
        {
          kind: 'or',
          items: [
            { kind: 'compare', field: field('timestamp'), op, value: after.timestamp },
            { kind: 'compare', field: field(ID), op, value: after.id },
          ],
        },
      );
    }
    const terms = this.fullText ? indexTerms.filter((t) => [...t].length >= MIN_INDEXED_TERM) : [];
    const rows = this.positioned(allOf(conditions), {
      order,
      limit: limit + 1,
      range: { from: filters.from, to: filters.to },
      terms,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor =
      rows.length > limit && last
        ? encodeCursor({ timestamp: last.record.timestamp as string, id: last.id, order })
        : null;
    return { records: page.map((row) => row.record), nextCursor };
  }

  /**
   * The newest `limit` records matching `filter`. "Any of a few values" of an indexed column
   * (`status in ["failed", "error"]`) is read as one index walk per value, merged: SQLite would
   * otherwise collect every match of every value and sort them all to keep the newest few.
   */
  private newest(filter: Expr | undefined, limit: number): Positioned[] {
    if (
      filter?.kind === 'in' &&
      filter.field.path.length === 1 &&
      INDEXED_COLUMNS.includes(filter.field.path[0]) &&
      filter.values.length > 1 &&
      filter.values.length <= MAX_MERGED_VALUES
    ) {
      const runs = filter.values.map((value) =>
        this.positioned({ kind: 'compare', field: filter.field, op: '=', value }, { order: 'desc', limit }),
      );
      return runs
        .flat()
        .sort((a, b) => newestFirst(a, b))
        .slice(0, limit);
    }
    return this.positioned(filter, { order: 'desc', limit });
  }

  /**
   * Records matching `where`, in time order (ties by insertion), with their row ids: the
   * compiled query projects the id and the raw line through two pseudo-fields. With `terms`,
   * the candidates are first narrowed by the full-text index (a superset of the matches: the
   * condition itself decides).
   */
  private positioned(
    where: Expr | undefined,
    options: { order: 'desc' | 'asc'; limit: number; range?: TimeRange; terms?: string[] },
  ): Positioned[] {
    const stages: Stage[] = [];
    if (where) stages.push({ kind: 'filter', where });
    if (options.order === 'asc') {
      stages.push({
        kind: 'sort',
        keys: [
          { field: field('timestamp'), desc: false },
          { field: field(ID), desc: false },
        ],
      });
    }
    stages.push(
      { kind: 'fields', fields: [ID, RAW].map((name) => ({ field: field(name), as: name })) },
      { kind: 'limit', count: options.limit, offset: 0 },
    );
    const terms = options.terms ?? [];
    const target: SqliteTarget = {
      ...QUERY_TARGET,
      table: terms.length > 0 ? 'candidates' : 'records',
      columns: { ...QUERY_TARGET.columns, [ID]: 'id', [RAW]: 'raw' },
    };
    const prefix =
      terms.length > 0
        ? {
            sql: 'candidates AS (SELECT * FROM records WHERE id IN (SELECT rowid FROM records_fts WHERE records_fts MATCH ?))',
            params: [terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND ')],
          }
        : undefined;
    return this.run({ range: options.range ?? {}, stages }, target, prefix).map((row) => ({
      id: row[ID] as number,
      record: JSON.parse(row[RAW] as string) as Row,
    }));
  }

  async checkpoint(key: string): Promise<string | undefined> {
    const row = this.statement('SELECT value FROM checkpoints WHERE key = ?').get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  async health(): Promise<StoreHealth> {
    if (this.closed) return { ok: false, detail: `${this.description}: closed` };
    try {
      this.statement('SELECT count(*) FROM checkpoints').get();
      return { ok: true, detail: `${this.description}: ok` };
    } catch (error) {
      return { ok: false, detail: `${this.description}: ${(error as Error).message}` };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.batcher.close();
    } finally {
      this.db.close();
    }
  }

  /**
   * Compiles and runs one query. `prefix` is an extra common table expression (fixed SQL from
   * this file, with its own bound values) placed before the compiler's own.
   */
  private run(ast: QueryAst, target: SqliteTarget, prefix?: { sql: string; params: unknown[] }): Row[] {
    if (this.closed) throw new Error('the store is closed');
    const compiled = compileSqlite(ast, target);
    for (const value of compiled.params) {
      if (typeof value === 'boolean') {
        throw new QueryError('true and false can only be compared with = and != (or tested with exists)');
      }
    }
    let sql = compiled.sql;
    let params = compiled.params;
    if (prefix) {
      if (!sql.startsWith('WITH ')) throw new Error('the SQL compiler no longer starts with WITH');
      sql = `WITH ${prefix.sql}, ${sql.slice('WITH '.length)}`;
      params = [...prefix.params, ...params];
    }
    let rows: Record<string, unknown>[];
    try {
      rows = this.statement(sql).all(params) as Record<string, unknown>[];
    } catch (error) {
      throw queryProblem(error);
    }
    return rows.map(compiled.decode);
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** parsePipeline, with a query nested too deeply for the parser's stack reported as the user's mistake. */
export function parseQuery(text: string): QueryAst {
  try {
    return parsePipeline(text);
  } catch (error) {
    if (error instanceof RangeError) throw new QueryError('the query is nested too deeply');
    throw error;
  }
}

/**
 * SQLite's generic error (SQLITE_ERROR) on a compiled query means the query's shape is beyond
 * its limits (expression depth, number of values, a JSON path it cannot read): the user's to
 * change. Anything else (I/O, corruption, a full disk) is the server's problem.
 */
function queryProblem(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (error instanceof Database.SqliteError && (code === 'SQLITE_ERROR' || code === 'SQLITE_TOOBIG')) {
    return new QueryError(`the store cannot run this query: ${error.message}`);
  }
  if (error instanceof RangeError) return new QueryError('the query is nested too deeply');
  return error;
}

/** The insert row of a record: its column values, then error type and message, then the line. */
function rowOf(stored: StoredRecord): unknown[] {
  const { record } = stored;
  if (typeof record.timestamp !== 'string') throw new TypeError('a stored record needs a timestamp string');
  const row: unknown[] = RECORD_COLUMNS.map((name) => {
    const value = record[name];
    if (value === undefined || value === null) return null;
    if (typeof value === 'string' || typeof value === 'number') return value;
    throw new TypeError(`a stored record's ${name} must be a string or a number`);
  });
  const error = record.error as Record<string, unknown> | undefined;
  row.push(
    typeof error?.type === 'string' ? error.type : null,
    typeof error?.message === 'string' ? error.message : null,
    stored.line,
  );
  return row;
}
