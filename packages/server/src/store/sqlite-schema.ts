import type Database from 'better-sqlite3';

/**
 * Record fields (DESIGN.md §2) copied into their own columns, so filters and sorting on them use
 * indexes and the query compiler reads them without parsing JSON. Ingest validates their types
 * (strings, and numbers for seq, duration_ms and pid), so a column always equals the field in
 * `raw`. The columns have no declared type: a value keeps the type it had in JSON, as the
 * compiler expects.
 */
export const RECORD_COLUMNS = [
  'timestamp',
  'seq',
  'level',
  'category',
  'logger',
  'message',
  'action',
  'service',
  'status',
  'duration_ms',
  'session_id',
  'execution_id',
  'request_id',
  'trace_id',
  'span_id',
  'user_id',
  'account_id',
  'host',
  'pid',
  'app',
] as const;

/** Filters people use most; each index ends with timestamp so "newest N matching" reads in index order. */
export const INDEXED_COLUMNS: readonly string[] = [
  'service',
  'status',
  'level',
  'action',
  'category',
  'session_id',
  'trace_id',
  'user_id',
];

/** Bumped when the layout changes; a newer file is refused instead of misread. */
export const SCHEMA_VERSION = 1;

export interface SchemaInfo {
  /** Whether the full-text index exists (SQLite built with FTS5 and its trigram tokenizer). */
  fullText: boolean;
}

export function createSchema(db: Database.Database): SchemaInfo {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `${db.name} was written by a newer actionlog server (schema ${version}; this one knows ${SCHEMA_VERSION})`,
    );
  }
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS records (
      id INTEGER PRIMARY KEY,
      ${RECORD_COLUMNS.join(',\n      ')},
      error_type,
      error_message,
      raw TEXT NOT NULL
    )`);
    db.exec('CREATE INDEX IF NOT EXISTS records_timestamp ON records (timestamp)');
    for (const column of INDEXED_COLUMNS) {
      db.exec(`CREATE INDEX IF NOT EXISTS records_${column} ON records (${column}, timestamp)`);
    }
    db.exec(
      'CREATE TABLE IF NOT EXISTS checkpoints (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID',
    );
    // Where the file follower stands in each segment it reads (Store.appendFromFile). A table of
    // its own, added without a version bump: an older server simply ignores it.
    db.exec(`CREATE TABLE IF NOT EXISTS file_offsets (
      source TEXT NOT NULL,
      segment TEXT NOT NULL,
      identity TEXT NOT NULL,
      byte_offset INTEGER NOT NULL,
      complete INTEGER NOT NULL,
      updated TEXT NOT NULL,
      PRIMARY KEY (source, segment)
    ) WITHOUT ROWID`);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
  return { fullText: createFullText(db) };
}

/**
 * An FTS5 index over the message and error text, trigram-tokenized so it finds any substring of
 * three characters or more, in any case. The store writes it beside each record, in the same
 * transaction (FTS_INSERT); deletes reach it through a trigger. (An insert trigger would make
 * SQLite keep a statement journal for every insert: four times the work per record.) Left out
 * (and searches scan) when this SQLite lacks FTS5 or the trigram tokenizer.
 */
function createFullText(db: Database.Database): boolean {
  const exists = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'records_fts'")
    .get();
  if (exists) {
    // Databases made while the index was written by a trigger: the store writes it now.
    db.exec('DROP TRIGGER IF EXISTS records_fts_insert');
    return true;
  }
  try {
    db.transaction(() => {
      db.exec(`CREATE VIRTUAL TABLE records_fts USING fts5(
        message, error_type, error_message, content = 'records', content_rowid = 'id', tokenize = 'trigram'
      )`);
      db.exec(`INSERT INTO records_fts (records_fts) VALUES ('rebuild')`);
      db.exec(FTS_DELETE_TRIGGER);
    })();
    return true;
  } catch {
    return false;
  }
}

/** Indexes one stored record: its row id, message, error type and error message. */
export const FTS_INSERT =
  'INSERT INTO records_fts (rowid, message, error_type, error_message) VALUES (?, ?, ?, ?)';

export const FTS_DELETE_TRIGGER = `CREATE TRIGGER IF NOT EXISTS records_fts_delete AFTER DELETE ON records BEGIN
  INSERT INTO records_fts (records_fts, rowid, message, error_type, error_message)
  VALUES ('delete', old.id, old.message, old.error_type, old.error_message);
END`;
