/**
 * Synchronous records while the disk is full (issue 18 §5): the per-stream `onWriteFailure`
 * policy — `buffer` (return, hold, retry), `block` (wait, bounded, until the record is in the
 * kernel) and `fail` (throw NotDurableError, keep nothing) — on a real 256 KB tmpfs that the test
 * fills and frees while a real child process logs, and on /dev/full. Plus the config key.
 */
import { closeSync, mkdirSync, openSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadConfig, verifyStream } from '../../src/index.js';
import {
  alertLines,
  type Child,
  cleanupTempDirs,
  explain,
  type LogRecord,
  mountTmpfs,
  readStream,
  runChild,
  startChild,
  stderrRecords,
  tempDir,
  unmount,
  utcToday,
} from './helpers.js';

interface SinkHealth {
  name: string;
  healthy: boolean;
  bufferedRecords: number;
  heldRecords: number;
  written: number;
  consecutiveFailures: number;
  lastError: string | null;
  fallbackRecords: number;
}
interface Health {
  healthy: boolean;
  buffered: number;
  heldRecords: number;
  sinks: SinkHealth[];
}
interface Described {
  isNotDurableError: boolean;
  isError: boolean;
  name: string;
  code: string;
  stream: string;
  path: string;
  errno: string;
  causeCode: string;
  line: string;
  message: string;
}
interface Returned {
  i: number;
  ms: number;
  error?: Described;
}

function sink(health: Health, name: string): SinkHealth {
  const found = health.sinks.find((s) => s.name === name);
  if (!found) throw new Error(`no ${name} sink in ${JSON.stringify(health)}`);
  return found;
}

function afterPrefix<T>(child: Child | string, prefix: string): T {
  const lines = typeof child === 'string' ? child.split('\n') : child.lines();
  const line = lines.find((l) => l.startsWith(prefix));
  if (line === undefined) throw new Error(`no "${prefix}" line`);
  return JSON.parse(line.slice(prefix.length)) as T;
}

function returnedLines(stdout: string): Returned[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('returned '))
    .map((l) => JSON.parse(l.slice('returned '.length)) as Returned);
}

/** `data.i` of the probe records (the records the child logged), in file order. */
function probeIndexes(records: LogRecord[]): number[] {
  return records.filter((r) => r.action === 'disk_full_probe').map((r) => Number(r.data?.i));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, k) => from + k);
}

