import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileEngine, parsePipeline, type Row } from '../../src/index.js';
import {
  ACTIONS,
  difference,
  type LogFixture,
  makeRecords,
  SERVICES,
  STATUSES,
  TOOLS,
  writeLogDir,
} from './fixtures.js';

/**
 * Random queries over a generated log directory, each checked against an answer computed
 * here, independently, with plain JS over the parsed lines (no code from src/query).
 */

type Cond =
  | { op: 'eq' | 'ne'; field: string; value: string | number | null }
  | { op: 'gt' | 'lt'; field: 'duration_ms'; value: number }
  | { op: 'in'; field: string; values: string[] }
  | { op: 'exists'; field: string }
  | { op: 'text'; term: string }
  | { op: 'not'; item: Cond }
  | { op: 'and' | 'or'; items: Cond[] };

type Tail =
  | { kind: 'none' }
  | { kind: 'limit'; n: number }
  | { kind: 'top'; n: number }
  | { kind: 'stats'; by: string | null };

interface Case {
  cond: Cond | null;
  tail: Tail;
  range: { from?: number; to?: number };
}

const STRING_FIELDS = ['service', 'status', 'action', 'data.tool_name', 'session_id'];
const TERMS = ['rate limit', 'RATE', 'bash', 'café', 'tool use', 'payment', '"hi"', 'retry after'];
const DAY0 = Date.parse('2026-03-01T22:00:00Z');

const valueFor = (field: string) =>
  field === 'service'
    ? fc.constantFrom(...SERVICES, 'NoSuchService')
    : field === 'status'
      ? fc.constantFrom(...STATUSES)
      : field === 'action'
        ? fc.constantFrom(...ACTIONS)
        : field === 'data.tool_name'
          ? fc.constantFrom(...TOOLS)
          : fc.constantFrom('sess-1', 'sess-7', 'sess-39');

const leaf: fc.Arbitrary<Cond> = fc.oneof(
  fc.constantFrom(...STRING_FIELDS).chain((field) =>
    fc.record({
      op: fc.constantFrom('eq' as const, 'ne' as const),
      field: fc.constant(field),
      value: valueFor(field),
    }),
  ),
  fc.record({
    op: fc.constantFrom('eq' as const, 'ne' as const),
    field: fc.constantFrom('service', 'status'),
    value: fc.constant(null),
  }),
  fc.record({
    op: fc.constantFrom('gt' as const, 'lt' as const),
    field: fc.constant('duration_ms' as const),
    value: fc.integer({ min: 0, max: 500 }),
  }),
  fc.constantFrom(...STRING_FIELDS).chain((field) =>
    fc.record({
      op: fc.constant('in' as const),
      field: fc.constant(field),
      values: fc.uniqueArray(valueFor(field), { minLength: 1, maxLength: 3 }),
    }),
  ),
  fc.record({
    op: fc.constant('exists' as const),
    field: fc.constantFrom('error', 'data.tool_name', 'duration_ms', 'user_id'),
  }),
  fc.record({ op: fc.constant('text' as const), term: fc.constantFrom(...TERMS) }),
);

const cond: fc.Arbitrary<Cond> = fc.letrec<{ c: Cond }>((tie) => ({
  c: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.record({ op: fc.constant('not' as const), item: tie('c') }),
    fc.record({
      op: fc.constantFrom('and' as const, 'or' as const),
      items: fc.array(tie('c'), { minLength: 2, maxLength: 3 }),
    }),
  ),
})).c;

const tail: fc.Arbitrary<Tail> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('limit' as const), n: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('top' as const), n: fc.integer({ min: 1, max: 15 }) }),
  fc.record({
    kind: fc.constant('stats' as const),
    by: fc.constantFrom(null, 'service', 'status', 'data.tool_name'),
  }),
);

const range = fc.oneof(
  fc.constant({}),
  fc
    .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 60 }))
    .map(([start, hours]) => ({ from: DAY0 + start * 3_600_000, to: DAY0 + (start + hours) * 3_600_000 })),
);

