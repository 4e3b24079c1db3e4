import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { compileMasker, loadConfig } from 'actionlog';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { checkExposure, ServeError } from './auth/loopback.js';
import { TokenConfigError, TokenSet } from './auth/tokens.js';
import { FileFollower } from './ingest/file-follower.js';
import { resolveSettings, type ServeOptions, type ServerSettings } from './server-config.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';

export interface RunningServer {
  /** `http://127.0.0.1:7070` */
  url: string;
  settings: ServerSettings;
  store: Store;
  app: FastifyInstance;
  /** Notes for the operator: problems in the actionlog config the masking rules came from. */
  warnings: string[];
  /** Ingests the library's log files in `settings.dir`; undefined with `follow: false`. */
  follower?: FileFollower;
  /** Stops accepting, lets requests in flight finish, writes what the store holds, closes it. */
  close(): Promise<void>;
}

/**
 * Starts `actionlog serve`: settings (options > config file > defaults), the loopback rule,
 * the masking rules of the actionlog config found from `cwd` (as the library's own writes use),
 * the store, the app, and listening. Throws ServeError for anything the operator must fix.
 */
export interface StartOptions extends ServeOptions {
  /** Ingest the segments the library writes into the log directory (`--no-follow`: false). Default true. */
  follow?: boolean;
}

export async function startServer(options: StartOptions = {}): Promise<RunningServer> {
  const settings = resolveSettings(options);
  let tokens: TokenSet;
  try {
    tokens = new TokenSet(settings.tokens);
  } catch (error) {
    if (error instanceof TokenConfigError) throw new ServeError(error.message);
    throw error;
  }
  checkExposure(settings.host, tokens.size, settings.insecure);
  const loaded = loadConfig({ cwd: options.cwd ?? process.cwd() });
  const warnings = [...loaded.errors, ...loaded.warnings];
  const masker = compileMasker(loaded.config.redact);
  let store: Store;
  try {
    store = openStore(settings.store, settings.dir);
  } catch (error) {
    throw new ServeError(`cannot open the store: ${(error as Error).message}`);
  }
  let app: FastifyInstance;
  try {
    app = await buildApp({
      store,
      masker,
      tokens,
      bodyLimit: settings.bodyLimit,
      maxQueryRows: settings.maxQueryRows,
    });
    await app.listen({ host: settings.host, port: settings.port });
  } catch (error) {
    await store.close();
    throw listenProblem(error, settings);
  }
  let follower: FileFollower | undefined;
  if (options.follow !== false) {
    follower = new FileFollower({ dir: settings.dir, ingest: app.ingest, store });
    try {
      await follower.start();
    } catch (error) {
      await app.close();
      await store.close();
      throw new ServeError(`cannot follow ${settings.dir}: ${(error as Error).message}`);
    }
  }
  const address = app.server.address() as AddressInfo;
  const host = isIP(settings.host) === 6 ? `[${settings.host}]` : settings.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host}:${address.port}`,
    settings,
    store,
    app,
    warnings,
    follower,
    close: () => {
      closing ??= (async () => {
        // The follower's batch in flight is committed with its offset before the store closes.
        const followerStopped = follower?.stop();
        try {
          await app.close();
        } finally {
          await followerStopped;
          await store.close();
        }
      })();
      return closing;
    },
  };
}

/**
 * Closes the server on the first SIGINT or SIGTERM (requests in flight finish, the store is
 * flushed); a second signal exits at once. Resolves once closed.
 */
export function closeOnSignals(
  server: RunningServer,
  onSignal: (signal: NodeJS.Signals) => void = () => {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
    const handler = (signal: NodeJS.Signals) => {
      for (const s of signals) process.removeListener(s, handler);
      // A second signal while closing: the operator insists.
      for (const s of signals) process.once(s, () => process.exit(130));
      onSignal(signal);
      server.close().then(resolve, reject);
    };
    for (const s of signals) process.on(s, handler);
  });
}

function listenProblem(error: unknown, settings: ServerSettings): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const where = `${settings.host}:${settings.port}`;
  if (code === 'EADDRINUSE')
    return new ServeError(`${where} is already in use: stop the other server or pick --port`);
  if (code === 'EACCES') return new ServeError(`not allowed to listen on ${where}: use a port above 1023`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return new ServeError(`cannot listen on ${settings.host}: not an address of this machine (${code})`);
  }
  return error;
}
