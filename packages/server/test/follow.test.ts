import { type ChildProcess, spawn } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { applyRetention, createLogger, listSegments } from 'actionlog';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FileFollower } from '../src/ingest/file-follower.js';
import { type RunningServer, startServer } from '../src/serve.js';
import { tempDirs, testServers } from './helpers.js';

// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies by value.
type Body = any;

const tempDir = tempDirs('actionlog-follow-');
const servers = testServers();
const ACTIONLOG = dirname(createRequire(import.meta.url).resolve('actionlog/package.json'));
const CLI = join(ACTIONLOG, 'dist/cli/main.js');

const running: RunningServer[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const server of running.splice(0)) await server.close();
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

/** `actionlog serve` in this process (a real socket), following `dir`. */
async function serveHere(dir: string, cwd: string): Promise<RunningServer> {
  const server = await startServer({ dir, port: 0, cwd });
  running.push(server);
  return server;
}

async function stopHere(server: RunningServer): Promise<void> {
  running.splice(running.indexOf(server), 1);
  await server.close();
}

async function get(url: string): Promise<Body> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return response.json();
}

/** A logger of the library into `dir`, as an application has (no console, no exit hooks). */
function libraryLogger(dir: string, maxFileSize?: string) {
  return createLogger({
    dir,
    console: false,
    exitHooks: false,
    retention: { background: false },
    app: 'shop',
    file: maxFileSize ? { maxFileSize } : {},
  });
}

async function logMany(dir: string, from: number, count: number, maxFileSize?: string): Promise<void> {
  const log = libraryLogger(dir, maxFileSize);
  for (let i = from; i < from + count; i++) log.info(`record ${i}`, { i });
  await log.close();
}

/** Rows in the SQLite store and distinct messages among them (each record's message is unique). */
function countRows(dbPath: string): { rows: number; distinct: number } {
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    return db
      .prepare('SELECT count(*) AS rows, count(DISTINCT message) AS "distinct" FROM records')
      .get() as {
      rows: number;
      distinct: number;
    };
  } finally {
    db.close();
  }
}

function fileOffsetsOf(logs: string) {
  return fileOffsets(join(logs, 'actionlog.db'));
}

function fileOffsets(dbPath: string): Array<{ segment: string; byte_offset: number; complete: number }> {
  const db = new Database(dbPath, { fileMustExist: true });
  try {
    return db
      .prepare('SELECT segment, byte_offset, complete FROM file_offsets ORDER BY segment')
      .all() as Array<{ segment: string; byte_offset: number; complete: number }>;
  } finally {
    db.close();
  }
}

/** Segment file names in write order (day, then index). */
function segmentsOf(dir: string): string[] {
  return listSegments(dir).map((segment) => segment.name);
}

/** Gzips a segment as the library's retention does (several members of whole lines), and removes the original. */
function gzipSegment(dir: string, name: string): void {
  const text = readFileSync(join(dir, name));
  const cut = text.lastIndexOf(0x0a, Math.floor(text.length / 2)) + 1;
  writeFileSync(
    join(dir, `${name}.gz`),
    Buffer.concat([gzipSync(text.subarray(0, cut)), gzipSync(text.subarray(cut))]),
  );
  unlinkSync(join(dir, name));
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 150_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

interface Served {
  child: ChildProcess;
  url: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** `actionlog serve …` as a child process; resolves once it prints its URL. */
function serveChild(args: string[], cwd: string): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { cwd, stdio: 'pipe' });
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk) => (err += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL after 20 s: ${out} ${err}`)), 20_000);
    child.stdout.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], stdout: () => out, stderr: () => err, exited });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${out}${err}`));
    });
  });
}

