import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { record, tempDirs } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies by value.
type Body = any;

const tempDir = tempDirs();
const CLI = join(
  dirname(createRequire(import.meta.url).resolve('actionlog/package.json')),
  'dist/cli/main.js',
);

interface Served {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** `actionlog serve …` as a child process; resolves once it prints its URL. */
function serve(args: string[], cwd: string): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { cwd, stdio: 'pipe' });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL after 20 s: ${out} ${err}`)), 20_000);
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], stdout: () => out, stderr: () => err, exited });
      }
    };
    child.stdout.on('data', check);
    exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`exited ${code}: ${out}${err}`), { code, out, err }));
    });
  });
}

/** A failing start: exit code and output. */
async function serveFails(
  args: string[],
  cwd: string,
): Promise<{ code: number | null; out: string; err: string }> {
  try {
    await serve(args, cwd);
  } catch (error) {
    return error as { code: number | null; out: string; err: string };
  }
  throw new Error('the server started');
}

async function http(
  url: string,
  options: { method?: string; body?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: Body }> {
  const response = await fetch(url, {
    method: options.method ?? 'GET',
    body: options.body,
    headers: options.headers,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe('actionlog serve over a real socket', () => {
  it('serves the original routes, keeps records across a restart, and stops cleanly on SIGTERM', async () => {
    const cwd = tempDir();
    const server = await serve([], cwd);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.stdout()).toContain(`store: sqlite ${join(cwd, 'logs', 'actionlog.db')}`);
    expect(server.stdout()).toContain('auth:  none');
    const ingest = await http(`${server.url}/action-logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: [record(1), record(2, { status: 'failed', error: 'boom' })]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    });
    expect(ingest).toEqual({ status: 202, body: { accepted: 2, rejected: [] } });
    const recent = await http(`${server.url}/action-logs/recent`);
    expect(recent.status).toBe(200);
    expect(recent.body.actions.map((a: { status: string }) => a.status)).toEqual(['failed', 'success']);
    expect((await http(`${server.url}/action-logs/failed`)).body.actions[0].error).toBe('boom');
    expect((await http(`${server.url}/nope`)).body).toEqual({ detail: 'no route GET /nope' });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toContain('SIGTERM: finishing requests in flight');
    expect(server.stdout()).toContain('stopped.');
    expect(server.stderr()).toBe('');

    const again = await serve(['--dir', 'logs'], cwd);
    expect((await http(`${again.url}/action-logs/stats`)).body.stats).toMatchObject({ total: 2, failed: 1 });
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
  });

  it('finishes a request in flight when told to stop, and writes its records', async () => {
    const cwd = tempDir();
    const server = await serve(['--store', 'sqlite:data/x.db'], cwd);
    const body = JSON.stringify(Array.from({ length: 500 }, (_, i) => record(i % 60, { seq: i })));
    const { port } = new URL(server.url);
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          port,
          method: 'POST',
          path: '/action-logs',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on('error', reject);
      // Half the body now, SIGTERM, then the rest: the request is in flight while the server stops.
      req.write(body.slice(0, 1000));
      setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(1000)), 300);
      }, 300);
    });
    const result = await response;
    expect(result.status).toBe(202);
    expect(JSON.parse(result.text)).toEqual({ accepted: 500, rejected: [] });
    expect(await server.exited).toBe(0);
    expect(existsSync(join(cwd, 'data', 'x.db'))).toBe(true);
    const again = await serve(['--store', 'sqlite:data/x.db'], cwd);
    expect((await http(`${again.url}/action-logs/stats`)).body.stats.total).toBe(500);
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  });

  it('refuses a public address without tokens (exit 2, with the fix); starts with tokens or --insecure', async () => {
    const cwd = tempDir();
    const refused = await serveFails(['--host', '0.0.0.0'], cwd);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(
      /^actionlog serve: refusing to listen on 0\.0\.0\.0 without tokens: .*--insecure/,
    );
    expect(existsSync(join(cwd, 'logs'))).toBe(false);

    const token = 'a-long-enough-secret-token';
    writeFileSync(
      join(cwd, 'server.yaml'),
      `host: 0.0.0.0\ndir: ./served\ntokens:\n  - { name: ops, token: "${token}", scopes: [admin] }\n`,
    );
    const guarded = await serve(['--config', 'server.yaml'], cwd);
    expect(guarded.stdout()).toContain('auth:  1 token(s)');
    expect(guarded.stdout()).toContain(`store: sqlite ${join(cwd, 'served', 'actionlog.db')}`);
    const local = guarded.url.replace('0.0.0.0', '127.0.0.1');
    expect((await http(`${local}/action-logs/recent`)).status).toBe(401);
    const allowed = await http(`${local}/action-logs/recent`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(allowed.status).toBe(200);
    guarded.child.kill('SIGTERM');
    expect(await guarded.exited).toBe(0);

    const insecure = await serve(['--host', '0.0.0.0', '--insecure'], cwd);
    insecure.child.kill('SIGTERM');
    expect(await insecure.exited).toBe(0);
  });

  it('says what is wrong with a flag, a config file or a busy port', async () => {
    const cwd = tempDir();
    const port = await serveFails(['--port', 'http'], cwd);
    expect(port.code).toBe(2);
    expect(port.err).toBe('actionlog serve: --port: got "http"; expected a port number from 0 to 65535\n');
    const store = await serveFails(['--store', 'mysql://x'], cwd);
    expect(store.err).toMatch(
      /^actionlog serve: cannot open the store: --store: got "mysql:\/\/x"; expected sqlite:<path>/,
    );
    writeFileSync(join(cwd, 'bad.json'), '{"prot": 1}');
    const config = await serveFails(['--config', 'bad.json'], cwd);
    expect(config.err).toMatch(/bad\.json: unknown setting "prot"; allowed: host, port, dir, store, tokens/);
    writeFileSync(join(cwd, 'weak.json'), '{"tokens": [{"token": "short", "scopes": ["read"]}]}');
    const weak = await serveFails(['--config', 'weak.json'], cwd);
    expect(weak.err).toMatch(/tokens\[0\]: token must be at least 16 characters/);
    const missing = await serveFails(['--config', 'nope.yaml'], cwd);
    expect(missing.err).toMatch(/--config: cannot read .*nope\.yaml \(ENOENT\)/);

    const first = await serve([], cwd);
    const busy = await serveFails(['--port', new URL(first.url).port], cwd);
    expect(busy.code).toBe(2);
    expect(busy.err).toMatch(/127\.0\.0\.1:\d+ is already in use: stop the other server or pick --port/);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
  });
});
