import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { currentContext } from '../../src/index.js';
import {
  type HttpRequestLogOptions,
  httpRequestLog,
  routeFromPath,
} from '../../src/integrations/http/index.js';
import { close, closeAndRead, fileLogger, listen, sleep } from './helpers.js';
import { expectOwnIds, fireConcurrent, requestWork } from './scenario.js';

let server: Server | undefined;
afterEach(async () => {
  if (server) await close(server);
  server = undefined;
});

async function start(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: Partial<HttpRequestLogOptions> = {},
) {
  const { log, dir } = fileLogger();
  server = createServer(httpRequestLog(handler, { logger: log, ...options }));
  return { log, dir, base: await listen(server) };
}

describe('httpRequestLog (node:http)', () => {
  it('logs one record per request; the route is the path with ids replaced unless a router says', async () => {
    const { log, dir, base } = await start((req, res) => {
      if (req.url?.startsWith('/stream')) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('chunk one, ');
        res.end(Buffer.from('chunk two'));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true }));
    });
    await fetch(`${base}/users/42/orders/3f2b8c1e-9a4d-4c1b-8f3e-2d1c0b9a8f7e?expand=1`);
    await fetch(`${base}/files/5f1d7a3b9c2e4f6a8b0c1d2e`);
    await fetch(`${base}/stream`);
    const requests = (await closeAndRead(log, dir)).filter((r) => r.action === 'http_request');
    expect(requests.map((r) => r.data.route)).toEqual(['/users/:id/orders/:id', '/files/:id', '/stream']);
    expect(requests[0].data.bytes).toBe(11);
    expect(requests[2].data.bytes).toBe('chunk one, chunk two'.length);
  });

  it('uses the route a router gives', async () => {
    const { log, dir, base } = await start((_req, res) => res.end('ok'), {
      route: (req) => (req.url?.startsWith('/u/') ? '/u/:name' : undefined),
    });
    await fetch(`${base}/u/ann`);
    const [request] = await closeAndRead(log, dir);
    expect(request.data.route).toBe('/u/:name');
  });

  it('records a request the client gave up on as aborted', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { log, dir, base } = await start(async (_req, res) => {
      await released;
      res.end('too late');
    });
    const controller = new AbortController();
    const pending = fetch(`${base}/slow`, { signal: controller.signal }).catch(() => 'aborted');
    await sleep(50);
    controller.abort();
    expect(await pending).toBe('aborted');
    await sleep(50);
    release();
    const [request] = await closeAndRead(log, dir);
    expect(request).toMatchObject({
      level: 'WARNING',
      status: 'aborted',
      data: { route: '/slow', aborted: true },
    });
  });

  it('100 concurrent requests each see only their own ids, across await, timers, emitters and promise chains', async () => {
    const { log, dir, base } = await start((req, res) => {
      const n = Number(req.url?.split('/')[2]);
      requestWork(log, n).then((seen) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ seen }));
      });
    });
    await fireConcurrent(base, (n) => `/items/${n}`);
    expectOwnIds(await closeAndRead(log, dir), '/items/:id');
  });

  it('the context does not outlive the request', async () => {
    const seen: unknown[] = [];
    const { log, base } = await start((_req, res) => {
      setTimeout(() => seen.push(currentContext()?.request_id), 20);
      res.end('ok');
    });
    await fetch(`${base}/a`, { headers: { 'x-request-id': 'first' } });
    seen.push(currentContext());
    await sleep(40);
    expect(seen).toEqual([undefined, 'first']);
    await log.close();
  });
});

describe('routeFromPath', () => {
  it('replaces numbers, UUIDs, long hex and long tokens; keeps words', () => {
    expect(routeFromPath('/api/v2/users/123/avatar')).toBe('/api/v2/users/:id/avatar');
    expect(routeFromPath('/orders/550e8400-e29b-41d4-a716-446655440000')).toBe('/orders/:id');
    expect(routeFromPath('/blobs/deadbeefdeadbeef')).toBe('/blobs/:id');
    expect(routeFromPath('/invite/aB3dEfGhIjKlMnOpQrStUv')).toBe('/invite/:id');
    expect(routeFromPath('/search?q=123')).toBe('/search');
    expect(routeFromPath('/health')).toBe('/health');
    expect(routeFromPath('')).toBe('/');
  });
});
