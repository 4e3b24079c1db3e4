import { describe, expect, it } from 'vitest';
import { record, tempDirs, testServers } from './helpers.js';

const tempDir = tempDirs();
const servers = testServers();

describe('the original action-logs routes', () => {
  it('GET /action-logs/recent: newest first, the original shape, default 100, limit 1–1000', async () => {
    const server = await servers.open(tempDir());
    await server.ingest(Array.from({ length: 120 }, (_, i) => record(i % 60, { seq: i })));
    const { status, body } = await server.call('/action-logs/recent');
    expect(status).toBe(200);
    expect(Object.keys(body)).toEqual(['actions']);
    expect(body.actions).toHaveLength(100);
    // Ties in time come out latest-stored first.
    expect(body.actions[0]).toEqual({
      timestamp: '2026-11-23T10:59:00.000Z',
      service: 'CaseService',
      action: 'createCase',
      status: 'success',
      duration: 69,
      error: null,
      seq: 119,
      level: 'INFO',
      message: 'step 59',
    });
    expect(Object.keys(body.actions[0]).slice(0, 6)).toEqual([
      'timestamp',
      'service',
      'action',
      'status',
      'duration',
      'error',
    ]);
    expect(body.actions[1].seq).toBe(59);
    const times = body.actions.map((a: { timestamp: string }) => a.timestamp);
    expect([...times].sort().reverse()).toEqual(times);

    expect((await server.call('/action-logs/recent?limit=3')).body.actions).toHaveLength(3);
    expect((await server.call('/action-logs/recent?limit=1000')).body.actions).toHaveLength(120);
    for (const bad of ['0', '1001', '-1', '2.5', 'abc', '']) {
      const response = await server.call(`/action-logs/recent?limit=${bad}`);
      expect(response.status, bad).toBe(400);
      expect(response.body.detail).toMatch(/^limit: .*expected a whole number from 1 to 1000/);
    }
    expect(servers.internalErrors).toEqual([]);
  });

  it('duration is whole ms and error a string or null; other fields follow, the error object as error_detail', async () => {
    const server = await servers.open(tempDir());
    await server.ingest([
      record(1, {
        duration_ms: 12.5,
        error: { type: 'TimeoutError', message: 'upstream timed out', stack: 'at x' },
      }),
      record(2, { duration_ms: 0.4, error: 'plain text error', session_id: 's-1', data: { tool: 'grep' } }),
      { timestamp: '2026-11-23T10:03:00.000Z', message: 'bare' },
    ]);
    const [bare, second, first] = (await server.call('/action-logs/recent')).body.actions;
    expect(first).toMatchObject({
      duration: 13,
      error: 'upstream timed out',
      error_detail: { type: 'TimeoutError', message: 'upstream timed out', stack: 'at x' },
    });
    expect(first).not.toHaveProperty('duration_ms');
    expect(second).toMatchObject({
      duration: 0,
      error: 'plain text error',
      session_id: 's-1',
      data: { tool: 'grep' },
      error_detail: { type: 'Error', message: 'plain text error' },
    });
    expect(bare).toEqual({
      timestamp: '2026-11-23T10:03:00.000Z',
      service: null,
      action: null,
      status: null,
      duration: null,
      error: null,
      level: 'INFO',
      message: 'bare',
    });
  });

  it('GET /action-logs/failed: status failed or error, default 50', async () => {
    const server = await servers.open(tempDir());
    await server.ingest([
      ...Array.from({ length: 40 }, (_, i) => record(i, { status: 'failed' })),
      ...Array.from({ length: 20 }, (_, i) => record(i, { status: 'error' })),
      ...Array.from({ length: 30 }, (_, i) => record(i, { status: 'success' })),
    ]);
    const { status, body } = await server.call('/action-logs/failed');
    expect(status).toBe(200);
    expect(body.actions).toHaveLength(50);
    expect(new Set(body.actions.map((a: { status: string }) => a.status))).toEqual(
      new Set(['failed', 'error']),
    );
    // Newest first across both statuses, ties in time latest-stored first: the same order as /recent.
    const all = (await server.call('/action-logs/recent?limit=1000')).body.actions;
    const failures = all.filter((a: { status: string }) => a.status !== 'success');
    expect(body.actions).toEqual(failures.slice(0, 50));
    expect((await server.call('/action-logs/failed?limit=1000')).body.actions).toEqual(failures);
    expect((await server.call('/action-logs/failed?limit=1001')).status).toBe(400);
  });

  it('GET /action-logs/service/{service}: that service only, names are data', async () => {
    const server = await servers.open(tempDir());
    const odd = 'Odd/Name ../ \'x\' "y" ü';
    await server.ingest([
      record(1, { service: 'ChatService' }),
      record(2, { service: 'CaseService' }),
      record(3, { service: odd }),
    ]);
    const chat = (await server.call('/action-logs/service/ChatService')).body.actions;
    expect(chat.map((a: { service: string }) => a.service)).toEqual(['ChatService']);
    const oddResult = await server.call(`/action-logs/service/${encodeURIComponent(odd)}?limit=5`);
    expect(oddResult.status).toBe(200);
    expect(oddResult.body.actions.map((a: { service: string }) => a.service)).toEqual([odd]);
    expect((await server.call('/action-logs/service/Nobody')).body).toEqual({ actions: [] });
  });

  it('GET /action-logs/stats: totals, failures, per service/status/level and p95 per service', async () => {
    const server = await servers.open(tempDir());
    await server.ingest([
      ...Array.from({ length: 20 }, (_, i) => record(i, { duration_ms: (i + 1) * 10 })),
      record(30, { service: 'ChatService', status: 'failed', level: 'ERROR', duration_ms: 900 }),
      record(31, { service: 'ChatService', status: 'error', level: 'ERROR', duration_ms: 100 }),
      { timestamp: '2026-11-23T11:00:00.000Z', message: 'no service, no status' },
    ]);
    const { status, body } = await server.call('/action-logs/stats');
    expect(status).toBe(200);
    expect(body).toEqual({
      stats: {
        total: 23,
        failed: 2,
        byService: { CaseService: 20, ChatService: 2 },
        byStatus: { error: 1, failed: 1, success: 20 },
        byLevel: { ERROR: 2, INFO: 21 },
        // percentile_cont, as the CLI's p95: 190.5 → 191; 860 for [100, 900].
        p95DurationByService: { CaseService: 191, ChatService: 860 },
      },
    });
    const windowed = await server.call(
      '/action-logs/stats?from=2026-11-23T10:30:00Z&to=2026-11-23T11:00:00Z',
    );
    expect(windowed.body.stats).toMatchObject({ total: 2, failed: 2, byService: { ChatService: 2 } });
    const empty = await server.call('/action-logs/stats?from=2030-01-01');
    expect(empty.body).toEqual({
      stats: { total: 0, failed: 0, byService: {}, byStatus: {}, byLevel: {}, p95DurationByService: {} },
    });
    const bad = await server.call('/action-logs/stats?from=soon');
    expect(bad.status).toBe(400);
    expect(bad.body.detail).toMatch(/^from: got "soon"; expected an ISO date/);
    const backwards = await server.call('/action-logs/stats?from=2026-11-24&to=2026-11-23');
    expect(backwards.status).toBe(400);
    expect(backwards.body.detail).toMatch(/^to: .* is not after from/);
  });

  it('POST /action-logs/clear: the original message, and everything is gone', async () => {
    const server = await servers.open(tempDir());
    await server.ingest([record(1), record(2, { message: 'findable needle' })]);
    const cleared = await server.call({ method: 'POST', url: '/action-logs/clear' });
    expect(cleared.status).toBe(200);
    expect(cleared.body).toEqual({ message: 'Action logs cleared successfully' });
    expect((await server.call('/action-logs/recent')).body).toEqual({ actions: [] });
    expect((await server.call('/action-logs/stats')).body.stats.total).toBe(0);
    expect((await server.call('/action-logs/search?q="needle"')).body.actions).toEqual([]);
    // The full-text index is cleared with the records: new records are found, old ones are not.
    await server.ingest([record(3, { message: 'another needle' })]);
    const found = (await server.call('/action-logs/search?q="needle"')).body.actions;
    expect(found.map((a: { message: string }) => a.message)).toEqual(['another needle']);
  });

  it('GET /healthz and /readyz', async () => {
    const server = await servers.open(tempDir());
    expect(await server.call('/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    const ready = await server.call('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ready', store: `sqlite ${server.path}: ok` });
    await server.store.close();
    const closed = await server.call('/readyz');
    expect(closed.status).toBe(503);
    expect(closed.body.detail).toMatch(/^not ready: sqlite .*closed$/);
  });
});