// ── the query text ──
function condText(c: Cond): string {
  const lit = (v: string | number | null) => (typeof v === 'string' ? JSON.stringify(v) : String(v));
  switch (c.op) {
    case 'eq':
      return `${c.field} = ${lit(c.value)}`;
    case 'ne':
      return `${c.field} != ${lit(c.value)}`;
    case 'gt':
      return `${c.field} > ${c.value}`;
    case 'lt':
      return `${c.field} < ${c.value}`;
    case 'in':
      return `${c.field} in [${c.values.map(lit).join(', ')}]`;
    case 'exists':
      return `exists(${c.field})`;
    case 'text':
      return JSON.stringify(c.term);
    case 'not':
      return `not (${condText(c.item)})`;
    default:
      return `(${c.items.map(condText).join(` ${c.op} `)})`;
  }
}

function queryText({ cond: c, tail: t }: Case): string {
  const stages: string[] = [];
  if (c) stages.push(`filter ${condText(c)}`);
  if (t.kind === 'limit') stages.push(`limit ${t.n}`);
  if (t.kind === 'top') stages.push('sort duration_ms desc', `limit ${t.n}`);
  if (t.kind === 'stats') {
    stages.push(
      `stats count() as n, sum(duration_ms) as total, min(duration_ms) as lo, max(duration_ms) as hi, count_distinct(session_id) as sessions${t.by ? ` by ${t.by}` : ''}`,
    );
  }
  return stages.join(' | ');
}

// ── the independent answer ──
function get(record: Row, path: string): unknown {
  let value: unknown = record;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !(key in (value as object)))
      return undefined;
    value = (value as Row)[key];
  }
  return value;
}

function holds(c: Cond, record: Row, line: string): boolean {
  switch (c.op) {
    case 'eq':
    case 'ne': {
      const v = get(record, c.field);
      const equal = c.value === null ? v === null || v === undefined : v === c.value;
      return c.op === 'eq' ? equal : !equal;
    }
    case 'gt':
    case 'lt': {
      const v = get(record, c.field);
      return typeof v === 'number' && (c.op === 'gt' ? v > c.value : v < c.value);
    }
    case 'in':
      return c.values.includes(get(record, c.field) as string);
    case 'exists': {
      const v = get(record, c.field);
      return v !== undefined && v !== null;
    }
    case 'text': {
      const fold = (s: string) => s.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
      return fold(line).includes(fold(JSON.stringify(c.term).slice(1, -1)));
    }
    case 'not':
      return !holds(c.item, record, line);
    case 'and':
      return c.items.every((i) => holds(i, record, line));
    default:
      return c.items.some((i) => holds(i, record, line));
  }
}

