import { compileMasker } from 'actionlog';
import { describe, expect, it } from 'vitest';
import { tempDirs, testServers } from './helpers.js';

const tempDir = tempDirs();
const servers = testServers();

const post = (payload: string | object, contentType = 'application/json') => ({
  method: 'POST' as const,
  url: '/action-logs',
  headers: { 'content-type': contentType },
  payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
});

describe('POST /action-logs', () => {
  it('one record, an array, NDJSON: 202 with counts, then found by search', async () => {
    const server = await servers.open(tempDir());
    const one = await server.call(post({ service: 'PyWorker', action: 'one', message: 'from python' }));
    expect(one.status).toBe(202);
    expect(one.body).toEqual({ accepted: 1, rejected: [] });
    const array = await server.call(
      post([
        { service: 'GoWorker', action: 'two', message: 'from go' },
        { service: 'GoWorker', action: 'three', message: 'from go again' },
      ]),
    );
    expect(array.body).toEqual({ accepted: 2, rejected: [] });
    const ndjson = await server.call(
      post(
        '{"service":"RustWorker","action":"four","message":"from rust"}\r\n\n{"service":"RustWorker","action":"five"}\n',
        'application/x-ndjson',
      ),
    );
    expect(ndjson.status).toBe(202);
    expect(ndjson.body).toEqual({ accepted: 2, rejected: [] });
    const jsonl = await server.call(
      post('{"service":"Shell","action":"six"}', 'application/jsonl; charset=utf-8'),
    );
    expect(jsonl.body).toEqual({ accepted: 1, rejected: [] });

    const found = await server.call('/action-logs/search?service=GoWorker&service=RustWorker&sort=asc');
    expect(found.body.actions.map((a: { action: string }) => a.action)).toEqual([
      'two',
      'three',
      'four',
      'five',
    ]);
    const text = await server.call('/action-logs/search?q=%22python%22');
    expect(text.body.actions.map((a: { service: string }) => a.service)).toEqual(['PyWorker']);
    expect((await server.call('/action-logs/stats')).body.stats.total).toBe(6);
  });

  it('keeps the good records and reports each bad one with its index and why', async () => {
    const server = await servers.open(tempDir());
    const array = await server.call(
      post([
        { service: 'A' },
        'not a record',
        { service: 42 },
        { level: 'LOUD' },
        { duration_ms: -5 },
        { timestamp: 'yesterday-ish' },
        { seq: 1.5 },
        { error: 7 },
        { data: [1, 2] },
        { service: 'x'.repeat(1025) },
        { service: 'B', level: 'warn' },
      ]),
    );
    expect(array.status).toBe(202);
    expect(array.body).toEqual({
      accepted: 2,
      rejected: [
        { index: 1, detail: 'expected a record (a JSON object), got "not a record"' },
        { index: 2, detail: 'service: got number 42; expected a string' },
        {
          index: 3,
          detail:
            'level: got "LOUD"; expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL (any case; warn, fatal also)',
        },
        { index: 4, detail: 'duration_ms: got number -5; expected a number of milliseconds ≥ 0' },
        {
          index: 5,
          detail:
            'timestamp: got "yesterday-ish"; expected an ISO 8601 date-time (2026-11-23T10:30:45.123Z) or epoch milliseconds',
        },
        { index: 6, detail: 'seq: got number 1.5; expected a whole number ≥ 0' },
        { index: 7, detail: 'error: got number 7; expected an object {type, message, …} or a string' },
        { index: 8, detail: 'data: got an array; expected an object' },
        { index: 9, detail: 'service: 1025 characters; at most 1024 allowed' },
      ],
    });
    const ndjson = await server.call(
      post('{"service":"C"}\n{oops\n\n[1]\n{"service":"D"}', 'application/x-ndjson'),
    );
    expect(ndjson.body.accepted).toBe(2);
    expect(ndjson.body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 3]);
    expect(ndjson.body.rejected[0].detail).toMatch(/^not valid JSON/);
    expect(ndjson.body.rejected[1].detail).toBe('expected a record (a JSON object), got an array');
    const stored = await server.call('/action-logs/search?sort=asc');
    expect(stored.body.actions.map((a: { service: string; level: string }) => [a.service, a.level])).toEqual([
      ['A', 'INFO'],
      ['B', 'WARNING'],
      ['C', 'INFO'],
      ['D', 'INFO'],
    ]);
  });

  it('stores records in the §2 form: canonical time and level, unknown fields in data, keys in order', async () => {
    const server = await servers.open(tempDir());
    await server.ingest([
      {
        custom: 1,
        service: 'S',
        timestamp: '2026-11-23T12:30:45.5+02:00',
        level: 'fatal',
        data: { custom: 'data wins', kept: true },
      },
      { timestamp: Date.UTC(2026, 10, 23, 10, 30, 45, 123), message: 'epoch ms' },
      { timestamp: '2026-11-23 10:30:45', message: 'no zone is UTC' },
    ]);
    const rows = (await server.call('/api/query?q=sort%20timestamp%20asc')).body.rows;
    expect(rows[0]).toEqual({
      timestamp: '2026-11-23T10:30:45.000Z',
      level: 'INFO',
      message: 'no zone is UTC',
    });
    expect(rows[1]).toEqual({ timestamp: '2026-11-23T10:30:45.123Z', level: 'INFO', message: 'epoch ms' });
    expect(rows[2]).toEqual({
      timestamp: '2026-11-23T10:30:45.500Z',
      level: 'CRITICAL',
      service: 'S',
      data: { custom: 'data wins', kept: true },
    });
    const raw = (await server.call('/api/query?q=filter%20service%20%3D%20%22S%22')).text;
    expect(raw.indexOf('"timestamp"')).toBeLessThan(raw.indexOf('"level"'));
    expect(raw.indexOf('"service"')).toBeLessThan(raw.indexOf('"data"'));
  });

  it('a "__proto__" field is kept as data, never a prototype', async () => {
    const server = await servers.open(tempDir());
    const response = await server.call(
      post('[{"service":"P","__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}}}]'),
    );
    expect(response.body).toEqual({ accepted: 1, rejected: [] });
    const [row] = (await server.call('/api/query?q=limit%201')).body.rows;
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(row.data).toEqual({ ['__proto__']: { isAdmin: true }, constructor: { prototype: { x: 1 } } });
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });

  it('masks with the library rules (default, or the masker given)', async () => {
    const server = await servers.open(tempDir());
    await server.ingest([
      {
        service: 'Auth',
        message: 'login with password=hunter2 for bob@example.com card 4111 1111 1111 1111',
        data: { apiKey: 'sk_live_abcdefghijklmnop', nested: { token: 'abc' } },
        user_id: 'bob@example.com',
      },
    ]);
    const [row] = (await server.call('/api/query?q=limit%201')).body.rows;
    expect(row.message).not.toContain('hunter2');
    expect(row.message).not.toContain('4111 1111 1111 1111');
    expect(row.data.apiKey).toBe('[MASKED]');
    expect(row.data.nested.token).toBe('[MASKED]');
    expect(row.user_id).not.toBe('bob@example.com');
    // The indexed columns hold the masked values too: the secret cannot be searched for.
    expect((await server.call('/action-logs/search?q=%22hunter2%22')).body.actions).toEqual([]);
    expect((await server.call('/action-logs/search?user_id=bob%40example.com')).body.actions).toEqual([]);

    const custom = await servers.open(tempDir(), {
      masker: compileMasker({ keys: ['customer'], paths: ['data.drop_me'] }),
    });
    await custom.ingest([{ service: 'S', data: { customer: 'ACME', drop_me: 1, keep: 2 } }]);
    const [masked] = (await custom.call('/api/query?q=limit%201')).body.rows;
    expect(masked.data).toEqual({ customer: '[MASKED]', keep: 2 });
  });

  it('415 for other content types and for compressed bodies; 400 for a body that is not JSON', async () => {
    const server = await servers.open(tempDir());
    const text = await server.call(post('hello', 'text/plain'));
    expect(text.status).toBe(415);
    expect(text.body.detail).toBe(
      'this Content-Type is not accepted here: send application/json or application/x-ndjson',
    );
    const form = await server.call(post('a=1', 'application/x-www-form-urlencoded'));
    expect(form.status).toBe(415);
    const gzip = await server.call({
      ...post('{}'),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(gzip.status).toBe(415);
    expect(gzip.body.detail).toMatch(/^Content-Encoding gzip is not accepted here/);
    const none = await server.call({ method: 'POST', url: '/action-logs' });
    expect([400, 415]).toContain(none.status);
    expect(typeof none.body.detail).toBe('string');
    for (const [payload, detail] of [
      ['{"a":', /^body: not valid JSON/],
      ['', /^body: empty/],
      ['42', /^body: expected a record \(a JSON object\) or an array of records$/],
      ['"text"', /^body: expected a record/],
      ['null', /^body: expected a record/],
    ] as const) {
      const response = await server.call(post(payload));
      expect(response.status, payload).toBe(400);
      expect(response.body.detail, payload).toMatch(detail);
    }
    expect((await server.call(post('\n\n', 'application/x-ndjson'))).status).toBe(400);
    expect(servers.internalErrors).toEqual([]);
  });

  it('413 past the body limit (configurable), naming the limit', async () => {
    const server = await servers.open(tempDir(), { bodyLimit: 4096 });
    const big = JSON.stringify([{ message: 'x'.repeat(5000) }]);
    const response = await server.call(post(big));
    expect(response.status).toBe(413);
    expect(response.body.detail).toBe(
      "the body is larger than this server's limit of 4096 bytes: send fewer records per request",
    );
    expect((await server.call(post([{ message: 'small' }]))).status).toBe(202);
  });
});
