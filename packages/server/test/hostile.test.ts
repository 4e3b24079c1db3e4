import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { record, tempDirs, testServers } from './helpers.js';

const tempDir = tempDirs();
const servers = testServers();

const INJECTIONS = [
  "x' OR '1'='1",
  "'; DROP TABLE records; --",
  '" OR 1=1 --',
  '1; DELETE FROM records',
  ') OR (1=1',
  "x') UNION SELECT raw FROM records --",
  '\u0000',
  '%00',
  '../../etc/passwd',
  '..\\..\\windows',
  '$."raw"',
  '*',
  '%',
  '_',
];

const READ_ROUTES = [
  (v: string) => `/action-logs/recent?limit=${v}`,
  (v: string) => `/action-logs/failed?limit=${v}`,
  (v: string) => `/action-logs/service/${v}`,
  (v: string) => `/action-logs/service/x?limit=${v}`,
  (v: string) => `/action-logs/stats?from=${v}`,
  (v: string) => `/action-logs/stats?to=${v}`,
  ...[
    'service',
    'status',
    'action',
    'level',
    'category',
    'session_id',
    'trace_id',
    'user_id',
    'q',
    'from',
    'to',
  ].map((name) => (v: string) => `/action-logs/search?${name}=${v}`),
  (v: string) => `/action-logs/search?min_duration=${v}`,
  (v: string) => `/action-logs/search?max_duration=${v}`,
  (v: string) => `/action-logs/search?sort=${v}`,
  (v: string) => `/action-logs/search?limit=${v}`,
  (v: string) => `/action-logs/search?cursor=${v}`,
  (v: string) => `/api/query?q=${v}`,
  (v: string) => `/api/query?q=limit%201&from=${v}`,
  (v: string) => `/api/query?q=${encodeURIComponent('filter service = ')}${v}`,
  (v: string) => `/api/query?q=${encodeURIComponent('filter data.x = "')}${v}${encodeURIComponent('"')}`,
];

