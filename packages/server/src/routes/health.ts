import type { FastifyPluginAsync } from 'fastify';
import { send } from '../http/error-handling.js';

/**
 * Probes, open without a token: `/healthz` (the process answers) and `/readyz` (the store can
 * serve: 503 with the reason when it cannot, or while the server shuts down).
 */
export const healthRoutes: FastifyPluginAsync = async (app) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const health = await app.store.health();
    if (!health.ok) return send(reply, 503, `not ready: ${health.detail}`);
    return { status: 'ready', store: health.detail };
  });
};