describe('following the files the library writes', () => {
  it('a record logged by the library shows up in /action-logs/recent, validated and masked like HTTP ingest', async () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    const log = libraryLogger(logs);
    log.action('createCase', { service: 'CaseService', status: 'success', duration_ms: 12 });
    log.error(new TypeError('no such case'), 'lookup failed', { service: 'CaseService', status: 'failed' });
    await log.close();
    // A line another tool wrote, with a secret the library would have masked: the server masks it.
    const [segment] = segmentsOf(logs);
    appendFileSync(
      join(logs, segment),
      `${JSON.stringify({ timestamp: new Date().toISOString(), message: 'by hand', password: 'hunter2' })}\n`,
    );

    const server = await serveHere(logs, cwd);
    expect(server.follower?.description).toBe(join(logs, '*.jsonl'));
    await server.follower!.settled();
    const recent = await get(`${server.url}/action-logs/recent`);
    expect(recent.actions).toHaveLength(3);
    const [byHand, failed, created] = recent.actions;
    expect(byHand).toMatchObject({ message: 'by hand', data: { password: '[MASKED]' } });
    expect(failed).toMatchObject({ service: 'CaseService', status: 'failed', error: 'no such case' });
    expect(created).toMatchObject({
      action: 'createCase',
      service: 'CaseService',
      status: 'success',
      duration: 12,
      app: 'shop',
    });
    expect(server.follower!.stats).toMatchObject({ records: 3, corrupt: 0, rejected: 0 });

    // Logged while the server runs: found within a poll or two.
    const live = libraryLogger(logs);
    live.info('while serving', { service: 'Live' });
    await live.flush();
    await waitFor('the live record', () => server.follower!.stats.records === 4, 5000);
    expect((await get(`${server.url}/action-logs/service/Live`)).actions[0].message).toBe('while serving');
    await live.close();
  });

  it('keeps offsets across a restart of the follower and the store: nothing missed, nothing doubled', async () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    await logMany(logs, 0, 1000);
    const first = await serveHere(logs, cwd);
    await first.follower!.settled();
    expect((await get(`${first.url}/action-logs/stats`)).stats.total).toBe(1000);
    await stopHere(first);

    await logMany(logs, 1000, 500);
    const second = await serveHere(logs, cwd);
    await second.follower!.settled();
    expect(second.follower!.stats.records).toBe(500);
    await stopHere(second);
    const db = join(logs, 'actionlog.db');
    expect(countRows(db)).toEqual({ rows: 1500, distinct: 1500 });
    // The offset of each segment is its size: every whole line was read.
    const sizes = segmentsOf(logs).map((name) => ({
      segment: name,
      byte_offset: statSync(join(logs, name)).size,
    }));
    expect(fileOffsets(db).map(({ segment, byte_offset }) => ({ segment, byte_offset }))).toEqual(sizes);

    // A third start with nothing new stores nothing.
    const third = await serveHere(logs, cwd);
    await third.follower!.settled();
    expect(third.follower!.stats.records).toBe(0);
  });

  it('a torn last line waits for its newline; lines that are not records are counted and skipped', async () => {
    const dir = tempDir();
    const logs = join(dir, 'logs');
    const server = await servers.open(dir);
    const problems: string[] = [];
    const follower = new FileFollower({
      dir: logs,
      ingest: server.app.ingest,
      store: server.store,
      intervalMs: 20,
      onProblem: (message) => problems.push(message),
    });
    await follower.start();
    mkdirSync(logs);
    const path = join(logs, '2026-11-23.jsonl');
    const line = (n: number) =>
      `${JSON.stringify({ timestamp: '2026-11-23T10:00:00.000Z', message: `line ${n}` })}\n`;
    appendFileSync(path, line(1) + line(2) + line(3).slice(0, 25));
    await follower.settled();
    await follower.settled();
    expect(follower.stats.records).toBe(2);
    expect((await server.store.fileOffsets(follower.source))[0].offset).toBe(
      Buffer.byteLength(line(1) + line(2)),
    );

    appendFileSync(path, line(3).slice(25));
    await follower.settled();
    expect(follower.stats.records).toBe(3);

    appendFileSync(path, `not json at all\n${JSON.stringify({ level: 42 })}\n\n${line(4)}`);
    await follower.settled();
    await follower.stop();
    expect(follower.stats).toMatchObject({ records: 4, corrupt: 1, rejected: 1 });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^skipped 2 line\(s\) of 2026-11-23\.jsonl: 1 not JSON \(torn or garbage\); 1 not valid records \(e\.g\. level: got number 42; expected one of/,
    );
    const messages = (await server.call('/action-logs/recent')).body.actions.map((a: Body) => a.message);
    expect(messages.sort()).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
    expect((await server.store.fileOffsets(follower.source))[0].offset).toBe(statSync(path).size);
  });

  it('size segments, and .gz: compressed after it was read is not read again; compressed before it was finished is read from its offset; never seen is read whole', async () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    await logMany(logs, 0, 3000, '64KB');
    const segments = segmentsOf(logs);
    expect(segments.length).toBeGreaterThanOrEqual(5);
    const first = await serveHere(logs, cwd);
    await first.follower!.settled();
    expect(first.follower!.stats).toMatchObject({ records: 3000, segments: segments.length });
    await stopHere(first);

    // Read whole, then compressed by another tool (plain gzip members).
    gzipSegment(logs, segments[0]);
    // The last one still being written when the server stopped…
    const last = segments[segments.length - 1];
    const log = libraryLogger(logs, '1MB');
    for (let i = 3000; i < 3100; i++) log.info(`record ${i}`, { i });
    await log.close();
    expect(statSync(join(logs, last)).size).toBeGreaterThan(
      fileOffsetsOf(logs).find((o) => o.segment === last)!.byte_offset,
    );
    // …then the library's retention compresses the segments (they are "3 days old" to it) but the
    // newest, which it leaves to its writer: the ones read whole and others never read…
    const retention = await applyRetention(
      [
        {
          name: 'main',
          dir: logs,
          retention: { compressAfterDays: 1, retentionDays: false, maxTotalSize: false },
        },
      ],
      { now: Date.now() + 3 * 86_400_000 },
    );
    expect(retention).toMatchObject({ errors: 0, compressed: segments.length - 2 });
    expect(segmentsOf(logs).filter((name) => !name.endsWith('.gz'))).toEqual([last]);
    // …and the last, read in part, is compressed too.
    gzipSegment(logs, last);
    // A day the server never saw, already compressed.
    const old = Array.from(
      { length: 50 },
      (_, i) => `${JSON.stringify({ timestamp: '2026-01-02T03:04:05.000Z', message: `old ${i}` })}\n`,
    ).join('');
    writeFileSync(join(logs, '2026-01-02.jsonl.gz'), gzipSync(old));

    const second = await serveHere(logs, cwd);
    await second.follower!.settled();
    expect(second.follower!.stats).toMatchObject({ records: 150, corrupt: 0 });
    await stopHere(second);
    const db = join(logs, 'actionlog.db');
    expect(countRows(db)).toEqual({ rows: 3150, distinct: 3150 });
    const offsets = new Map(fileOffsets(db).map((row) => [row.segment, row]));
    expect(offsets.get('2026-01-02.jsonl')).toMatchObject({
      byte_offset: Buffer.byteLength(old),
      complete: 1,
    });
    expect(offsets.get(segments[0])?.complete).toBe(1);
    expect(offsets.get(last)?.complete).toBe(1);
    expect([...offsets.values()].filter((row) => row.complete !== 1)).toEqual([]);

    // Restarted with everything compressed and complete: nothing is read again.
    const third = await serveHere(logs, cwd);
    await third.follower!.settled();
    expect(third.follower!.stats.records).toBe(0);
  });

  it('reads only the main stream by default: audit/ holds copies of its records', async () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    const log = libraryLogger(logs);
    log.audit('config_change', { key: 'k' });
    log.info('plain');
    await log.close();
    expect(segmentsOf(join(logs, 'audit'))).toHaveLength(1);
    const server = await serveHere(logs, cwd);
    await server.follower!.settled();
    expect((await get(`${server.url}/action-logs/stats`)).stats.total).toBe(2);

    // A sub-stream is read when named (into another store here: it would double the main one).
    const other = await servers.open(tempDir());
    const audit = new FileFollower({
      dir: logs,
      ingest: other.app.ingest,
      store: other.store,
      streams: ['audit'],
    });
    await audit.start();
    await audit.settled();
    await audit.stop();
    expect(audit.stats.records).toBe(1);
    const [offset] = await other.store.fileOffsets(logs);
    expect(offset.segment).toBe(`audit/${segmentsOf(join(logs, 'audit'))[0]}`);
  });

  it('lines longer than a read, a hole not written yet (NUL bytes) waits and is then read; one that stays is skipped', async () => {
    const dir = tempDir();
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const server = await servers.open(dir);
    const problems: string[] = [];
    const follower = new FileFollower({
      dir: logs,
      ingest: server.app.ingest,
      store: server.store,
      intervalMs: 20,
      maxBatchBytes: 64,
      onProblem: (message) => problems.push(message),
    });
    await follower.start();
    const path = join(logs, '2026-11-23.jsonl');
    const line = (n: number) =>
      `${JSON.stringify({ timestamp: '2026-11-23T10:00:00.000Z', message: `line ${n} ${'x'.repeat(300)}` })}\n`;
    // Line 2 is a hole: its bytes are not there yet (a write that lands after the one behind it).
    writeFileSync(path, line(1) + '\0'.repeat(line(2).length) + line(3));
    await follower.settled();
    await follower.settled();
    expect(follower.stats.records).toBe(1);
    const fd = openSync(path, 'r+');
    writeSync(fd, line(2), Buffer.byteLength(line(1)));
    closeSync(fd);
    await follower.settled();
    expect(follower.stats).toMatchObject({ records: 3, corrupt: 0 });
    // A hole that is never filled is taken as a corrupt line after a while (2 s).
    appendFileSync(path, '\0'.repeat(10) + '\n' + line(4));
    await follower.settled();
    expect(follower.stats.records).toBe(3);
    await waitFor('the hole to be given up on', () => follower.stats.records === 4, 10_000);
    await follower.stop();
    expect(follower.stats).toMatchObject({ records: 4, corrupt: 1 });
    expect((await server.store.fileOffsets(follower.source))[0].offset).toBe(statSync(path).size);
  });

  it('stops, and says why, when the ingest in use does not save the offsets', async () => {
    const dir = tempDir();
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    const server = await servers.open(dir);
    const problems: string[] = [];
    const follower = new FileFollower({
      dir: logs,
      // A replacement ingest that forgets the offset: a restart would store everything again.
      ingest: (values, source) => server.app.ingest(values, { name: source.name }),
      store: server.store,
      onProblem: (message) => problems.push(message),
    });
    await follower.start();
    writeFileSync(join(logs, '2026-11-23.jsonl'), `${JSON.stringify({ message: 'once' })}\n`);
    await follower.settled();
    await follower.stop();
    expect(problems).toEqual([
      'stopped following: the ingest in use does not save file offsets (IngestSource.fileOffset → Store.appendFromFile), so a restart would store every record again',
    ]);
  });

  it('a different file under a known name (the directory recreated) is read from its start', async () => {
    const dir = tempDir();
    const logs = join(dir, 'logs');
    const server = await servers.open(dir);
    const problems: string[] = [];
    const options = {
      dir: logs,
      ingest: server.app.ingest,
      store: server.store,
      onProblem: (m: string) => problems.push(m),
    };
    mkdirSync(logs);
    const path = join(logs, '2026-11-23.jsonl');
    const lines = (tag: string, n: number) =>
      Array.from(
        { length: n },
        (_, i) => `${JSON.stringify({ timestamp: '2026-11-23T10:00:00.000Z', message: `${tag} ${i}` })}\n`,
      ).join('');
    const follower = new FileFollower(options);
    await follower.start();
    appendFileSync(path, lines('a', 10));
    await follower.settled();
    await follower.stop();
    unlinkSync(path);
    writeFileSync(path, lines('b', 20));
    const again = new FileFollower(options);
    await again.start();
    await again.settled();
    await again.stop();
    expect(again.stats.records).toBe(20);
    expect(problems).toEqual([
      '2026-11-23.jsonl is not the file read before under this name (its first line differs): reading it from its start',
    ]);
    expect((await server.call('/action-logs/stats')).body.stats.total).toBe(30);
  });
});

