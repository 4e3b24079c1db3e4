import { describe, expect, it } from 'vitest';
import { evaluate, parsePipeline, type Row } from '../../src/index.js';

/** Small records with every kind of value; oldest first, as a file holds them. */
const RECORDS: Row[] = [
  {
    timestamp: '2026-11-23T10:00:00.000Z',
    level: 'INFO',
    service: 'A',
    status: 'success',
    duration_ms: 10,
    tags: ['x', 'y'],
    data: { tool_name: 'bash', n: 1 },
    message: 'Tool use: bash',
  },
  {
    timestamp: '2026-11-23T10:01:00.000Z',
    level: 'WARNING',
    service: 'B',
    status: 'failed',
    duration_ms: 250.5,
    data: { tool_name: 'grep', n: '1' },
    message: 'Rate Limit exceeded',
  },
  {
    timestamp: '2026-11-23T10:02:00.000Z',
    level: 'ERROR',
    service: 'A',
    status: 'error',
    duration_ms: 900,
    error: { type: 'TypeError', message: 'boom' },
    flag: true,
    message: 'say "hi"\nthere',
  },
  {
    timestamp: '2026-11-23T10:07:00.000Z',
    level: 'DEBUG',
    service: null,
    duration_ms: -3,
    flag: false,
    message: 'naïve café',
  },
  {
    timestamp: '2026-11-23T11:00:00.000Z',
    level: 'CRITICAL',
    service: 'C',
    status: 'failed',
    data: { n: 2 },
    message: 'disk full',
  },
];

const seqOf = (rows: Row[]) => rows.map((r) => RECORDS.indexOf(r));
const run = (query: string) => evaluate(RECORDS, parsePipeline(query));
const which = (query: string) => seqOf(run(query)).sort();

describe('filter operators (JS reference semantics)', () => {
  it('= and != are typed, and != also matches a missing field', () => {
    expect(which('filter service = "A"')).toEqual([0, 2]);
    expect(which('filter data.n = 1')).toEqual([0]);
    expect(which('filter data.n = "1"')).toEqual([1]);
    expect(which('filter service != "A"')).toEqual([1, 3, 4]);
    expect(which('filter flag = true')).toEqual([2]);
    expect(which('filter flag = false')).toEqual([3]);
  });

  it('null equals missing and null; exists is present and not null', () => {
    expect(which('filter service = null')).toEqual([3]);
    expect(which('filter status = null')).toEqual([3]);
    expect(which('filter status != null')).toEqual([0, 1, 2, 4]);
    expect(which('filter exists(error)')).toEqual([2]);
    expect(which('filter exists(service)')).toEqual([0, 1, 2, 4]);
    expect(which('filter not exists(duration_ms)')).toEqual([4]);
  });

  it('< <= > >= compare numbers with numbers and strings with strings', () => {
    expect(which('filter duration_ms > 10')).toEqual([1, 2]);
    expect(which('filter duration_ms >= 10')).toEqual([0, 1, 2]);
    expect(which('filter duration_ms < 0')).toEqual([3]);
    expect(which('filter duration_ms <= 10')).toEqual([0, 3]);
    expect(which('filter data.n < 5')).toEqual([0, 4]);
    expect(which('filter timestamp >= "2026-11-23T10:02"')).toEqual([2, 3, 4]);
    expect(which('filter service > "A"')).toEqual([1, 4]);
  });

  it('level comparisons follow severity and accept any case and aliases', () => {
    expect(which('filter level >= "warn"')).toEqual([1, 2, 4]);
    expect(which('filter level > "ERROR"')).toEqual([4]);
    expect(which('filter level < "info"')).toEqual([3]);
    expect(which('filter level = "error"')).toEqual([2]);
    expect(which('filter level in ["fatal", "warning"]')).toEqual([1, 4]);
    expect(which('filter level > "CRITICAL"')).toEqual([]);
  });

  it('in, not in', () => {
    expect(which('filter service in ["A", "C"]')).toEqual([0, 2, 4]);
    expect(which('filter service not in ["A", "C"]')).toEqual([1, 3]);
    expect(which('filter data.n in [1, 2]')).toEqual([0, 4]);
    expect(which('filter service in [null, "B"]')).toEqual([1, 3]);
  });

  it('contains: substring of a string (case-sensitive), element of an array', () => {
    expect(which('filter message contains "Limit"')).toEqual([1]);
    expect(which('filter message contains "limit"')).toEqual([]);
    expect(which('filter tags contains "y"')).toEqual([0]);
    expect(which('filter tags not contains "y"')).toEqual([1, 2, 3, 4]);
  });

  it('like: a JS regular expression on string values', () => {
    expect(which('filter message like /^tool/i')).toEqual([0]);
    expect(which('filter message like /^tool/')).toEqual([]);
    expect(which('filter duration_ms like /10/')).toEqual([]);
    expect(which('filter message like /"hi"\\nthere/')).toEqual([2]);
  });

  it('full text: the term in the line, ignoring ASCII case; quotes and newlines as written', () => {
    expect(which('"rate limit"')).toEqual([1]);
    expect(which('"TYPEERROR"')).toEqual([2]);
    expect(which('"say \\"hi\\"\\nthere"')).toEqual([2]);
    expect(which('"CAFÉ"')).toEqual([]);
    expect(which('"café"')).toEqual([3]);
    expect(which('"bash" or "grep"')).toEqual([0, 1]);
  });

  it('not, and, or, parentheses', () => {
    expect(which('filter not (service = "A" or service = "B")')).toEqual([3, 4]);
    expect(which('filter service = "A" and (status = "error" or duration_ms < 100)')).toEqual([0, 2]);
    expect(which('filter service = "A" and status = "error" or service = "C"')).toEqual([2, 4]);
  });

  it('fields reach into data and error; parse captures', () => {
    expect(run('filter exists(error) | fields error.type, error.message as msg')).toEqual([
      { 'error.type': 'TypeError', msg: 'boom' },
    ]);
    expect(run('parse message "Tool use: *" as tool | filter exists(tool) | fields tool')).toEqual([
      { tool: 'bash' },
    ]);
    expect(run('parse message /(\\w+) (\\w+)/ as a, b | filter a = "disk" | fields b')).toEqual([
      { b: 'full' },
    ]);
  });

  it('records come newest first; sort is stable; limit and offset', () => {
    expect(seqOf(run('limit 2'))).toEqual([4, 3]);
    expect(seqOf(run('sort timestamp | limit 2 offset 1'))).toEqual([1, 2]);
    expect(seqOf(run('sort service desc'))).toEqual([4, 1, 2, 0, 3]);
    expect(seqOf(run('sort duration_ms desc'))).toEqual([2, 1, 0, 3, 4]);
  });
});