/** Writes a filler file until the file system has no free block left. */
function fillUp(mnt: string): string {
  const filler = join(mnt, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return filler;
}

/** Whether the integrity chain can take back a link (needed for `fail` on a chained stream). */

const mounts: string[] = [];
function tmpfs(): string {
  const dir = tempDir('actionlog-diskfull-');
  mountTmpfs(dir, '256k');
  mounts.push(dir);
  return dir;
}

const children: Child[] = [];
function start(mode: string, options: Record<string, unknown>): Child {
  const child = startChild('disk-full-policy.mjs', [mode, JSON.stringify(options)]);
  children.push(child);
  return child;
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

afterAll(() => {
  for (const m of mounts.splice(0)) unmount(m);
  cleanupTempDirs();
});

/** Starts the child on a fresh tmpfs, lets it open its files, then fills the disk. */
async function startOnFullDisk(
  mode: string,
  options: Record<string, unknown>,
): Promise<{ child: Child; dir: string; filler: string }> {
  const mnt = tmpfs();
  const dir = join(mnt, 'logs');
  const child = start(mode, { dir, ...options });
  await child.waitForLine((l) => l === 'ready', 20_000, '"ready"');
  const filler = fillUp(mnt);
  child.send('full');
  return { child, dir, filler };
}

describe('onWriteFailure on a full tmpfs (a real child process; the test fills and frees the disk)', () => {
  it('buffer (default): audit() returns at once with the record held, health() counts it; once space is freed the sink writes every record by itself', async () => {
    const { child, dir, filler } = await startOnFullDisk('buffer', {});
    const held = afterPrefix<Health>(
      await child.waitForLine((l) => l.startsWith('held '), 25_000, '"held"').then((l) => l),
      'held ',
    );
    const audit = sink(held, 'audit');
    expect(audit.lastError).toContain('ENOSPC');
    expect(audit.heldRecords).toBeGreaterThanOrEqual(4);
    expect(audit.heldRecords).toBe(audit.bufferedRecords);
    expect(held.heldRecords).toBe(held.sinks.reduce((n, s) => n + s.heldRecords, 0));
    expect(held.heldRecords).toBeGreaterThanOrEqual(audit.heldRecords);
    // Nothing waited: no call took anywhere near a block timeout.
    const calls = returnedLines(child.stdout);
    expect(Math.max(...calls.map((c) => c.ms))).toBeLessThan(1000);
    expect(calls.every((c) => c.error === undefined)).toBe(true);

    rmSync(filler);
    child.send('freed');
    const result = await child.exited;
    expect(result.code, explain(result)).toBe(0);
    const drained = afterPrefix<Health>(result.stdout, 'drained ');
    expect(drained.heldRecords).toBe(0);
    expect(sink(drained, 'audit').consecutiveFailures).toBe(0);

    const last = afterPrefix<number>(result.stdout, 'last ');
    for (const stream of [join(dir, 'audit'), dir]) {
      const parsed = readStream(stream);
      expect(parsed.broken).toEqual([]);
      expect(parsed.tornTail).toBeNull();
      expect(probeIndexes(parsed.records), stream).toEqual(range(1, last));
    }
    const recovery = readStream(join(dir, 'audit')).records.find((r) =>
      r.message.startsWith('log writing recovered'),
    );
    expect(recovery, 'a recovery record in the audit stream').toBeDefined();
    expect((await verifyStream(join(dir, 'audit'))).ok).toBe(true);
  });

  it('block: audit() waits while the disk is full and returns once the record is in the kernel (it survives kill -9 right after)', async () => {
    const { child, dir, filler } = await startOnFullDisk('block-lands', {
      audit: { onWriteFailure: 'block', blockTimeoutMs: 20_000 },
    });
    // Blocked: a "calling i" with no "returned" for i for a while.
    let blocked = 0;
    const deadline = Date.now() + 25_000;
    while (blocked === 0) {
      if (Date.now() > deadline) throw new Error(`the child never blocked\n${child.stdout.slice(-2000)}`);
      const lines = child.lines();
      const lastCall = lines.filter((l) => l.startsWith('calling ')).pop();
      const i = Number(lastCall?.slice('calling '.length));
      if (lastCall !== undefined && !lines.some((l) => l.startsWith(`returned {"i":${i},`))) {
        await new Promise((r) => setTimeout(r, 600));
        if (!child.lines().some((l) => l.startsWith(`returned {"i":${i},`))) blocked = i;
      } else await new Promise((r) => setTimeout(r, 20));
    }
    // While it waits, the record is not in the audit file.
    expect(probeIndexes(readStream(join(dir, 'audit')).records)).not.toContain(blocked);

    rmSync(filler);
    const result = await child.exited;
    expect(result.signal, explain(result)).toBe('SIGKILL');
    const calls = returnedLines(result.stdout);
    const waited = calls.find((c) => c.i === blocked);
    expect(waited, 'the blocked call returned').toBeDefined();
    expect(waited!.ms).toBeGreaterThanOrEqual(600);
    expect(waited!.ms).toBeLessThan(20_000);
    expect(waited!.error).toBeUndefined();

    // Every acknowledged audit record is in the audit stream, once, the one that waited included.
    const parsed = readStream(join(dir, 'audit'));
    expect(parsed.broken).toEqual([]);
    expect(probeIndexes(parsed.records)).toEqual(range(1, blocked));
    expect((await verifyStream(join(dir, 'audit'))).ok).toBe(true);
  });

  it('block: past blockTimeoutMs the call returns with the record held, stderr says so once, and it is written when space comes back', async () => {
    const { child, dir, filler } = await startOnFullDisk('block-timeout', {
      audit: { onWriteFailure: 'block', blockTimeoutMs: 300 },
    });
    const held = afterPrefix<Health>(
      await child.waitForLine((l) => l.startsWith('held '), 25_000, '"held"'),
      'held ',
    );
    const calls = returnedLines(child.stdout);
    const timedOut = calls.filter((c) => c.ms >= 250);
    expect(timedOut.length).toBe(3);
    for (const call of timedOut) {
      expect(call.ms).toBeGreaterThanOrEqual(295);
      expect(call.ms).toBeLessThan(3000);
      expect(call.error).toBeUndefined();
    }
    expect(sink(held, 'audit').heldRecords).toBeGreaterThanOrEqual(3);
    expect(held.heldRecords).toBeGreaterThanOrEqual(3);

    rmSync(filler);
    child.send('freed');
    const result = await child.exited;
    expect(result.code, explain(result)).toBe(0);
    expect(afterPrefix<Health>(result.stdout, 'drained ').heldRecords).toBe(0);
    const timeoutAlerts = alertLines(result.stderr, 'audit').filter((l) =>
      l.includes('not written within blockTimeoutMs=300'),
    );
    expect(timeoutAlerts, result.stderr.slice(0, 3000)).toHaveLength(1);
    expect(timeoutAlerts[0]).toContain('ENOSPC');
    expect(timeoutAlerts[0]).toContain('held in memory');

    const last = afterPrefix<number>(result.stdout, 'last ');
    const parsed = readStream(join(dir, 'audit'));
    expect(parsed.broken).toEqual([]);
    expect(parsed.tornTail).toBeNull();
    expect(probeIndexes(parsed.records)).toEqual(range(1, last));
    const recovery = parsed.records.find((r) => r.message.startsWith('log writing recovered'));
    expect(Number(recovery?.data?.block_timeouts)).toBe(3);
    expect((await verifyStream(join(dir, 'audit'))).ok).toBe(true);
  });

  it('fail: audit() throws NotDurableError, the record is in no file, the logger goes on once space is back', async () => {
    await failScenario(false);
  });

  it('fail on the main stream (buffered, so only audit() records are synchronous): a buffered record logged after the refusals is written without another synchronous write', async () => {
    const { child, dir, filler } = await startOnFullDisk('fail-then-info', {
      file: { onWriteFailure: 'fail' },
      audit: { enabled: false },
    });
    await child.waitForLine((l) => l.startsWith('refused '), 25_000, '"refused"');
    const refused = returnedLines(child.stdout).filter((c) => c.error !== undefined);
    expect(refused).toHaveLength(3);
    for (const { error } of refused) expect(error).toMatchObject({ stream: 'main', errno: 'ENOSPC' });

    rmSync(filler);
    child.send('freed');
    const result = await child.exited;
    expect(result.code, explain(result)).toBe(0);
    const parsed = readStream(dir);
    expect(parsed.broken).toEqual([]);
    expect(parsed.tornTail).toBeNull();
    const refusedSet = new Set(refused.map((c) => c.i));
    const last = afterPrefix<number>(result.stdout, 'last ');
    expect(probeIndexes(parsed.records)).toEqual(range(1, last - 1).filter((i) => !refusedSet.has(i)));
    expect(parsed.records.some((r) => r.message === 'after the refusals')).toBe(true);
    const recovery = parsed.records.find((r) => r.message.startsWith('log writing recovered'));
    expect(Number(recovery?.data?.records_refused)).toBe(3);
  });

  it('fail on the hash-chained audit stream: the chain takes the refused link back, verify stays OK', async () => {
    await failScenario(true);
  });
});

/** `fail` on the audit stream, chained or not: see the tests above. */
async function failScenario(integrity: boolean): Promise<void> {
  const { child, dir, filler } = await startOnFullDisk('fail', {
    audit: { onWriteFailure: 'fail', integrity },
  });
  const during = afterPrefix<Health>(
    await child.waitForLine((l) => l.startsWith('refused '), 25_000, '"refused"'),
    'refused ',
  );
  const calls = returnedLines(child.stdout);
  const refused = calls.filter((c) => c.error !== undefined);
  expect(refused).toHaveLength(3);
  for (const { i, error } of refused) {
    expect(error).toMatchObject({
      isNotDurableError: true,
      isError: true,
      name: 'NotDurableError',
      code: 'ERR_ACTIONLOG_NOT_DURABLE',
      stream: 'audit',
      errno: 'ENOSPC',
      causeCode: 'ENOSPC',
    });
    expect(error!.path.startsWith(join(dir, 'audit'))).toBe(true);
    expect(error!.message).toContain('ENOSPC');
    expect(error!.message).toContain('onWriteFailure: "fail"');
    const record = JSON.parse(error!.line) as LogRecord;
    expect(record.action).toBe('disk_full_probe');
    expect(record.data?.i).toBe(i);
  }
  // Not kept: nothing held for a retry (the main stream never got the refused records).
  expect(sink(during, 'audit').heldRecords).toBe(0);
  const refusedSet = new Set(refused.map((c) => c.i));
  expect(probeIndexes(readStream(join(dir, 'audit')).records).filter((i) => refusedSet.has(i))).toEqual([]);

  rmSync(filler);
  child.send('freed');
  const result = await child.exited;
  expect(result.code, explain(result)).toBe(0);
  const after = returnedLines(result.stdout).filter((c) => c.i > Math.max(...refusedSet));
  expect(after).toHaveLength(5);
  expect(after.every((c) => c.error === undefined)).toBe(true);
  expect(afterPrefix<Health>(result.stdout, 'after ').heldRecords).toBe(0);

  const last = afterPrefix<number>(result.stdout, 'last ');
  const accepted = range(1, last).filter((i) => !refusedSet.has(i));
  for (const stream of [join(dir, 'audit'), dir]) {
    const parsed = readStream(stream);
    expect(parsed.broken, stream).toEqual([]);
    expect(parsed.tornTail, stream).toBeNull();
    expect(probeIndexes(parsed.records), stream).toEqual(accepted);
  }
  const recovery = readStream(join(dir, 'audit')).records.find((r) =>
    r.message.startsWith('log writing recovered'),
  );
  expect(Number(recovery?.data?.records_refused)).toBe(3);
  const alerts = alertLines(result.stderr, 'audit').filter((l) => l.includes('cannot write'));
  expect(alerts).toHaveLength(1);
  expect(alerts[0]).toContain('refused a synchronous record');
  if (integrity) expect((await verifyStream(join(dir, 'audit'))).ok).toBe(true);
}

describe('onWriteFailure per stream, on /dev/full', () => {
  function devFullStream(dir: string, stream?: string): void {
    const streamDir = stream === undefined ? dir : join(dir, stream);
    mkdirSync(streamDir, { recursive: true, mode: 0o700 });
    symlinkSync('/dev/full', join(streamDir, `${utcToday()}.jsonl`));
  }

  it('a `streams` entry with durability sync and fail: its records throw, other records and streams go on', async () => {
    const dir = join(tempDir(), 'logs');
    devFullStream(dir, 'errors');
    const result = await runChild('policy-calls.mjs', [
      JSON.stringify({
        dir,
        streams: [{ name: 'errors', level: 'ERROR', durability: 'sync', onWriteFailure: 'fail' }],
      }),
      JSON.stringify(['info', 'error', 'info', 'audit', 'error']),
    ]);
    expect(result.code, explain(result)).toBe(0);
    const calls = result.stdout
      .split('\n')
      .filter((l) => l.startsWith('call '))
      .map((l) => JSON.parse(l.slice(5)) as { method: string; i: number; error?: Described });
    expect(calls.filter((c) => c.error !== undefined).map((c) => c.i)).toEqual([2, 5]);
    for (const call of calls.filter((c) => c.error !== undefined)) {
      expect(call.error).toMatchObject({ isNotDurableError: true, stream: 'errors', errno: 'ENOSPC' });
    }
    // The refusing stream is written first: the main stream does not have the refused records either.
    const main = readStream(dir).records.map((r) => Number(r.data?.i));
    expect(main).toEqual([1, 3, 4]);
    const health = afterPrefix<Health>(result.stdout, 'health ');
    expect(sink(health, 'errors').heldRecords).toBe(0);
    expect(sink(health, 'main').heldRecords).toBe(0);
  });

  it('the main stream with durability sync and block: the call waits blockTimeoutMs, returns with the record held, and the exit flush sends it to stderr', async () => {
    const dir = join(tempDir(), 'logs');
    devFullStream(dir);
    const result = await runChild('policy-calls.mjs', [
      JSON.stringify({ dir, file: { durability: 'sync', onWriteFailure: 'block', blockTimeoutMs: 200 } }),
      JSON.stringify(['info', 'info']),
    ]);
    expect(result.code, explain(result)).toBe(0);
    const calls = result.stdout
      .split('\n')
      .filter((l) => l.startsWith('call '))
      .map((l) => JSON.parse(l.slice(5)) as { i: number; ms: number; error?: unknown });
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.ms).toBeGreaterThanOrEqual(195);
      expect(call.ms).toBeLessThan(2000);
      expect(call.error).toBeUndefined();
    }
    const health = afterPrefix<Health>(result.stdout, 'health ');
    expect(sink(health, 'main').heldRecords).toBe(2);
    expect(health.heldRecords).toBe(2);
    expect(alertLines(result.stderr, 'main').filter((l) => l.includes('blockTimeoutMs=200'))).toHaveLength(1);
    expect(stderrRecords(result.stderr).map((r) => Number(r.data?.i))).toEqual([1, 2]);
  });
});

