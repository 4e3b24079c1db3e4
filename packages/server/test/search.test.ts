import { describe, expect, it } from 'vitest';
import { record, tempDirs, testServers } from './helpers.js';

const tempDir = tempDirs();
const servers = testServers();

type Action = Record<string, unknown>;
const messages = (actions: Action[]) => actions.map((a) => a.message);

describe('GET /action-logs/search', () => {
  it('filters by each field, any of repeated values, durations and time, newest first', async () => {
    const server = await servers.open(tempDir());
    await server.ingest([
      record(1, {
        message: 'a',
        service: 'ChatService',
        level: 'DEBUG',
        category: 'agent',
        session_id: 's1',
      }),
      record(2, { message: 'b', status: 'failed', action: 'reply', user_id: 'u1', trace_id: 't1' }),
      record(3, { message: 'c', level: 'ERROR', status: 'error', duration_ms: 900 }),
      record(4, { message: 'd', category: 'audit', user_id: 'u2', duration_ms: 5 }),
    ]);
    const search = async (query: string) => {
      const response = await server.call(`/action-logs/search?${query}`);
      expect(response.status, `${query}: ${response.text}`).toBe(200);
      expect(Object.keys(response.body)).toEqual(['actions', 'next_cursor']);
      return messages(response.body.actions);
    };
    expect(await search('')).toEqual(['d', 'c', 'b', 'a']);
    expect(await search('service=ChatService')).toEqual(['a']);
    expect(await search('status=failed&status=error')).toEqual(['c', 'b']);
    expect(await search('action=reply')).toEqual(['b']);
    expect(await search('level=error')).toEqual(['c']);
    expect(await search('level=debug&level=ERROR')).toEqual(['c', 'a']);
    expect(await search('category=audit')).toEqual(['d']);
    expect(await search('session_id=s1')).toEqual(['a']);
    expect(await search('trace_id=t1')).toEqual(['b']);
    expect(await search('user_id=u1&user_id=u2')).toEqual(['d', 'b']);
    expect(await search('min_duration=12')).toEqual(['c', 'b']);
    expect(await search('max_duration=12')).toEqual(['d', 'b', 'a']);
    expect(await search('min_duration=12&max_duration=12')).toEqual(['b']);
    expect(await search('from=2026-11-23T10:02:00Z&to=2026-11-23T10:04:00Z')).toEqual(['c', 'b']);
    expect(await search('from=2026-11-23T10:02:00&to=2026-11-23 10:04')).toEqual(['c', 'b']);
    expect(await search('service=CaseService&status=success')).toEqual(['d']);
    expect(await search('sort=asc')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('relative from/to: 15m, 24h, 7d ago', async () => {
    const server = await servers.open(tempDir());
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    await server.ingest([
      { timestamp: ago(5 * 60_000), message: '5m' },
      { timestamp: ago(3 * 3_600_000), message: '3h' },
      { timestamp: ago(2 * 86_400_000), message: '2d' },
      { timestamp: ago(30 * 86_400_000), message: '30d' },
    ]);
    const search = async (query: string) =>
      messages((await server.call(`/action-logs/search?${query}`)).body.actions);
    expect(await search('from=15m')).toEqual(['5m']);
    expect(await search('from=24h')).toEqual(['5m', '3h']);
    expect(await search('from=7d')).toEqual(['5m', '3h', '2d']);
    expect(await search('from=7d&to=1h')).toEqual(['3h', '2d']);
    expect(await search('to=now')).toHaveLength(4);
  });

  it('q is the query language; a bare string matches message or error text in any case', async () => {
    const server = await servers.open(tempDir());
    await server.ingest([
      record(1, { message: 'Model TIMEOUT after retries' }),
      record(2, { message: 'ok', error: { type: 'TimeoutError', message: 'upstream' } }),
      record(3, { message: 'ok too', error: { type: 'Error', message: 'request timed out' } }),
      record(4, { message: 'fine', data: { note: 'timeout in data only' }, duration_ms: 700 }),
      record(5, { message: 'a "quoted" word, 100% sure_thing (x)' }),
    ]);
    const search = async (q: string) => {
      const response = await server.call(`/action-logs/search?q=${encodeURIComponent(q)}`);
      expect(response.status, `${q}: ${response.text}`).toBe(200);
      return messages(response.body.actions);
    };
    expect(await search('"timeout"')).toEqual(['ok', 'Model TIMEOUT after retries']);
    expect(await search('"timed out" or "TIMEOUT"')).toEqual(['ok too', 'ok', 'Model TIMEOUT after retries']);
    expect(await search('"timeout" and duration_ms > 11')).toEqual(['ok']);
    expect(await search('not "timeout" and not "timed"')).toEqual([
      'a "quoted" word, 100% sure_thing (x)',
      'fine',
    ]);
    // Shorter than the trigram index can match: still found (by a scan).
    expect(await search('"ok"')).toEqual(['ok too', 'ok']);
    // Characters that mean something in FTS5, LIKE or regular expressions are plain text.
    expect(await search('"\\"quoted\\""')).toEqual(['a "quoted" word, 100% sure_thing (x)']);
    expect(await search('"100%"')).toEqual(['a "quoted" word, 100% sure_thing (x)']);
    expect(await search('"sure_thing (x)"')).toEqual(['a "quoted" word, 100% sure_thing (x)']);
    expect(await search('"e_t"')).toEqual(['a "quoted" word, 100% sure_thing (x)']);
    expect(await search('"." ')).toEqual([]);
    // Field conditions reach into data like the CLI.
    expect(await search('data.note contains "data only"')).toEqual(['fine']);
    expect(await search('error.type = "TimeoutError"')).toEqual(['ok']);
    expect(await search('level >= "info" and duration_ms >= 14')).toEqual([
      'a "quoted" word, 100% sure_thing (x)',
      'fine',
    ]);
  });

  it('a bad q is a 400 with the caret under the column', async () => {
    const server = await servers.open(tempDir());
    const response = await server.call(`/action-logs/search?q=${encodeURIComponent('status = ')}`);
    expect(response.status).toBe(400);
    expect(response.body.detail).toBe(
      'q: query error at column 10: expected a value after "=" (a "string", a number, true, false or null), found end of query\n  status = \n           ^',
    );
    const bare = await server.call('/action-logs/search?q=timeout');
    expect(bare.status).toBe(400);
    expect(bare.body.detail).toMatch(/^q: query error at column 8: expected an operator after "timeout"/);
  });

  it('pages with next_cursor: every record once, in order, while new records keep arriving', async () => {
    const server = await servers.open(tempDir());
    // Many records share a timestamp: ties are broken by arrival, never lost or repeated.
    const first = Array.from({ length: 95 }, (_, i) => record(i % 7, { message: `m${i}`, seq: i }));
    await server.ingest(first);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/action-logs/search?limit=10&service=CaseService${cursor ? `&cursor=${cursor}` : ''}`;
      const { status, body } = await server.call(url);
      expect(status).toBe(200);
      seen.push(...(messages(body.actions) as string[]));
      cursor = body.next_cursor;
      pages++;
      // Newer records arriving between pages land before the first page, not in later ones.
      await server.ingest([
        record(59, { message: `new${pages}` }),
        { ...record(30), message: `mid${pages}` },
      ]);
    } while (cursor);
    expect(pages).toBe(10);
    const expected = [...first]
      .sort((a, b) =>
        a.timestamp === b.timestamp ? Number(b.seq) - Number(a.seq) : a.timestamp < b.timestamp ? 1 : -1,
      )
      .map((r) => r.message);
    // Records stored mid-way with older timestamps may show up in a later page (they sort there), but
    // every record of the first set comes exactly once and in order.
    expect(seen.filter((m) => m.startsWith('m'))).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.some((m) => m.startsWith('new'))).toBe(false);
  });

  it('pages oldest first with sort=asc; a cursor keeps its sort', async () => {
    const server = await servers.open(tempDir());
    await server.ingest(Array.from({ length: 25 }, (_, i) => record(i, { message: `m${i}` })));
    const page1 = (await server.call('/action-logs/search?sort=asc&limit=10')).body;
    expect(messages(page1.actions)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    const page2 = (await server.call(`/action-logs/search?sort=asc&limit=10&cursor=${page1.next_cursor}`))
      .body;
    expect(messages(page2.actions)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 10}`));
    const page3 = (await server.call(`/action-logs/search?sort=asc&limit=10&cursor=${page2.next_cursor}`))
      .body;
    expect(messages(page3.actions)).toHaveLength(5);
    expect(page3.next_cursor).toBeNull();
    const mixed = await server.call(`/action-logs/search?sort=desc&cursor=${page1.next_cursor}`);
    expect(mixed.status).toBe(400);
    expect(mixed.body.detail).toBe('cursor: this cursor is for sort=asc: keep the sort of the first page');
    for (const bad of ['nope', 'WzFd', Buffer.from('[1,"x",1.5,"desc"]').toString('base64url')]) {
      const response = await server.call(`/action-logs/search?cursor=${bad}`);
      expect(response.status).toBe(400);
      expect(response.body.detail).toMatch(/^cursor: not a cursor this server issued/);
    }
  });

  it('names the bad parameter and what is allowed', async () => {
    const server = await servers.open(tempDir());
    const cases: Array<[string, RegExp]> = [
      ['limit=0', /^limit: got "0"; expected a whole number from 1 to 1000/],
      ['sort=newest', /^sort: got "newest"; expected desc \(newest first, the default\) or asc/],
      ['min_duration=fast', /^min_duration: got "fast"; expected a minimum duration in milliseconds/],
      ['min_duration=-1', /^min_duration: got "-1"; expected/],
      ['min_duration=10&max_duration=5', /^max_duration: 5 is below min_duration \(10\)/],
      ['level=loud', /^level: got "loud"; expected DEBUG, INFO, WARNING, ERROR, CRITICAL/],
      ['to=tomorrowish', /^to: got "tomorrowish"; expected an ISO date/],
      ['servce=x', /^unknown query parameter "servce"; allowed: service, status, action, level/],
      [`service=${'x'.repeat(1025)}`, /^service: got ".*"; expected a service name/],
    ];
    for (const [query, detail] of cases) {
      const response = await server.call(`/action-logs/search?${query}`);
      expect(response.status, query).toBe(400);
      expect(response.body.detail, query).toMatch(detail);
    }
    expect(servers.internalErrors).toEqual([]);
  });
});
