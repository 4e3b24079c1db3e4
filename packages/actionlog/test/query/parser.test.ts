import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatPipeline, parsePipeline, Query, QueryError } from '../../src/index.js';

const GOLDEN = fileURLToPath(new URL('./golden/parse-errors.golden', import.meta.url));

/** Invalid queries: each must fail with a caret under the right column and say what was expected. */
const INVALID = [
  'filter level = ',
  'filter level =',
  'filter',
  'filter status = "failed" |',
  'filter status = "failed" | | limit 2',
  'filter status == "failed" && level = "ERROR"',
  'filter status = "failed" || level = "ERROR"',
  'filter !exists(error)',
  'filter duration_ms > true',
  'filter duration_ms >',
  'filter service in "a", "b"',
  'filter service in []',
  'filter service in ["a" "b"]',
  'filter message like "timeout"',
  'filter message like /time(out/',
  'filter message like /timeout/x',
  'filter message contains 42',
  'filter (status = "failed"',
  'filter status = "failed")',
  'filter status "failed"',
  'filter "unterminated',
  'filter ""',
  'filter error.',
  'filter status = "failed" limit 10',
  'fields',
  'fields timestamp,',
  'stats',
  'stats count',
  'stats pct(duration_ms)',
  'stats sum()',
  'stats count() by',
  'stats count() by bin(5)',
  'stats count() by bin(500ms)',
  'stats count() by bin(5x)',
  'stats count() as n by service | sort count desc',
  'stats count() by service | filter n > 10',
  'stats count(), count()',
  'stats count() by service | filter "text"',
  'sort',
  'limit',
  'limit 0',
  'limit -5',
  'limit 2.5',
  'limit 10 offset',
  'parse message "no star" as x',
  'parse message "a * b *" as x',
  'parse message "a *" as x, y',
  'parse message /no groups/',
  'parse message',
  'filter status = "failed" | frobnicate',
  'filter a = "\\q"',
  'filter a = 1 and\n  b = ',
  '  filter status = failed | stats count() bye service',
];

function render(query: string): string {
  try {
    parsePipeline(query);
  } catch (error) {
    if (error instanceof QueryError) return error.render();
    throw error;
  }
  return '(no error)';
}

describe('parser errors (golden)', () => {
  it('each invalid query fails with a caret under the column and what was expected', () => {
    const actual = INVALID.map((query) => `>>> ${JSON.stringify(query)}\n${render(query)}\n`).join('\n');
    if (process.env.UPDATE_GOLDEN) writeFileSync(GOLDEN, actual);
    expect(actual).toBe(readFileSync(GOLDEN, 'utf8'));
    expect(actual).not.toContain('(no error)');
  });

  it('points the caret at the column given in the error', () => {
    const error = (() => {
      try {
        parsePipeline('filter status = "failed" and duration_ms >');
      } catch (e) {
        return e as QueryError;
      }
    })();
    expect(error).toBeInstanceOf(QueryError);
    expect(error!.column).toBe(43);
    const [, line, caret] = error!.render().split('\n');
    expect(caret.indexOf('^') - 2).toBe(error!.column! - 1);
    expect(line.trim()).toBe('filter status = "failed" and duration_ms >');
  });
});

/** Valid queries: they parse, print back to text that parses to the same AST. */
const VALID = [
  'filter level = "ERROR" and service in ["ChatService", "CaseService"] and duration_ms > 500 | fields timestamp, service, action, error.message | stats count() as n, p95(duration_ms) by service, bin(5m) | sort n desc | limit 20',
  '"rate limit" and status = "failed"',
  'filter not (status = "failed" or status = "error") and exists(error.type)',
  'filter message like /time(d)?out/i and message contains "x" and service not in ["A"] and message not like /y/',
  'filter level >= "warn" and data.tool_name = "bash" and data.args.path contains "src/"',
  'filter a = null and b = true and c != false and d <= -1.5e3 and e < "m"',
  'filter status = failed',
  'filter `data.odd-key` = 1 and data.`with space` exists(x)'.replace(' exists(x)', ' = 2'),
  'parse message "Tool use: *" as tool_name | stats count() by tool_name | sort count() desc',
  'parse message /user=(?<user>\\w+) action=(\\w+)/ as u, a | fields u, a',
  'parse message /(?<method>GET|POST) (?<path>\\S+)/ | stats count() by method, path',
  'stats count(), sum(duration_ms), avg(duration_ms), min(timestamp), max(timestamp), count_distinct(session_id), p50(duration_ms), p90(duration_ms), p95(duration_ms), p99(duration_ms) by bin(1h)',
  'stats count() by bin(1d, data.started_at) as day | sort day',
  'limit 10 offset 20',
  'fields timestamp, error.message as error | filter error != null',
  'filter level = "ERROR" | fields timestamp, service, action, error.message | stats count() as n, p95(duration_ms) by service',
  '',
];

describe('parser (valid queries)', () => {
  for (const query of VALID) {
    it(`round-trips ${JSON.stringify(query.slice(0, 60))}`, () => {
      const ast = parsePipeline(query);
      const printed = formatPipeline(ast);
      expect(stripColumns(parsePipeline(printed))).toEqual(stripColumns(ast));
    });
  }

  it('reads a first stage without a keyword as a filter, and bare words as strings', () => {
    expect(parsePipeline('"rate limit" and status = failed').stages).toEqual([
      {
        kind: 'filter',
        where: {
          kind: 'and',
          items: [
            { kind: 'text', term: 'rate limit', column: 1 },
            {
              kind: 'compare',
              field: { path: ['status'], text: 'status', column: 18 },
              op: '=',
              value: 'failed',
            },
          ],
        },
      },
    ]);
  });

  it('reads durations, regex flags, nested paths and default column names', () => {
    const ast = parsePipeline('filter message like /x/i | stats p95(error.code) by bin(90s)');
    const [filter, stats] = ast.stages;
    expect(filter).toMatchObject({ where: { kind: 'like', pattern: 'x', flags: 'i' } });
    expect(stats).toMatchObject({
      kind: 'stats',
      aggregates: [{ fn: 'p95', field: { path: ['error', 'code'] }, as: 'p95(error.code)' }],
      by: [{ kind: 'bin', ms: 90_000, as: 'bin(90s)' }],
    });
  });

  it('builds the same AST from the fluent Query API', () => {
    const built = new Query()
      .where('status', '=', 'failed')
      .where('service', 'in', ['ChatService', 'CaseService'])
      .text('rate limit')
      .stats('count() as n, p95(duration_ms) by service, bin(5m)')
      .sort('n', 'desc')
      .limit(20);
    const parsed = Query.parse(
      'filter status = "failed" and service in ["ChatService", "CaseService"] and "rate limit" | stats count() as n, p95(duration_ms) by service, bin(5m) | sort n desc | limit 20',
    );
    expect(stripColumns(built.toAST())).toEqual(stripColumns(parsed.toAST()));
    expect(built.toString()).toBe(parsed.toString());
  });

  it('rejects bad builder calls with a QueryError', () => {
    expect(() => new Query().where('a', 'in', [])).toThrow(QueryError);
    expect(() => new Query().where('a', '<', true)).toThrow(/compares numbers or strings/);
    expect(() => new Query().since('5 minutes')).toThrow(/not a duration/);
    expect(() => new Query().between('2026-01-02', '2026-01-01')).toThrow(/time range is empty/);
    expect(() => new Query().stats('count() by service').sort('nope')).toThrow(/unknown column "nope"/);
  });
});

function stripColumns<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (key, v) => (key === 'column' ? undefined : v)));
}