describe('onWriteFailure and blockTimeoutMs in the config', () => {
  it('default to buffer and 5000 ms on the main stream, the audit stream and each stream', () => {
    const { config, errors } = loadConfig({ options: { streams: [{ name: 'errors' }] }, env: {} });
    expect(errors).toEqual([]);
    for (const stream of [config.file, config.audit, config.streams[0]]) {
      expect(stream.onWriteFailure).toBe('buffer');
      expect(stream.blockTimeoutMs).toBe(5000);
    }
  });

  it('a bad value is named with the allowed ones and falls back to the default; the rest of the stream stays', () => {
    const { config, errors } = loadConfig({
      options: {
        // @ts-expect-error: invalid on purpose
        audit: { onWriteFailure: 'halt', durability: 'sync' },
        // @ts-expect-error: invalid on purpose
        streams: [{ name: 'errors', level: 'ERROR', onWriteFailure: 'retry', blockTimeoutMs: -1 }],
        file: { onWriteFailure: 'fail' },
      },
      env: {},
    });
    const text = errors.join('\n');
    expect(text).toContain('audit.onWriteFailure: got "halt"; allowed: buffer, block, fail');
    expect(text).toContain('streams[0].onWriteFailure: got "retry"; allowed: buffer, block, fail');
    expect(text).toContain('streams[0].blockTimeoutMs: got -1');
    expect(config.audit.onWriteFailure).toBe('buffer');
    expect(config.audit.durability).toBe('sync');
    expect(config.streams[0]).toMatchObject({
      name: 'errors',
      level: 'ERROR',
      onWriteFailure: 'buffer',
      blockTimeoutMs: 5000,
    });
    expect(config.file.onWriteFailure).toBe('fail');
  });

  it('blockTimeoutMs out of range is clamped with a warning', () => {
    const { config, warnings } = loadConfig({
      options: {
        file: { blockTimeoutMs: 0 },
        audit: { blockTimeoutMs: 3_600_000 },
        streams: [{ name: 'errors', blockTimeoutMs: 1 }],
      },
      env: {},
    });
    expect(config.file.blockTimeoutMs).toBe(10);
    expect(config.audit.blockTimeoutMs).toBe(60_000);
    expect(config.streams[0].blockTimeoutMs).toBe(10);
    const text = warnings.join('\n');
    expect(text).toContain('file.blockTimeoutMs: 0 is below the minimum 10; using 10');
    expect(text).toContain('audit.blockTimeoutMs: 3600000 is above the maximum 60000; using 60000');
    expect(text).toContain('streams[0].blockTimeoutMs: 1 is below the minimum 10; using 10');
  });
});
