import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { currentContext } from '../../src/index.js';
import { fastifyRequestLog, type RequestLogOptions } from '../../src/integrations/http/index.js';
import { closeAndRead, fileLogger, postSlowly, TRACEPARENT } from './helpers.js';
import { expectOwnIds, fireConcurrent, requestWork } from './scenario.js';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function accounts(options: Partial<RequestLogOptions> = {}) {
  const { log, dir } = fileLogger();
  app = Fastify();
  await app.register(fastifyRequestLog, { logger: log, ...options });
  // An encapsulated child context: the plugin must still see its routes.
  await app.register(
    async (api) => {
      api.get('/users/:userId', async (request) => {
        log.info('user read', { user: (request.params as { userId: string }).userId });
        return { context: currentContext() };
      });
    },
    { prefix: '/api' },
  );
  app.get('/health', async () => 'ok');
  app.get('/items/:n', async (request) => ({
    seen: await requestWork(log, Number((request.params as { n: string }).n)),
  }));
  app.post('/orders', async (request, reply) => {
    await new Promise((resolve) => setTimeout(resolve, 2));
    log.info('order placed', { sku: (request.body as { sku: string }).sku });
    return reply.code(201).send({ context: currentContext() });
  });
  app.get('/forbidden', async (_request, reply) => reply.code(403).send({ error: 'no' }));
  app.get('/boom', async () => {
    throw new Error('queue full');
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return { log, dir, base: `http://127.0.0.1:${port}` };
}

describe('fastifyRequestLog', () => {
  it('logs one http record per request with the route pattern (prefix included), not the raw path', async () => {
    const { log, dir, base } = await accounts();
    await fetch(`${base}/api/users/42`);
    await fetch(`${base}/api/users/77`);
    const records = await closeAndRead(log, dir);
    const requests = records.filter((r) => r.action === 'http_request');
    expect(requests).toHaveLength(2);
    for (const request of requests) {
      expect(request).toMatchObject({
        level: 'INFO',
        category: 'http',
        status: 'success',
        message: 'GET /api/users/:userId 200',
        data: { method: 'GET', route: '/api/users/:userId', status_code: 200 },
      });
      expect(request.data.bytes).toBeGreaterThan(0);
    }
    expect(records.filter((r) => r.message === 'user read').map((r) => r.request_id)).toEqual(
      requests.map((r) => r.request_id),
    );
  });

  it('keeps the request context through body parsing and async handlers', async () => {
    const { log, dir, base } = await accounts({ body: true });
    const response = await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'order-1', traceparent: TRACEPARENT },
      body: JSON.stringify({ sku: 'tea' }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('order-1');
    expect(((await response.json()) as { context: unknown }).context).toEqual({
      request_id: 'order-1',
      trace_id: '0af7651916cd43dd8448eb211c80319c',
    });
    const [placed, request] = await closeAndRead(log, dir);
    expect(placed).toMatchObject({ message: 'order placed', request_id: 'order-1', data: { sku: 'tea' } });
    expect(placed.trace_id).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(request).toMatchObject({
      action: 'http_request',
      request_id: 'order-1',
      trace_id: '0af7651916cd43dd8448eb211c80319c',
      data: { route: '/orders', status_code: 201, parent_span_id: 'b7ad6b7169203331', body: { sku: 'tea' } },
    });
  });

  it('keeps the request context when the body arrives after the headers', async () => {
    const { log, dir, base } = await accounts();
    const body = await postSlowly(base, '/orders', { sku: 'late' }, { 'x-request-id': 'slow-1' });
    expect(JSON.parse(body).context).toEqual({ request_id: 'slow-1' });
    const [placed] = await closeAndRead(log, dir);
    expect(placed).toMatchObject({ message: 'order placed', request_id: 'slow-1' });
  });

  it('sets the level by status and records the thrown error; unmatched routes keep ids out', async () => {
    const { log, dir, base } = await accounts();
    await fetch(`${base}/boom`);
    await fetch(`${base}/forbidden`);
    await fetch(`${base}/nope/123456`);
    const requests = (await closeAndRead(log, dir)).filter((r) => r.action === 'http_request');
    expect(requests.map((r) => [r.level, r.status, r.data.route, r.data.status_code])).toEqual([
      ['ERROR', 'failed', '/boom', 500],
      ['WARNING', 'client_error', '/forbidden', 403],
      ['WARNING', 'client_error', '/nope/:id', 404],
    ]);
    expect(requests[0].error).toMatchObject({ type: 'Error', message: 'queue full' });
  });

  it('skips health checks when told to', async () => {
    const { log, dir, base } = await accounts({ skip: ['/health'] });
    await fetch(`${base}/health`);
    await fetch(`${base}/health?deep=1`);
    await fetch(`${base}/forbidden`);
    const requests = (await closeAndRead(log, dir)).filter((r) => r.action === 'http_request');
    expect(requests.map((r) => r.data.route)).toEqual(['/forbidden']);
  });

  it('hands headers and body to the logger masked', async () => {
    const { log, dir, base } = await accounts({ body: true, headers: true });
    await fetch(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer sk-live-123' },
      body: JSON.stringify({ sku: 'tea', card_number: '4111 1111 1111 1111' }),
    });
    const request = (await closeAndRead(log, dir)).find((r) => r.action === 'http_request');
    expect(request?.data.headers.authorization).toBe('[MASKED]');
    expect(JSON.stringify(request)).not.toContain('4111 1111 1111 1111');
  });

  it('100 concurrent requests each see only their own ids, across await, timers, emitters and promise chains', async () => {
    const { log, dir, base } = await accounts();
    await fireConcurrent(base, (n) => `/items/${n}`);
    expectOwnIds(await closeAndRead(log, dir), '/items/:n');
  });
});
