import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Rec, readRecords, tempDir } from './helpers.js';

// Every ```js block of the README's Integrations section marked test=script or test=server is run as a new
// user would: pasted into a file of a project that has the packages installed.
const README = resolve(import.meta.dirname, '../../../../README.md');
const NODE_MODULES = resolve(import.meta.dirname, '../../../../node_modules');
const BUILT = resolve(import.meta.dirname, '../../dist/index.js');

interface Snippet {
  kind: 'script' | 'server';
  code: string;
  heading: string;
}

function snippets(): Snippet[] {
  const found: Snippet[] = [];
  let heading = '';
  const readme = readFileSync(README, 'utf8');
  const start = readme.indexOf('\n## Integrations\n');
  const end = readme.indexOf('\n## ', start + 5);
  const lines = readme.slice(start, end).split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('### ')) heading = lines[i].slice(4);
    const fence = /^```js test=(script|server)$/.exec(lines[i]);
    if (!fence) continue;
    const end = lines.indexOf('```', i + 1);
    found.push({ kind: fence[1] as Snippet['kind'], code: lines.slice(i + 1, end).join('\n'), heading });
    i = end;
  }
  return found;
}

function project(code: string): { dir: string; file: string } {
  const dir = tempDir('actionlog-doc-');
  symlinkSync(NODE_MODULES, join(dir, 'node_modules'), 'dir');
  const file = join(dir, 'app.mjs');
  writeFileSync(file, code);
  return { dir, file };
}

function run(dir: string, file: string): { child: ChildProcess; output: () => string } {
  let output = '';
  const child = spawn(process.execPath, [file], {
    cwd: dir,
    env: { ...process.env, ACTIONLOG_CONSOLE: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  return { child, output: () => output };
}

function exit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((done) => child.once('exit', (code) => done(code)));
}

function freePort(): Promise<number> {
  return new Promise((done) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

async function getWhenUp(url: string, child: ChildProcess): Promise<Response> {
  for (let attempt = 0; attempt < 400; attempt++) {
    if (child.exitCode !== null) break;
    try {
      return await fetch(url);
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`the server at ${url} did not come up`);
}

const all = snippets();

describe('README Integrations snippets', () => {
  beforeAll(() => {
    if (!existsSync(BUILT))
      throw new Error('the snippets import the built package: run `npm run build` first');
  });

  it('has snippets to run', () => {
    expect(all.filter((s) => s.kind === 'server')).toHaveLength(3);
    expect(all.filter((s) => s.kind === 'script').length).toBeGreaterThanOrEqual(6);
  });

  for (const [index, snippet] of all.entries()) {
    it(`${snippet.heading} #${index + 1} (${snippet.kind}) runs and logs`, async () => {
      if (snippet.kind === 'script') {
        const { dir, file } = project(snippet.code);
        const { child, output } = run(dir, file);
        expect(await exit(child), output()).toBe(0);
        expect(output()).not.toMatch(/config (error|warning)/);
        expect(readRecords(join(dir, 'logs')).length).toBeGreaterThan(0);
        return;
      }
      const port = await freePort();
      const { dir, file } = project(snippet.code.replaceAll('3000', String(port)));
      const { child, output } = run(dir, file);
      try {
        const response = await getWhenUp(`http://127.0.0.1:${port}/users/7`, child);
        expect(response.status, output()).toBe(200);
        await fetch(`http://127.0.0.1:${port}/health`);
      } finally {
        child.kill('SIGTERM'); // the logger's exit hooks flush the files
        await exit(child);
      }
      const records = readRecords(join(dir, 'logs'));
      const requests = records.filter((r: Rec) => r.action === 'http_request');
      expect(requests.map((r) => r.data.route)).toContain('/users/:id');
      const request = requests.find((r) => r.data.route === '/users/:id');
      const appRecord = records.find((r) => r.action === undefined);
      expect(appRecord?.request_id).toBe(request?.request_id);
      expect(requests.some((r) => r.data.route === '/health')).toBe(
        !snippet.code.includes("skip: ['/health']"),
      );
    });
  }
});