function expected(lines: readonly string[], q: Case): Row[] {
  const from = q.range.from === undefined ? undefined : new Date(q.range.from).toISOString();
  const to = q.range.to === undefined ? undefined : new Date(q.range.to).toISOString();
  const matching: Row[] = [];
  for (const line of lines) {
    let record: Row;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    const ts = record.timestamp as string;
    if ((from && ts < from) || (to && ts >= to)) continue;
    if (q.cond && !holds(q.cond, record, line)) continue;
    matching.push(record);
  }
  // The files are in time order: newest first is the lines backwards.
  const newestFirst = matching.reverse();
  const t = q.tail;
  if (t.kind === 'none') return newestFirst;
  if (t.kind === 'limit') return newestFirst.slice(0, t.n);
  const num = (r: Row) => (typeof r.duration_ms === 'number' ? r.duration_ms : undefined);
  if (t.kind === 'top') {
    const withIndex = newestFirst.map((record, i) => ({ record, i }));
    withIndex.sort((a, b) => {
      const x = num(a.record);
      const y = num(b.record);
      // Descending; records without a number last; ties keep newest first.
      if (x === undefined || y === undefined)
        return (x === undefined ? 1 : 0) - (y === undefined ? 1 : 0) || a.i - b.i;
      return y - x || a.i - b.i;
    });
    // A duration given as a string sorts after every number in SQLite's order, so among the
    // "no number" records strings come before missing ones.
    const rank = (r: Row) => (typeof r.duration_ms === 'string' ? 0 : 1);
    const numbers = withIndex.filter((w) => num(w.record) !== undefined);
    const others = withIndex.filter((w) => num(w.record) === undefined);
    others.sort((a, b) => {
      const sa = a.record.duration_ms;
      const sb = b.record.duration_ms;
      if (typeof sa === 'string' && typeof sb === 'string') return sa < sb ? 1 : sa > sb ? -1 : a.i - b.i;
      return rank(a.record) - rank(b.record) || a.i - b.i;
    });
    return [
      ...others.filter((o) => typeof o.record.duration_ms === 'string'),
      ...numbers,
      ...others.filter((o) => typeof o.record.duration_ms !== 'string'),
    ]
      .slice(0, t.n)
      .map((w) => w.record);
  }
  const groups = new Map<string, Row[]>();
  for (const record of matching) {
    const key = t.by === null ? '' : JSON.stringify(get(record, t.by) ?? null);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(record);
  }
  if (groups.size === 0 && t.by === null) groups.set('', []);
  const rows = [...groups.entries()].map(([key, records]) => {
    const durations = records.map(num).filter((d): d is number => d !== undefined);
    const row: Row = {};
    if (t.by !== null) row[t.by] = JSON.parse(key);
    row.n = records.length;
    row.total = durations.length ? durations.reduce((a, b) => a + b, 0) : null;
    row.lo = durations.length
      ? Math.min(...durations)
      : (records
          .map((r) => r.duration_ms)
          .filter((d) => typeof d === 'string')
          .sort()[0] ?? null);
    row.hi = durations.length
      ? Math.max(...durations)
      : (records
          .map((r) => r.duration_ms)
          .filter((d) => typeof d === 'string')
          .sort()
          .at(-1) ?? null);
    row.sessions = new Set(records.map((r) => r.session_id).filter((s) => typeof s === 'string')).size;
    return row;
  });
  // Groups come out by key: null first, then strings in order.
  const by = t.by;
  if (by !== null)
    rows.sort((a, b) =>
      a[by] === null ? -1 : b[by] === null ? 1 : (a[by] as string) < (b[by] as string) ? -1 : 1,
    );
  return rows;
}

let files: LogFixture;
let engine: FileEngine;

beforeAll(() => {
  files = writeLogDir(makeRecords(900, 11));
  // A corrupt line in the middle and a torn last line: counted, never an answer.
  const newest = readdirSync(files.dir)
    .filter((n) => n.endsWith('.jsonl'))
    .sort()
    .at(-1)!;
  appendFileSync(
    join(files.dir, newest),
    'not json at all\n{"timestamp":"2026-03-04T00:00:00.000Z","level":"IN',
  );
  engine = new FileEngine({ dir: files.dir, workers: 0 });
});
afterAll(() => files.cleanup());

describe('random queries against an independent computation', () => {
  it('the file engine agrees on every generated query', async () => {
    let answered = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.record({ cond: fc.option(cond, { nil: null }), tail, range }), async (q) => {
        const text = queryText(q);
        const ast = { ...parsePipeline(text), range: q.range };
        const got = (await engine.run(ast)).rows;
        const want = expected(files.lines, q);
        const diff = difference(got, want);
        if (diff) throw new Error(`${text} ${JSON.stringify(q.range)}: ${diff}`);
        runs++;
        if (want.length > 0 && !(q.tail.kind === 'stats' && want.every((r) => r.n === 0))) answered++;
      }),
      { numRuns: 250, seed: 20261123 },
    );
    // Not a property that holds vacuously: most queries have something to answer.
    expect(answered / runs).toBeGreaterThan(0.5);
  });

  it('counts the corrupt and the torn line', async () => {
    const { stats } = await engine.run('stats count()');
    expect(stats.corrupt).toBe(1);
    expect(stats.torn).toBe(1);
  });
});
