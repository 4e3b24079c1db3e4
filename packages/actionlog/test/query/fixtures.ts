import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { seededRandom } from '../../src/cli/demo-workload.js';
import {
  type CompiledSql,
  compileSqlite,
  type Row,
  registerSqliteFunctions,
  type SqliteTarget,
} from '../../src/index.js';

const require = createRequire(import.meta.url);

/** A seeded PRNG, so every run builds the same records: the demo workload's own. */
export const seeded = seededRandom;

export const SERVICES = [
  'AgentService',
  'PaymentService',
  'CaseService',
  'ApiGateway',
  'Ümlaut "quoted" svc',
];
export const ACTIONS = ['tool_call', 'tool_result', 'charge', 'createCase', 'http_request', 'login'];
export const STATUSES = ['success', 'failed', 'error', 'pending'];
export const LEVELS = ['DEBUG', 'INFO', 'INFO', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
export const TOOLS = ['bash', 'grep', 'read_file', 'web_search'];
export const MESSAGES = [
  'Tool use: bash',
  'Rate limit exceeded: retry after 20s',
  'rate LIMIT hit',
  'GET /api/cases/:id 200',
  'naïve café — done',
  'line one\nline two',
  'say "hi" \\ back',
  'tab\there',
];

/**
 * Records over three UTC days, in time order (as one writer appends them), with every kind of
 * value a query meets: missing fields, null, numbers as strings, booleans, arrays, nested
 * objects, escapes, non-ASCII, equal timestamps.
 */
export function makeRecords(count: number, seed = 7): Row[] {
  const random = seeded(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const start = Date.parse('2026-03-01T22:00:00.000Z');
  const records: Row[] = [];
  let t = start;
  for (let i = 0; i < count; i++) {
    if (random() > 0.15) t += Math.floor(random() * 600_000);
    const record: Row = { timestamp: new Date(t).toISOString(), seq: i + 1, level: pick(LEVELS) };
    if (random() < 0.9) record.category = pick(['agent', 'http', 'system', 'audit']);
    record.message = pick(MESSAGES);
    if (random() < 0.85) record.action = pick(ACTIONS);
    const service = random();
    if (service < 0.9) record.service = pick(SERVICES);
    else if (service < 0.95) record.service = null;
    if (random() < 0.7) record.status = pick(STATUSES);
    const duration = random();
    if (duration < 0.6) record.duration_ms = Math.round(random() * 5000) / 10;
    else if (duration < 0.7) record.duration_ms = Math.floor(random() * 100);
    else if (duration < 0.72) record.duration_ms = String(Math.floor(random() * 100));
    if (random() < 0.5) record.session_id = `sess-${Math.floor(random() * 40)}`;
    if (random() < 0.3) record.user_id = `u-${Math.floor(random() * 8)}`;
    if (random() < 0.15) {
      record.error = {
        type: pick(['TypeError', 'RateLimitError']),
        message: pick(MESSAGES),
        code: pick([429, 'E_FAIL', 500]),
      };
    }
    const data: Row = {};
    if (random() < 0.4) data.tool_name = pick(TOOLS);
    if (random() < 0.3) data.tags = [pick(TOOLS), pick(['x', 'y'])];
    if (random() < 0.2) data.ok = random() < 0.5;
    if (random() < 0.2) data.n = Math.floor(random() * 10) - 3;
    if (Object.keys(data).length > 0) record.data = data;
    record.pid = 100 + Math.floor(random() * 3);
    records.push(record);
  }
  return records;
}

export interface LogFixture {
  dir: string;
  lines: string[];
  cleanup: () => void;
}

/**
 * Writes records as a log directory: one file per UTC day, the oldest day gzipped, the newest
 * split into size segments (`.1.jsonl`), like a rotated directory looks.
 */
export function writeLogDir(
  records: readonly Row[],
  options: { gzipFirst?: boolean; splitLast?: boolean } = {},
): LogFixture {
  const dir = mkdtempSync(join(tmpdir(), 'actionlog-query-'));
  mkdirSync(dir, { recursive: true });
  const byDay = new Map<string, string[]>();
  const lines: string[] = [];
  for (const record of records) {
    const line = JSON.stringify(record);
    lines.push(line);
    const day = (record.timestamp as string).slice(0, 10);
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day)!.push(line);
  }
  const days = [...byDay.keys()].sort();
  days.forEach((day, i) => {
    const dayLines = byDay.get(day)!;
    if (i === 0 && options.gzipFirst !== false) {
      writeFileSync(join(dir, `${day}.jsonl.gz`), gzipSync(`${dayLines.join('\n')}\n`));
    } else if (i === days.length - 1 && options.splitLast !== false && dayLines.length > 4) {
      const half = Math.floor(dayLines.length / 2);
      writeFileSync(join(dir, `${day}.jsonl`), `${dayLines.slice(0, half).join('\n')}\n`);
      writeFileSync(join(dir, `${day}.1.jsonl`), `${dayLines.slice(half).join('\n')}\n`);
    } else {
      writeFileSync(join(dir, `${day}.jsonl`), `${dayLines.join('\n')}\n`);
    }
  });
  return { dir, lines, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The shared test table: the JSON line, plus a few top-level fields in columns of their own. */
export const SQL_TARGET: SqliteTarget = {
  table: 'records',
  raw: 'line',
  columns: { timestamp: 'ts', level: 'level', service: 'service', duration_ms: 'duration_ms' },
};

export interface SqliteFixture {
  run(compiled: CompiledSql): Row[];
  close(): void;
}

/** An in-memory SQLite database (better-sqlite3) with the records in the shared test table. */
export function sqliteWith(lines: readonly string[]): SqliteFixture {
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Database(':memory:');
  registerSqliteFunctions(db);
  // Columns without a type keep each value's own type, as JSON had it.
  db.exec('CREATE TABLE records (line TEXT NOT NULL, ts, level, service, duration_ms)');
  const insert = db.prepare(
    'INSERT INTO records (line, ts, level, service, duration_ms) VALUES (?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (const line of lines) {
      const record = JSON.parse(line) as Row;
      const column = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? v : null);
      insert.run(
        line,
        column(record.timestamp),
        column(record.level),
        column(record.service),
        column(record.duration_ms),
      );
    }
  })();
  return {
    run: (compiled) =>
      (db.prepare(compiled.sql).all(...compiled.params) as Record<string, unknown>[]).map(compiled.decode),
    close: () => db.close(),
  };
}

export function compileForTest(query: Parameters<typeof compileSqlite>[0]): CompiledSql {
  return compileSqlite(query, SQL_TARGET);
}

/**
 * Deep equality where non-integer numbers may differ in the last bits (sums and percentiles
 * are computed in a different order in SQL): the first difference, or undefined.
 */
export function difference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return undefined;
    const scale = Math.max(1, Math.abs(a), Math.abs(b));
    return Math.abs(a - b) <= 1e-9 * scale ? undefined : `${path}: ${a} != ${b}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return `${path}: length ${a.length} != ${b.length}`;
    for (let i = 0; i < a.length; i++) {
      const d = difference(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) {
      const d = difference((a as Row)[key], (b as Row)[key], `${path}.${key}`);
      if (d) return d;
    }
    return undefined;
  }
  return Object.is(a, b) ? undefined : `${path}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`;
}
