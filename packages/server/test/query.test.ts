import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs, testServers } from './helpers.js';

const tempDir = tempDirs();
const servers = testServers();
const CLI = join(
  dirname(createRequire(import.meta.url).resolve('actionlog/package.json')),
  'dist/cli/main.js',
);

/** Records in their stored form (canonical level, ISO time, §2 key order), so a file can hold the same lines. */
function records(): Record<string, unknown>[] {
  const services = ['CaseService', 'ChatService', 'BillingService'];
  const statuses = ['success', 'success', 'failed', 'error'];
  return Array.from({ length: 60 }, (_, i) => ({
    // In time order, as the library writes files (the file engine reads newest-first by position).
    timestamp: new Date(Date.UTC(2026, 10, 23, 10, i, i % 7)).toISOString(),
    seq: i,
    level: i % 9 === 0 ? 'ERROR' : 'INFO',
    category: i % 5 === 0 ? 'audit' : 'system',
    message: i % 4 === 0 ? `request timed out after ${i} ms` : `handled step ${i}`,
    action: i % 3 === 0 ? 'tool_call' : 'createCase',
    service: services[i % 3],
    status: statuses[i % 4],
    duration_ms: (i * 37) % 500,
    ...(i % 6 === 0 ? { session_id: `s${i % 4}` } : {}),
    ...(i % 10 === 0 ? { error: { type: 'TimeoutError', message: 'upstream' } } : {}),
    ...(i % 2 === 0 ? { data: { tool_name: ['grep', 'read'][i % 4 === 0 ? 0 : 1], bytes: i * 100 } } : {}),
  }));
}

function cli(dir: string, pipeline: string, range: string[] = []): unknown {
  const out = execFileSync(
    process.execPath,
    [CLI, 'query', pipeline, '--dir', dir, '--format', 'json', ...range],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return JSON.parse(out);
}

describe('GET /api/query', () => {
  it('gives the rows `actionlog query --format json` prints for the same records', async () => {
    const dir = tempDir();
    const all = records();
    writeFileSync(join(dir, '2026-11-23.jsonl'), all.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const server = await servers.open(dir);
    await server.ingest(all);
    const pipelines = [
      'filter status = "failed" | limit 5',
      'stats count() as n, p95(duration_ms) by service | sort n desc',
      'filter level >= "warning" | fields timestamp, service, error.message',
      '"timed out" and duration_ms > 100',
      'stats count() by data.tool_name, bin(10m)',
      'filter action = "tool_call" | stats avg(duration_ms) as avg, max(duration_ms) by status',
      'parse message "handled step *" as step | filter exists(step) | stats count_distinct(step) as steps',
      'filter service in ["CaseService", "BillingService"] and category = "audit" | sort duration_ms asc | limit 3',
      'filter session_id like /^s[12]$/ | fields session_id, seq',
      'filter status = "nothing like this"',
    ];
    for (const pipeline of pipelines) {
      const response = await server.call(`/api/query?q=${encodeURIComponent(pipeline)}`);
      expect(response.status, `${pipeline}: ${response.text}`).toBe(200);
      expect(response.body.rows, pipeline).toEqual(cli(dir, pipeline));
      expect(response.body.truncated).toBe(false);
    }
    const ranged = 'stats count() as n by service';
    const response = await server.call(
      `/api/query?q=${encodeURIComponent(ranged)}&from=2026-11-23T10:10:00Z&to=2026-11-23T10:20:00Z`,
    );
    expect(response.body.rows).toEqual(
      cli(dir, ranged, ['--from', '2026-11-23T10:10:00Z', '--to', '2026-11-23T10:20:00Z']),
    );
    expect(servers.internalErrors).toEqual([]);
  });

  it('says whether rows are records or a table, with the table columns in order', async () => {
    const server = await servers.open(tempDir());
    await server.ingest(records().slice(0, 5));
    const table = await server.call(`/api/query?q=${encodeURIComponent('stats count() as n by service')}`);
    expect(table.body).toMatchObject({ shape: 'columns', columns: ['service', 'n'], truncated: false });
    const rows = await server.call(`/api/query?q=${encodeURIComponent('limit 2')}`);
    expect(rows.body.shape).toBe('records');
    expect(rows.body).not.toHaveProperty('columns');
    expect(rows.body.rows).toHaveLength(2);
  });

  it('returns at most maxQueryRows rows and says it truncated', async () => {
    const server = await servers.open(tempDir(), { maxQueryRows: 7 });
    await server.ingest(records().slice(0, 20));
    const all = await server.call('/api/query?q=filter%20seq%20%3E%3D%200');
    expect(all.body.rows).toHaveLength(7);
    expect(all.body.truncated).toBe(true);
    const limited = await server.call('/api/query?q=limit%207');
    expect(limited.body.truncated).toBe(false);
  });

  it('a parse error is a 400 with the caret message; q is required', async () => {
    const server = await servers.open(tempDir());
    const response = await server.call(
      `/api/query?q=${encodeURIComponent('filter level = | stats count()')}`,
    );
    expect(response.status).toBe(400);
    expect(response.body.detail).toBe(
      'query error at column 16: expected a value after "=" (a "string", a number, true, false or null), found "|"\n  filter level = | stats count()\n                 ^',
    );
    const unknown = await server.call(
      `/api/query?q=${encodeURIComponent('stats count() as n | filter x = 1')}`,
    );
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toMatch(/unknown column "x" here \(available: n\)/);
    const missing = await server.call('/api/query');
    expect(missing.status).toBe(400);
    expect(missing.body.detail).toMatch(/^q: required; expected a pipeline in the query language/);
    const badRange = await server.call('/api/query?q=limit%201&from=whenever');
    expect(badRange.status).toBe(400);
    expect(badRange.body.detail).toMatch(/^from: got "whenever"/);
  });
});
