import { createServer, type Server } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { currentContext } from '../../src/index.js';
import { expressErrorLog, expressRequestLog } from '../../src/integrations/http/index.js';
import { close, closeAndRead, fileLogger, listen, postSlowly, type Rec, TRACEPARENT } from './helpers.js';
import { expectOwnIds, fireConcurrent, requestWork } from './scenario.js';

let server: Server | undefined;
afterEach(async () => {
  if (server) await close(server);
  server = undefined;
});

function shop(options: Partial<Parameters<typeof expressRequestLog>[0]> = {}) {
  const { log, dir } = fileLogger();
  const app = express();
  app.use(expressRequestLog({ logger: log, ...options }));
  app.use(express.json());
  const users = express.Router();
  users.get('/:userId/orders/:orderId', (req, res) => {
    log.info('order read', { order: req.params.orderId });
    res.json({ ok: true, context: currentContext() });
  });
  users.get('/', (_req, res) => res.json([]));
  app.use('/api/users', users);
  app.get('/health', (_req, res) => res.send('ok'));
  app.get('/items/:n', async (req, res) => {
    res.json({ seen: await requestWork(log, Number(req.params.n)) });
  });
  app.post('/login', (req, res) => {
    log.info('login', { user: req.body.user });
    res.status(401).json({ error: 'bad credentials' });
  });
  app.get('/boom', () => {
    throw new Error('database down');
  });
  app.use(expressErrorLog());
  app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(500).json({ error: error.message });
  });
  server = createServer(app);
  return { log, dir, app, server };
}

