/**
 * Shared by the test/files suites: temp directories, a hand-moved clock, segments written by the
 * real logger, and real child processes (fixtures import the built dist/).
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { createLogger } from '../../src/index.js';

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
export const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

export function requireDist(): void {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: build first (cd /work/main && npm run build -w actionlog)`);
}

const made: string[] = [];

export function tempDir(prefix = 'actionlog-files-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A clock the test moves by hand. */
export function manualClock(start: string) {
  let now = Date.parse(start);
  return {
    now: () => now,
    set: (iso: string) => {
      now = Date.parse(iso);
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** `YYYY-MM-DD` of `days` days before `now`. */
export function daysAgo(now: number, days: number): string {
  return new Date(now - days * 86_400_000).toISOString().slice(0, 10);
}

/** Writes `count` audit records through the real logger (console off, exit hooks off). */
export async function writeAudit(
  dir: string,
  count: number,
  options: { clock?: () => number; maxFileSize?: string; tag?: string; extra?: Record<string, unknown> } = {},
): Promise<void> {
  const log = createLogger({
    dir,
    console: false,
    exitHooks: false,
    clock: options.clock,
    retention: { background: false },
    file: options.maxFileSize ? { maxFileSize: options.maxFileSize } : {},
    ...options.extra,
  });
  for (let i = 0; i < count; i++) log.audit('config_change', { i, key: `k${i}`, tag: options.tag ?? 'a' });
  await log.close();
}

/** A fake segment of `bytes` bytes of JSONL (not chained). */
export function writeSegment(dir: string, name: string, bytes = 1000): string {
  mkdirSync(dir, { recursive: true });
  const line = `{"timestamp":"2026-01-01T00:00:00.000Z","seq":1,"level":"INFO","message":"${'x'.repeat(60)}"}\n`;
  const text = line.repeat(Math.max(1, Math.ceil(bytes / line.length))).slice(0, bytes - 1) + '\n';
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export function lines(path: string): string[] {
  const text = path.endsWith('.gz')
    ? gunzipSync(readFileSync(path)).toString('utf8')
    : readFileSync(path, 'utf8');
  return text.split('\n').filter((line) => line.length > 0);
}

/** Segment names of a stream directory, in write order (day, then index). */
export function segmentNames(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /^\d{4}-\d{2}-\d{2}(\.\d+)?\.jsonl(\.gz)?$/.test(name))
    .sort((a, b) => {
      const [da, ia] = [a.slice(0, 10), Number(a.split('.')[1]) || 0];
      const [db, ib] = [b.slice(0, 10), Number(b.split('.')[1]) || 0];
      return da === db ? ia - ib : da < db ? -1 : 1;
    });
}

/** Rewrites the lines of a segment through `edit` (the file keeps its trailing newline). */
export function editLines(path: string, edit: (lines: string[]) => void): void {
  const all = readFileSync(path, 'utf8').split('\n');
  all.pop();
  edit(all);
  writeFileSync(path, all.map((line) => `${line}\n`).join(''));
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** The environment without anything that could change a logger's settings behind the test's back. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('ACTIONLOG_') || key.startsWith('NODE_OPTIONS') || key.startsWith('VITEST')) continue;
    env[key] = value;
  }
  return { ...env, NODE_ENV: 'production', ...extra };
}

/** Runs a node script to its end (killed after `timeoutMs`). */
export function runNode(
  script: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<RunResult> {
  const started = performance.now();
  const child = spawn(process.execPath, [script, ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

export function runCli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<RunResult> {
  return runNode(CLI, args, { cwd, env });
}
