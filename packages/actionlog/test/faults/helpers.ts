/**
 * Helpers for the real-process fault tests: start a fixture (test/fixtures/*.mjs, which imports
 * the built dist/) as a child process, talk to it over stdin/stdout, and read back what it wrote.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const DIST_INDEX = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

if (!existsSync(DIST_INDEX)) {
  throw new Error(`${DIST_INDEX} is missing: build first (cd /work/main && npm run build -w actionlog)`);
}

// ---------------------------------------------------------------------------------------------
// Temporary directories

const made: string[] = [];

/** A fresh directory under os.tmpdir(), removed by `cleanupTempDirs()`. */
export function tempDir(prefix = 'actionlog-fault-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------
// Child processes

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface SpawnOptions {
  uid?: number;
  gid?: number;
  cwd?: string;
  env?: Record<string, string>;
  /** Kill the child with SIGKILL after this long (a hung child must not hang the suite). */
  timeoutMs?: number;
}

/** The environment without anything that could change a logger's settings behind the test's back. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('ACTIONLOG_') || key.startsWith('NODE_OPTIONS') || key.startsWith('VITEST')) continue;
    env[key] = value;
  }
  env.NODE_ENV = 'production';
  return { ...env, ...extra };
}

export class Child {
  readonly proc: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<ChildResult>;
  private waiters: Array<() => void> = [];
  private done = false;

  constructor(fixture: string, args: string[], options: SpawnOptions = {}) {
    this.proc = spawn(process.execPath, [join(FIXTURES, fixture), ...args], {
      cwd: options.cwd ?? tmpdir(),
      env: cleanEnv(options.env),
      uid: options.uid,
      gid: options.gid,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.proc.stdout!.setEncoding('utf8');
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stdout!.on('data', (chunk: string) => {
      this.stdout += chunk;
      this.wake();
    });
    this.proc.stderr!.on('data', (chunk: string) => {
      this.stderr += chunk;
    });
    // A child that died early makes stdin writes fail with EPIPE: that is the test's finding, not a crash.
    this.proc.stdin!.on('error', () => {});
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      this.proc.kill('SIGKILL');
    }, options.timeoutMs ?? 45_000);
    this.exited = new Promise((resolve) => {
      this.proc.on('close', (code, signal) => {
        clearTimeout(timer);
        this.done = true;
        this.wake();
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr, timedOut });
      });
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Complete stdout lines so far. */
  lines(): string[] {
    const all = this.stdout.split('\n');
    all.pop();
    return all;
  }

  /** Resolves with the first complete stdout line matching `test`; rejects if the child exits or time runs out. */
  async waitForLine(test: (line: string) => boolean, timeoutMs = 20_000, what = 'a line'): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines().find(test);
      if (found !== undefined) return found;
      if (this.done) {
        throw new Error(
          `child exited before printing ${what}\nstdout:\n${this.stdout.slice(-2000)}\nstderr:\n${this.stderr.slice(-4000)}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out waiting for ${what}\nstdout:\n${this.stdout.slice(-2000)}\nstderr:\n${this.stderr.slice(-4000)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }

  kill(signal: NodeJS.Signals): void {
    this.proc.kill(signal);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

export function startChild(fixture: string, args: string[], options?: SpawnOptions): Child {
  return new Child(fixture, args, options);
}

export function runChild(fixture: string, args: string[], options?: SpawnOptions): Promise<ChildResult> {
  const child = new Child(fixture, args, options);
  child.proc.stdin!.end();
  return child.exited;
}

/** A short description of how a child ended, for assertion messages. */
export function explain(result: ChildResult): string {
  return (
    `code=${result.code} signal=${result.signal} timedOut=${result.timedOut}\n` +
    `stdout (tail):\n${result.stdout.slice(-1500)}\nstderr (tail):\n${result.stderr.slice(-3000)}`
  );
}

// ---------------------------------------------------------------------------------------------
// Reading JSONL

export interface LogRecord {
  seq: number;
  level: string;
  message: string;
  pid: number;
  category?: string;
  data?: Record<string, unknown>;
  error?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ParsedLines {
  records: LogRecord[];
  /** Lines that do not parse as JSON, other than a torn last line. */
  broken: Array<{ line: number; text: string }>;
  /** The last line has no newline and does not parse (a torn write readers skip). */
  tornTail: string | null;
  endsWithNewline: boolean;
}

export function parseJsonl(text: string): ParsedLines {
  const endsWithNewline = text.length === 0 || text.endsWith('\n');
  const parts = text.split('\n');
  const last = parts.pop() ?? '';
  const records: LogRecord[] = [];
  const broken: Array<{ line: number; text: string }> = [];
  parts.forEach((line, i) => {
    try {
      records.push(JSON.parse(line) as LogRecord);
    } catch {
      broken.push({ line: i + 1, text: line.slice(0, 200) });
    }
  });
  let tornTail: string | null = null;
  if (last !== '') {
    try {
      records.push(JSON.parse(last) as LogRecord);
    } catch {
      tornTail = last.slice(0, 200);
    }
  }
  return { records, broken, tornTail, endsWithNewline };
}

export function readJsonl(path: string): ParsedLines {
  return parseJsonl(readFileSync(path, 'utf8'));
}

/** Segment files of a stream directory in write order (day, then index). */
export function segmentFiles(dir: string): string[] {
  const re = /^(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.jsonl$/;
  return readdirSync(dir)
    .map((name) => ({ name, m: re.exec(name) }))
    .filter((x) => x.m !== null)
    .sort((a, b) =>
      a.m![1] !== b.m![1] ? (a.m![1] < b.m![1] ? -1 : 1) : Number(a.m![2] ?? 0) - Number(b.m![2] ?? 0),
    )
    .map((x) => join(dir, x.name));
}

/** Every record of every segment in `dir`, in file order. */
export function readStream(dir: string): ParsedLines {
  const out: ParsedLines = { records: [], broken: [], tornTail: null, endsWithNewline: true };
  for (const file of segmentFiles(dir)) {
    const p = readJsonl(file);
    for (const r of p.records) out.records.push(r);
    for (const b of p.broken) out.broken.push({ ...b, text: `${file}: ${b.text}` });
    if (p.tornTail !== null) out.tornTail = p.tornTail;
    out.endsWithNewline = p.endsWithNewline;
  }
  return out;
}

/** JSON records the child wrote to stderr (the fallback), skipping alerts and other text. */
export function stderrRecords(stderr: string): LogRecord[] {
  const out: LogRecord[] = [];
  for (const line of stderr.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as LogRecord;
      if (typeof value.seq === 'number') out.push(value);
    } catch {
      // not a record
    }
  }
  return out;
}

export function alertLines(stderr: string, sink?: string): string[] {
  const prefix = sink === undefined ? '[actionlog]' : `[actionlog] ${sink}:`;
  return stderr.split('\n').filter((line) => line.startsWith(prefix));
}

/** Seqs of records from process `pid` (all records when pid is undefined). */
export function seqsOf(records: LogRecord[], pid?: number): number[] {
  return records.filter((r) => pid === undefined || r.pid === pid).map((r) => r.seq);
}

/** The numbers in 1..max missing from `seqs` (first few only), and duplicates. */
export function gaps(seqs: Iterable<number>, max: number): { missing: number[]; missingCount: number } {
  const have = new Set(seqs);
  const missing: number[] = [];
  let missingCount = 0;
  for (let s = 1; s <= max; s++) {
    if (!have.has(s)) {
      missingCount++;
      if (missing.length < 20) missing.push(s);
    }
  }
  return { missing, missingCount };
}

/** True when `seqs` is exactly 1, 2, …, seqs.length in this order. */
export function isContiguousFromOne(seqs: number[]): { ok: boolean; firstBadIndex: number } {
  for (let i = 0; i < seqs.length; i++) {
    if (seqs[i] !== i + 1) return { ok: false, firstBadIndex: i };
  }
  return { ok: true, firstBadIndex: -1 };
}

export function utcToday(): string {
  return new Date().toISOString().slice(0, 10);
}

/** Permission bits as an octal string, e.g. "600". */
export function modeOf(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

// ---------------------------------------------------------------------------------------------
// tmpfs mounts (we run as root; CI runs on this same machine as root)

export function mountTmpfs(target: string, size: string): void {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', target], {
      stdio: 'pipe',
    });
  } catch (error) {
    const e = error as { stderr?: Buffer; message: string };
    throw new Error(
      `cannot mount a ${size} tmpfs at ${target}: ${e.stderr?.toString().trim() || e.message}. ` +
        'These fault tests need root (mount -t tmpfs); they do not skip silently.',
    );
  }
}

export function remountReadOnly(target: string): void {
  execFileSync('mount', ['-o', 'remount,ro', target], { stdio: 'pipe' });
}

export function unmount(target: string): void {
  try {
    execFileSync('umount', [target], { stdio: 'pipe' });
  } catch {
    try {
      execFileSync('umount', ['-l', target], { stdio: 'pipe' });
    } catch {
      // best effort in cleanup
    }
  }
}

/** Every thread of `pid` is stopped (after SIGSTOP). */
export async function waitStopped(pid: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let all = true;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state !== 'T' && state !== 't') all = false;
    }
    if (all) return;
    if (Date.now() > deadline) throw new Error(`process ${pid} did not stop`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