describe('expressRequestLog', () => {
  it('logs one http record per request with the route pattern, not the raw path', async () => {
    const { log, dir, server } = shop();
    const base = await listen(server);
    await fetch(`${base}/api/users/42/orders/9001`);
    await fetch(`${base}/api/users/7/orders/12`);
    await fetch(`${base}/api/users`);
    const records = await closeAndRead(log, dir);
    const requests = records.filter((r) => r.action === 'http_request');
    expect(requests.map((r) => r.data.route)).toEqual([
      '/api/users/:userId/orders/:orderId',
      '/api/users/:userId/orders/:orderId',
      '/api/users',
    ]);
    const [first] = requests;
    expect(first).toMatchObject({
      level: 'INFO',
      category: 'http',
      message: 'GET /api/users/:userId/orders/:orderId 200',
      status: 'success',
      data: { method: 'GET', status_code: 200 },
    });
    expect(first.duration_ms).toBeGreaterThanOrEqual(0);
    expect(first.data.bytes).toBeGreaterThan(0);
    expect(JSON.stringify(requests)).not.toContain('9001');
  });

  it('takes the request id from X-Request-Id, or makes one, and echoes it; handlers log with it', async () => {
    const { log, dir, server } = shop();
    const base = await listen(server);
    const given = await fetch(`${base}/api/users/1/orders/2`, { headers: { 'x-request-id': 'abc-123' } });
    const made = await fetch(`${base}/api/users/1/orders/3`);
    const hostile = await fetch(`${base}/api/users/1/orders/4`, {
      headers: { 'x-request-id': 'a b <script>' },
    });
    expect(given.headers.get('x-request-id')).toBe('abc-123');
    const madeId = made.headers.get('x-request-id');
    expect(madeId).toMatch(/^[0-9a-f-]{36}$/);
    expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const records = await closeAndRead(log, dir);
    const appRecords = records.filter((r) => r.message === 'order read');
    expect(appRecords.map((r) => r.request_id)).toEqual([
      'abc-123',
      madeId,
      hostile.headers.get('x-request-id'),
    ]);
    const requests = records.filter((r) => r.action === 'http_request');
    expect(requests.map((r) => r.request_id)).toEqual(appRecords.map((r) => r.request_id));
  });

  it('honours traceparent: trace_id on every record of the request, the caller span as parent', async () => {
    const { log, dir, server } = shop();
    const base = await listen(server);
    const response = await fetch(`${base}/api/users/1/orders/2`, { headers: { traceparent: TRACEPARENT } });
    const body = (await response.json()) as { context: Rec };
    expect(body.context.trace_id).toBe('0af7651916cd43dd8448eb211c80319c');
    await fetch(`${base}/api/users/1/orders/2`, {
      headers: { traceparent: '00-00000000000000000000000000000000-b7ad6b7169203331-01' },
    });
    const records = await closeAndRead(log, dir);
    const [app, request, , invalid] = records;
    expect(app.trace_id).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(request.trace_id).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(request.data.parent_span_id).toBe('b7ad6b7169203331');
    expect(invalid.action).toBe('http_request');
    expect(invalid.trace_id).toBeUndefined();
  });

  it('sets the level by status: 5xx ERROR with the error, 4xx WARNING, and logs the body only when asked', async () => {
    const { log, dir, server } = shop({ body: true, headers: ['authorization', 'user-agent'] });
    const base = await listen(server);
    await fetch(`${base}/boom`);
    await fetch(`${base}/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer sk-live-123',
        'user-agent': 'test',
      },
      body: JSON.stringify({ user: 'ann', password: 'hunter2' }),
    });
    await fetch(`${base}/no/such/path/123`);
    const records = await closeAndRead(log, dir);
    const requests = records.filter((r) => r.action === 'http_request');
    const [boom, login, missing] = requests;
    expect(boom).toMatchObject({
      level: 'ERROR',
      status: 'failed',
      data: { route: '/boom', status_code: 500 },
    });
    expect(boom.error).toMatchObject({ type: 'Error', message: 'database down' });
    expect(login).toMatchObject({
      level: 'WARNING',
      status: 'client_error',
      data: { route: '/login', status_code: 401 },
    });
    expect(login.data.body.user).toBe('ann');
    expect(login.data.headers['user-agent']).toBe('test');
    expect(Object.keys(login.data.headers)).toEqual(['authorization', 'user-agent']);
    expect(missing).toMatchObject({
      level: 'WARNING',
      data: { route: '/no/such/path/:id', status_code: 404 },
    });
  });

  it('hands headers and body to the logger masked', async () => {
    const { log, dir, server } = shop({ body: true, headers: true });
    const base = await listen(server);
    await fetch(`${base}/login`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer sk-live-123',
        cookie: 'sid=s3cr3t',
      },
      body: JSON.stringify({ user: 'ann', password: 'hunter2' }),
    });
    const [, login] = await closeAndRead(log, dir);
    expect(login.data.body).toMatchObject({ user: 'ann', password: '[MASKED]' });
    expect(login.data.headers).toMatchObject({ authorization: '[MASKED]', cookie: '[MASKED]' });
    for (const secret of ['hunter2', 'sk-live-123', 's3cr3t'])
      expect(JSON.stringify(login)).not.toContain(secret);
  });

  it('keeps the request context through express.json() when the body arrives after the headers', async () => {
    const { log, dir, server } = shop();
    const base = await listen(server);
    await postSlowly(base, '/login', { user: 'late' }, { 'x-request-id': 'slow-1' });
    const [login] = await closeAndRead(log, dir);
    expect(login).toMatchObject({ message: 'login', request_id: 'slow-1', data: { user: 'late' } });
  });

  it('logs neither body nor headers by default, and skips health checks when told to', async () => {
    const { log, dir, server } = shop({ skip: ['/health'] });
    const base = await listen(server);
    await fetch(`${base}/health`);
    await fetch(`${base}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'ann' }),
    });
    const records = await closeAndRead(log, dir);
    const requests = records.filter((r) => r.action === 'http_request');
    expect(requests.map((r) => r.data.route)).toEqual(['/login']);
    expect(requests[0].data.body).toBeUndefined();
    expect(requests[0].data.headers).toBeUndefined();
  });

  it('100 concurrent requests each see only their own ids, across await, timers, emitters and promise chains', async () => {
    const { log, dir, server } = shop();
    const base = await listen(server);
    await fireConcurrent(base, (n) => `/items/${n}`);
    expectOwnIds(await closeAndRead(log, dir), '/items/:n');
  });

  it('asks for a logger', () => {
    expect(() => expressRequestLog({} as never)).toThrow(/logger/);
  });
});