describe('aggregates', () => {
  it('count, count(field), sum, avg, min, max, count_distinct', () => {
    expect(
      run(
        'stats count() as n, count(status) as with_status, sum(duration_ms) as total, avg(duration_ms) as mean, min(duration_ms) as lo, max(duration_ms) as hi, min(service) as first, count_distinct(service) as services',
      ),
    ).toEqual([
      { n: 5, with_status: 4, total: 1157.5, mean: 289.375, lo: -3, hi: 900, first: 'A', services: 3 },
    ]);
  });

  it('percentiles interpolate between ranks (exact for small groups)', () => {
    const [row] = run(
      'stats p50(duration_ms) as p50, p90(duration_ms) as p90, p95(duration_ms), p99(duration_ms)',
    );
    // Sorted: -3, 10, 250.5, 900 → position (n-1)·q.
    expect(row.p50).toBeCloseTo(130.25, 10);
    expect(row.p90).toBeCloseTo(250.5 + 0.7 * 649.5, 10);
    expect(row['p95(duration_ms)']).toBeCloseTo(250.5 + 0.85 * 649.5, 10);
    expect(row['p99(duration_ms)']).toBeCloseTo(250.5 + 0.97 * 649.5, 10);
  });

  it('groups by fields (missing as null, first) and by time bins', () => {
    expect(run('stats count() as n by service')).toEqual([
      { service: null, n: 1 },
      { service: 'A', n: 2 },
      { service: 'B', n: 1 },
      { service: 'C', n: 1 },
    ]);
    expect(run('stats count() as n by bin(5m)')).toEqual([
      { 'bin(5m)': '2026-11-23T10:00:00.000Z', n: 3 },
      { 'bin(5m)': '2026-11-23T10:05:00.000Z', n: 1 },
      { 'bin(5m)': '2026-11-23T11:00:00.000Z', n: 1 },
    ]);
    expect(run('stats count() as n by service, bin(1h) | sort n desc | limit 1')).toEqual([
      { service: 'A', 'bin(1h)': '2026-11-23T10:00:00.000Z', n: 2 },
    ]);
  });

  it('aggregates over nothing: count 0, the rest null', () => {
    expect(
      run('filter service = "none" | stats count() as n, sum(duration_ms) as s, p95(duration_ms) as p'),
    ).toEqual([{ n: 0, s: null, p: null }]);
    expect(run('filter service = "none" | stats count() by service')).toEqual([]);
  });

  it('filters, sorts and limits the aggregated rows', () => {
    expect(run('stats count() as n by service | filter n > 1 or service = null | sort n desc')).toEqual([
      { service: 'A', n: 2 },
      { service: null, n: 1 },
    ]);
  });

  it('time range: from inclusive, to exclusive', () => {
    const ast = parsePipeline('stats count() as n');
    ast.range = { from: Date.parse('2026-11-23T10:01:00Z'), to: Date.parse('2026-11-23T11:00:00Z') };
    expect(evaluate(RECORDS, ast)).toEqual([{ n: 3 }]);
  });
});
