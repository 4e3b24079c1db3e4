import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  beginRequest,
  contentLength,
  logRequest,
  type RequestLogOptions,
  type RequestScope,
  requestLogSettings,
} from './request-log.js';
import { routeFromPath } from './route-pattern.js';
import { runInRequest } from './run-in-request.js';

/** The parts of Fastify's request and reply this reads (typed here so `actionlog` needs no Fastify types). */
interface FastifyRequestLike {
  raw: IncomingMessage;
  body?: unknown;
  routeOptions?: { url?: string };
}
interface FastifyReplyLike {
  raw: ServerResponse;
  header(name: string, value: string): unknown;
  getHeader(name: string): unknown;
}
type Done = (error?: Error) => void;

interface FastifyInstanceLike {
  decorateRequest(name: string | symbol, value: unknown): unknown;
  addHook(name: string, hook: (...args: never[]) => unknown): unknown;
}

const STATE = Symbol('actionlog.request');

/** What the hooks of one request share. */
interface RequestState {
  scope: RequestScope;
  res: ServerResponse;
  reply: FastifyReplyLike;
}

interface WithState {
  [STATE]: RequestState | null;
}

/**
 * Fastify plugin: each request runs with a `request_id` context and gets one `http` record with
 * its route pattern (`/users/:id`) once the response is sent. Applies to every route (it is not
 * encapsulated).
 *
 * ```js
 * await app.register(fastifyRequestLog, { logger: log });
 * ```
 */
export function fastifyRequestLog(
  fastify: FastifyInstanceLike,
  options: RequestLogOptions,
  done: Done,
): void {
  const settings = requestLogSettings(options);
  fastify.decorateRequest(STATE, null);

  fastify.addHook(
    'onRequest',
    (request: FastifyRequestLike & WithState, reply: FastifyReplyLike, next: Done) => {
      const scope = beginRequest(settings, request.raw, (name, value) => reply.header(name, value));
      request[STATE] = { scope, res: reply.raw, reply };
      // Fastify binds body parsing to the request's async context: this scope reaches the handler.
      runInRequest(scope, next);
    },
  );
  fastify.addHook('onError', (request: WithState, _reply: unknown, error: unknown, next: Done) => {
    const state = request[STATE];
    if (state !== null) state.scope.error = error;
    next();
  });
  const finish = (request: FastifyRequestLike & WithState): void => {
    const state = request[STATE];
    if (state === null) return;
    const route = request.routeOptions?.url ?? routeFromPath(request.raw.url);
    logRequest(
      settings,
      state.scope,
      request.raw,
      state.res,
      route,
      contentLength(state.reply.getHeader('content-length')),
      settings.body ? request.body : undefined,
    );
  };
  fastify.addHook('onResponse', (request: FastifyRequestLike & WithState, _reply: unknown, next: Done) => {
    finish(request);
    next();
  });
  fastify.addHook('onRequestAbort', (request: FastifyRequestLike & WithState, next: Done) => {
    finish(request);
    next();
  });
  done();
}

// What fastify-plugin sets: the hooks apply to the whole application, not an encapsulated child.
Object.assign(fastifyRequestLog, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'actionlog',
  [Symbol.for('plugin-meta')]: { name: 'actionlog', fastify: '>=4.13.0' },
});
