import { compileMasker, type Masker } from 'actionlog';
import Fastify, { type FastifyInstance } from 'fastify';
import { installAuth } from './auth/require-scope.js';
import { type TokenConfig, TokenSet } from './auth/tokens.js';
import {
  type InternalErrorReporter,
  installErrorHandling,
  reportToStderr,
  send,
} from './http/error-handling.js';
import { createIngest, type Ingest } from './ingest/ingest.js';
import { actionLogsRoutes } from './routes/action-logs.js';
import { healthRoutes } from './routes/health.js';
import { ingestRoutes } from './routes/ingest.js';
import { otlpRoutes } from './routes/otlp.js';
import { queryRoutes } from './routes/query.js';
import { searchRoutes } from './routes/search.js';
import type { Store } from './store/store.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Where records live; route plugins read and write through it. */
    store: Store;
    /** How records enter: every source (HTTP, OTLP, the file follower) calls it. */
    ingest: Ingest;
  }
}

export const DEFAULT_BODY_LIMIT = 10 * 1024 * 1024;

export interface AppOptions {
  store: Store;
  /** Masks records before they are stored. Default: the library's default rules. */
  masker?: Masker;
  /** Bearer tokens; none means every route is open (keep the server on loopback then). */
  tokens?: readonly TokenConfig[] | TokenSet;
  /** The largest request body in bytes (a 413 beyond). Default 10 MiB. */
  bodyLimit?: number;
  /** Replaces the default ingest (validate, mask, store), e.g. to also feed a live stream. */
  ingest?: Ingest;
  /** At most this many rows from /api/query. Default 10,000. */
  maxQueryRows?: number;
  /** Where the causes of 500s go. Default: stderr. */
  onInternalError?: InternalErrorReporter;
}

/**
 * The server as a Fastify instance, not listening yet (tests use `inject`; serve.ts listens).
 * One plugin per route group; a new group (OTLP, live stream) is one more `register` using
 * `app.store` and `app.ingest`. The caller owns the store: closing the app does not close it.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const app = Fastify({
    logger: false,
    bodyLimit,
    // Service names may be up to 1,024 characters, percent-encoded in the path.
    routerOptions: { maxParamLength: 4096 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    // Router-level failures (a path that is not valid percent-encoding) get the same JSON body.
    frameworkErrors: (error, _request, reply) => {
      send(
        reply,
        400,
        error.code === 'FST_ERR_BAD_URL' ? 'the URL is not valid (bad percent-encoding)' : error.message,
      );
    },
  });
  const tokens = options.tokens instanceof TokenSet ? options.tokens : new TokenSet(options.tokens ?? []);
  const masker = options.masker ?? compileMasker({});
  app.decorate('store', options.store);
  app.decorate('ingest', options.ingest ?? createIngest({ store: options.store, masker }));
  installErrorHandling(app, options.onInternalError ?? reportToStderr);
  // While closing, a response to a request in flight also ends its keep-alive connection, so the
  // server stops as soon as the last request is answered (not when idle connections time out).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    if (closing) reply.header('connection', 'close');
    return payload;
  });
  installAuth(app, tokens);
  await app.register(healthRoutes);
  await app.register(actionLogsRoutes);
  await app.register(searchRoutes);
  await app.register(queryRoutes(options.maxQueryRows ?? 10_000));
  await app.register(ingestRoutes);
  await app.register(otlpRoutes);
  return app;
}
