import type { Command } from 'commander';
import { runAction, withUsageExit } from '../command-kit.js';
import { UsageError } from '../time-range.js';

interface ServeFlags {
  port?: string;
  host?: string;
  dir?: string;
  store?: string;
  config?: string;
  insecure?: boolean;
  /** False with --no-follow. */
  follow?: boolean;
}

/** What this command uses of `@actionlog/server` (typed here: the library does not depend on it). */
interface ServerModule {
  startServer(options: {
    port?: number;
    host?: string;
    dir?: string;
    store?: string;
    config?: string;
    insecure?: boolean;
    follow?: boolean;
  }): Promise<RunningServer>;
  closeOnSignals(server: RunningServer, onSignal?: (signal: string) => void): Promise<void>;
}

interface RunningServer {
  url: string;
  store: { description: string };
  settings: { tokens: unknown[]; host: string };
  warnings: string[];
  follower?: { description: string };
}

/** In a variable, so TypeScript does not look for the package when building the library. */
const SERVER_PACKAGE = '@actionlog/server';

const HELP = `
Defaults: --host 127.0.0.1, --port 7070, --dir ./logs, the store in {dir}/actionlog.db.
The server also stores what the library writes into --dir ({dir}/*.jsonl, polled; offsets kept
in the store, so a restart neither misses nor doubles a record); --no-follow turns that off.
Flags win over the --config file; its paths are relative to the file. A config file:

  port: 7070
  dir: /var/log/myapp
  tokens:                       # Authorization: Bearer <token>; scopes read, ingest, admin
    - { name: dashboard, token: "<openssl rand -hex 32>", scopes: [read] }
    - { name: shippers, sha256: "<sha256 of the token>", scopes: [ingest] }
    - { name: ops, token: "<another secret>", scopes: [admin] }
  bodyLimit: 10485760           # bytes per request (413 beyond)

Masking follows the redact section of the actionlog config (actionlog.config.json/yaml).
On a host other than loopback the server needs tokens, or --insecure.

Routes:
  GET  /action-logs/recent?limit=100        GET  /action-logs/failed?limit=50
  GET  /action-logs/service/{service}       GET  /action-logs/stats?from=&to=
  GET  /action-logs/search?service=&status=&q=&from=24h&limit=&cursor=
  GET  /api/query?q=<pipeline>&from=&to=    POST /action-logs/clear (admin)
  POST /action-logs  (a record, a JSON array, or NDJSON)   GET /healthz, /readyz

Examples:
  $ actionlog serve
  $ actionlog serve --dir /var/log/myapp --port 8080
  $ actionlog serve --host 0.0.0.0 --config server.yaml
  $ curl -s localhost:7070/action-logs/recent?limit=5
  $ curl -s -X POST localhost:7070/action-logs -H 'content-type: application/json' \\
      -d '{"service":"Worker","action":"sync","status":"success","duration_ms":12}'

Ctrl-C (or SIGTERM) stops it: requests in flight finish, pending records are written, exit 0.`;

export function registerServeCommand(program: Command): void {
  const command = program
    .command('serve')
    .description('run the HTTP server: the action-logs API, search, queries and ingest over SQLite')
    .option('-p, --port <port>', 'port to listen on (default 7070; 0 picks a free one)')
    .option('--host <host>', 'address to bind (default 127.0.0.1, this machine only)')
    .option('-d, --dir <dir>', 'log directory; the store lives in it (default ./logs)')
    .option('--store <spec>', 'where records are kept instead: sqlite:<path>')
    .option('--config <file>', 'server config file (JSON or YAML): host, port, dir, store, tokens, bodyLimit')
    .option('--insecure', 'allow a non-loopback host without tokens (something in front authenticates)')
    .option('--no-follow', "do not ingest the library's log files in --dir")
    .addHelpText('after', HELP)
    .action((flags: ServeFlags) =>
      runAction('serve', async () => {
        const port = flags.port === undefined ? undefined : parsePort(flags.port);
        const server = await loadServer();
        let running: RunningServer;
        try {
          running = await server.startServer({
            port,
            host: flags.host,
            dir: flags.dir,
            store: flags.store,
            config: flags.config,
            insecure: flags.insecure,
            follow: flags.follow,
          });
        } catch (error) {
          const name = (error as Error).name;
          if (name === 'ServeError' || name === 'StoreSpecError' || name === 'TokenConfigError') {
            throw new UsageError((error as Error).message);
          }
          throw error;
        }
        // Listening for signals before saying where we listen: a supervisor may stop us at once.
        const stopped = server.closeOnSignals(running, (signal) => {
          process.stdout.write(`${signal}: finishing requests in flight and writing pending records…\n`);
        });
        for (const warning of running.warnings) process.stderr.write(`warning: ${warning}\n`);
        const tokens = running.settings.tokens.length;
        process.stdout.write(
          `actionlog server listening on ${running.url}\n` +
            `  store: ${running.store.description}\n` +
            (running.follower ? `  files: ${running.follower.description} (followed)\n` : '') +
            `  auth:  ${tokens > 0 ? `${tokens} token(s) (Authorization: Bearer …)` : 'none (no tokens configured)'}\n` +
            `  try:   curl -s ${running.url}/action-logs/recent?limit=5\n` +
            'Ctrl-C to stop.\n',
        );
        await stopped;
        process.stdout.write('stopped.\n');
      }),
    );
  withUsageExit(command);
}

/** Loaded only here: a library user who never serves never loads Fastify or SQLite. */
async function loadServer(): Promise<ServerModule> {
  try {
    return (await import(SERVER_PACKAGE)) as ServerModule;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(SERVER_PACKAGE)) {
      throw new UsageError(`the server is a separate package: npm install ${SERVER_PACKAGE}`);
    }
    throw error;
  }
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`--port: got "${text}"; expected a port number from 0 to 65535`);
  }
  return port;
}