describe('actionlog serve following files, as a child process', () => {
  it('kill -9 mid-ingest, twice, then restart: every record exactly once', async () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    const total = 60_000;
    await logMany(logs, 0, total, '4MB');
    const db = join(logs, 'actionlog.db');
    const rows = () => (existsSync(db) ? countRows(db).rows : 0);
    let lastSeen = 0;
    for (let round = 0; round < 2; round++) {
      const server = await serveChild(['--dir', 'logs'], cwd);
      // Killed while batches are being committed: part of the way in.
      const target = lastSeen + Math.floor((total - lastSeen) / 3);
      await waitFor('some records', () => rows() > target);
      server.child.kill('SIGKILL');
      await server.exited;
      lastSeen = rows();
      expect(lastSeen).toBeLessThan(total);
    }
    const server = await serveChild(['--dir', 'logs'], cwd);
    await waitFor('every record', () => rows() >= total);
    await sleep(600); // a poll or two more: nothing else may come
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stderr()).toBe('');
    expect(countRows(db)).toEqual({ rows: total, distinct: total });
  }, 180_000);

  it('several writer processes into the directory at once, the server killed once meanwhile: every record exactly once', async () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    const writers = 4;
    const perWriter = 10_000;
    const script = join(cwd, 'writer.mjs');
    writeFileSync(
      script,
      `import { createLogger } from ${JSON.stringify(join(ACTIONLOG, 'dist/index.js'))};
const [dir, name, count] = process.argv.slice(2);
const log = createLogger({ dir, console: false, app: 'writers', file: { maxFileSize: '1MB' }, retention: { background: false } });
for (let i = 0; i < Number(count); i++) {
  log.info(\`\${name} record \${i}\`, { writer: name, i });
  if (i % 200 === 0) await new Promise((r) => setTimeout(r, 1));
}
await log.close();
`,
    );
    let server = await serveChild(['--dir', 'logs'], cwd);
    const running = Array.from({ length: writers }, (_, w) => {
      const child = spawn(process.execPath, [script, logs, `w${w}`, String(perWriter)], { stdio: 'inherit' });
      children.push(child);
      return new Promise<number | null>((resolve) => child.on('exit', resolve));
    });
    const db = join(logs, 'actionlog.db');
    await waitFor('the first records', () => countRows(db).rows > 2000);
    server.child.kill('SIGKILL');
    await server.exited;
    server = await serveChild(['--dir', 'logs'], cwd);
    expect(await Promise.all(running)).toEqual(Array(writers).fill(0));
    const segments = segmentsOf(logs);
    expect(segments.length).toBeGreaterThanOrEqual(writers);
    await waitFor('every record', () => countRows(db).rows >= writers * perWriter);
    await sleep(600);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(countRows(db)).toEqual({ rows: writers * perWriter, distinct: writers * perWriter });
    const offsets = fileOffsets(db);
    expect(offsets.map((o) => o.segment)).toEqual([...segments].sort());
    for (const o of offsets) expect(o.byte_offset).toBe(statSync(join(logs, o.segment)).size);
  }, 180_000);

  it('--no-follow leaves the files alone', async () => {
    const cwd = tempDir();
    const logs = join(cwd, 'logs');
    await logMany(logs, 0, 10);
    const server = await serveChild(['--no-follow'], cwd);
    expect(server.stdout()).not.toContain('files:');
    await sleep(700);
    expect((await get(`${server.url}/action-logs/stats`)).stats.total).toBe(0);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const followed = await serveChild([], cwd);
    expect(followed.stdout()).toContain(`files: ${join(logs, '*.jsonl')} (followed)`);
    await waitFor('the records', () => countRows(join(logs, 'actionlog.db')).rows === 10, 10_000);
    followed.child.kill('SIGTERM');
    expect(await followed.exited).toBe(0);
  });
});
