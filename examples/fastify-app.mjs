// A Fastify app logging with actionlog: one `http` record per request (route pattern, status,
// duration, request id) and application records that carry the request's id.
//
//   npm run build && node examples/fastify-app.mjs
//   curl localhost:3000/users/7; curl localhost:3000/users/0; curl localhost:3000/crash
//   then look in ./logs/ (PORT, ACTIONLOG_DIR and the other ACTIONLOG_* variables apply)

import { createLogger } from 'actionlog';
import { fastifyRequestLog } from 'actionlog/http';
import Fastify from 'fastify';

const log = createLogger({ dir: './logs', app: 'accounts', name: 'accounts.http' });

const app = Fastify();
await app.register(fastifyRequestLog, { logger: log, skip: ['/health'] });

app.get('/health', async () => 'ok');
app.get('/users/:id', async (request, reply) => {
  const { id } = request.params;
  await new Promise((resolve) => setTimeout(resolve, 2));
  if (id === '0') {
    log.warn('unknown user', { user: id }); // carries this request's request_id
    return reply.code(404).send({ error: 'not found' });
  }
  log.info('user viewed', { user: id });
  return { id, name: `user ${id}` };
});
app.get('/crash', async () => {
  throw new Error('database unavailable');
});

await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`listening on http://localhost:${app.server.address().port}`);