describe('hostile input never gives a 500 or a crash', () => {
  it('SQL and paths in every parameter are data: 200 with nothing found, or a 400', async () => {
    const server = await servers.open(tempDir());
    await server.ingest([record(1), record(2, { status: 'failed' })]);
    for (const route of READ_ROUTES) {
      for (const injection of INJECTIONS) {
        const url = route(encodeURIComponent(injection));
        const response = await server.call(url);
        expect([200, 400, 404], `${url} → ${response.status} ${response.text}`).toContain(response.status);
        expect(typeof response.body === 'object' && response.body !== null, url).toBe(true);
        if (response.status !== 200) expect(typeof response.body.detail, url).toBe('string');
        if (response.status === 200 && url.startsWith('/action-logs/service/') && !url.includes('limit')) {
          expect(response.body.actions).toEqual([]);
        }
      }
    }
    // Records stored with hostile values come back exactly, and the table is intact.
    await server.ingest(
      INJECTIONS.map((value, i) => record(i, { service: value, message: value, data: { v: value } })),
    );
    for (const value of INJECTIONS) {
      const byPath = await server.call(`/action-logs/service/${encodeURIComponent(value)}`);
      if (byPath.status === 200)
        expect(byPath.body.actions.map((a: { message: string }) => a.message)).toEqual([value]);
      const bySearch = await server.call(`/action-logs/search?service=${encodeURIComponent(value)}`);
      expect(bySearch.body.actions.map((a: { message: string }) => a.message)).toEqual([value]);
    }
    expect((await server.call('/action-logs/stats')).body.stats.total).toBe(2 + INJECTIONS.length);
    expect(servers.internalErrors).toEqual([]);
  });

  it('../ in {service} is a name, never a path', async () => {
    const server = await servers.open(tempDir());
    await server.ingest([record(1, { service: '../../etc/passwd' })]);
    const encoded = await server.call('/action-logs/service/..%2F..%2Fetc%2Fpasswd');
    expect(encoded.status).toBe(200);
    expect(encoded.body.actions.map((a: { service: string }) => a.service)).toEqual(['../../etc/passwd']);
    for (const url of [
      '/action-logs/service/../../etc/passwd',
      '/action-logs/service/..',
      '/action-logs/service/%2e%2e',
    ]) {
      const response = await server.call(url);
      expect([200, 404], url).toContain(response.status);
      expect(response.text).not.toContain('root:');
    }
    expect(servers.internalErrors).toEqual([]);
  });

  it('invalid UTF-8: in a JSON body (400), in an NDJSON line (that line rejected), in the URL (400)', async () => {
    const server = await servers.open(tempDir());
    const bad = Buffer.concat([
      Buffer.from('{"message":"'),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from('"}'),
    ]);
    const json = await server.call({
      method: 'POST',
      url: '/action-logs',
      headers: { 'content-type': 'application/json' },
      payload: bad,
    });
    expect(json.status).toBe(400);
    expect(json.body.detail).toBe('body: not valid UTF-8');
    const ndjson = await server.call({
      method: 'POST',
      url: '/action-logs',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: Buffer.concat([Buffer.from('{"message":"ok"}\n'), bad, Buffer.from('\n{"message":"ok too"}')]),
    });
    expect(ndjson.status).toBe(202);
    expect(ndjson.body).toEqual({ accepted: 2, rejected: [{ index: 1, detail: 'not valid UTF-8' }] });
    for (const url of [
      '/action-logs/service/%FF%FE',
      '/action-logs/search?service=%FF%FE',
      '/api/query?q=%C3',
    ]) {
      const response = await server.call(url);
      expect([200, 400], url).toContain(response.status);
      expect(typeof response.body, url).toBe('object');
    }
    // Lone surrogates survive the round trip as JSON escapes.
    await server.ingest([{ message: 'lone \ud800 surrogate' }]);
    expect((await server.call('/action-logs/search?q=%22surrogate%22')).body.actions).toHaveLength(1);
    expect(servers.internalErrors).toEqual([]);
  });

  it('deeply nested JSON (100,000 levels) is rejected per record, the rest kept', async () => {
    const server = await servers.open(tempDir());
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const deepArray = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const body = `[{"message":"fine"},{"data":${deep}},{"data":{"x":${deepArray}}}]`;
    const response = await server.call({
      method: 'POST',
      url: '/action-logs',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      accepted: 1,
      rejected: [
        { index: 1, detail: 'nested deeper than 64 levels' },
        { index: 2, detail: 'nested deeper than 64 levels' },
      ],
    });
    const single = await server.call({
      method: 'POST',
      url: '/action-logs',
      headers: { 'content-type': 'application/x-ndjson' },
      payload: `{"data":${deep}}`,
    });
    expect(single.body).toEqual({
      accepted: 0,
      rejected: [{ index: 0, detail: 'nested deeper than 64 levels' }],
    });
    // Nesting in a query: a 400, not a stack overflow.
    const q = `${'('.repeat(3000)}a = 1${')'.repeat(3000)}`;
    const query = await server.call(`/action-logs/search?q=${encodeURIComponent(q)}`);
    expect(query.status).toBe(400);
    const pipeline = await server.call(`/api/query?q=${encodeURIComponent(`filter ${q}`)}`);
    expect(pipeline.status).toBe(400);
    expect(servers.internalErrors).toEqual([]);
  });

  it('10 MB strings: a message just under the limit is stored and found; q and names are bounded', async () => {
    const server = await servers.open(tempDir());
    const huge = 'x'.repeat(10 * 1024 * 1024 - 200);
    const stored = await server.call({
      method: 'POST',
      url: '/action-logs',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ message: `${huge} needle-at-the-end` }),
    });
    expect(stored.status).toBe(202);
    expect(stored.body).toEqual({ accepted: 1, rejected: [] });
    const found = await server.call('/action-logs/search?q=%22needle-at-the-end%22');
    expect(found.body.actions).toHaveLength(1);
    expect(found.body.actions[0].message).toHaveLength(huge.length + 18);
    const over = await server.call({
      method: 'POST',
      url: '/action-logs',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ message: `${huge}${'y'.repeat(300)}` }),
    });
    expect(over.status).toBe(413);
    const tenMb = 'z'.repeat(10 * 1024 * 1024);
    for (const url of [
      `/action-logs/search?q=${tenMb}`,
      `/action-logs/search?service=${tenMb}`,
      `/api/query?q=${tenMb}`,
      `/action-logs/service/${tenMb}`,
    ]) {
      const response = await server.call(url);
      expect([400, 404, 414], url.slice(0, 40)).toContain(response.status);
      expect(typeof response.body.detail).toBe('string');
    }
    expect(servers.internalErrors).toEqual([]);
  });

  it('huge lists and long conditions in q are refused cleanly', async () => {
    const server = await servers.open(tempDir());
    await server.ingest([record(1)]);
    const many = `service in [${Array.from({ length: 1500 }, (_, i) => `"s${i}"`).join(', ')}]`;
    const response = await server.call(`/action-logs/search?q=${encodeURIComponent(many)}`);
    expect([200, 400]).toContain(response.status);
    const ors = Array.from({ length: 900 }, (_, i) => `seq = ${i}`).join(' or ');
    const deep = await server.call(`/action-logs/search?q=${encodeURIComponent(ors)}`);
    expect([200, 400]).toContain(deep.status);
    const regex = await server.call(`/action-logs/search?q=${encodeURIComponent('message like /(/')}`);
    expect(regex.status).toBe(400);
    expect(regex.body.detail).toMatch(/^q: query error at column 14: invalid regular expression/);
    expect(servers.internalErrors).toEqual([]);
  });

  it('random strings in every search parameter: never a 500', async () => {
    const server = await servers.open(tempDir());
    await server.ingest([record(1), record(2, { message: 'timeout', status: 'failed' })]);
    const names = [
      'service',
      'status',
      'q',
      'from',
      'to',
      'min_duration',
      'limit',
      'cursor',
      'sort',
      'level',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.string({ unit: 'binary', maxLength: 60 }),
        async (name, value) => {
          const response = await server.call(`/action-logs/search?${name}=${encodeURIComponent(value)}`);
          expect([200, 400], `${name}=${JSON.stringify(value)} → ${response.text}`).toContain(
            response.status,
          );
          const query = await server.call(`/api/query?q=${encodeURIComponent(value)}`);
          expect([200, 400], `q=${JSON.stringify(value)} → ${query.text}`).toContain(query.status);
        },
      ),
      { numRuns: 300 },
    );
    expect(servers.internalErrors).toEqual([]);
  });
});
