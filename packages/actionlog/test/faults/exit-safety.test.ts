/**
 * Exit safety (issue 2 §7, DESIGN.md §3), each case a real child process: process.exit(),
 * signals in the middle of a hot loop, crashes, several loggers, and listener leaks.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanupTempDirs,
  explain,
  isContiguousFromOne,
  readStream,
  runChild,
  seqsOf,
  startChild,
  tempDir,
} from './helpers.js';

afterAll(cleanupTempDirs);

describe('200,000 records then process.exit(0) on the next line', () => {
  it.each(['default', 'sync', 'fsync'])(
    'durability %s: every record is in the file, in order, as JSON',
    async (durability) => {
      const dir = join(tempDir(), 'logs');
      const file = durability === 'default' ? {} : { durability };
      const result = await runChild('write-records.mjs', [
        JSON.stringify({ options: { dir, file }, count: 200_000, ending: 'exit' }),
      ]);
      expect(result.code, explain(result)).toBe(0);
      const parsed = readStream(dir);
      expect(parsed.broken).toEqual([]);
      expect(parsed.tornTail).toBeNull();
      expect(parsed.endsWithNewline).toBe(true);
      expect(parsed.records.length).toBe(200_000);
      const seqs = seqsOf(parsed.records);
      expect(isContiguousFromOne(seqs)).toEqual({ ok: true, firstBadIndex: -1 });
      expect(parsed.records.every((r) => r.data?.i === r.seq)).toBe(true);
    },
  );
});

describe('other normal endings', () => {
  it.each(['natural', 'close'])(
    '50,000 records, then the event loop runs dry (%s): every record is in the file',
    async (ending) => {
      const dir = join(tempDir(), 'logs');
      const result = await runChild('write-records.mjs', [
        JSON.stringify({ options: { dir }, count: 50_000, ending }),
      ]);
      expect(result.code, explain(result)).toBe(0);
      const parsed = readStream(dir);
      expect(parsed.broken).toEqual([]);
      expect(parsed.tornTail).toBeNull();
      expect(parsed.records.length).toBe(50_000);
      expect(isContiguousFromOne(seqsOf(parsed.records))).toEqual({ ok: true, firstBadIndex: -1 });
    },
  );
});

/** The child must end by the signal itself: Node's behaviour without a handler of the app's own. */
describe('signals in the middle of a hot loop', () => {
  const cases: Array<[NodeJS.Signals, string]> = [
    ['SIGINT', 'default'],
    ['SIGTERM', 'default'],
    ['SIGHUP', 'default'],
    ['SIGTERM', 'fsync'],
  ];
  it.each(cases)(
    '%s (durability %s): dies by the signal, every record logged before it is in the file',
    async (signal, durability) => {
      const dir = join(tempDir(), 'logs');
      const child = startChild('hot-loop.mjs', [dir, durability, 'plain']);
      await child.waitForLine((l) => l === 'ready', 20_000, '"ready"');
      // Well into the loop, with batches in flight on the thread pool.
      await child.waitForLine(
        (l) => l.startsWith('logged ') && Number(l.slice(7)) >= 30_000,
        20_000,
        '"logged 30000"',
      );
      child.kill(signal);
      const result = await child.exited;
      expect(result.timedOut, explain(result)).toBe(false);
      expect(result.signal, explain(result)).toBe(signal);
      expect(result.code).toBeNull();

      const reported = Math.max(
        ...child
          .lines()
          .filter((l) => l.startsWith('logged '))
          .map((l) => Number(l.slice(7))),
      );
      const parsed = readStream(dir);
      expect(parsed.broken).toEqual([]);
      expect(parsed.tornTail, 'the file ends with a complete line').toBeNull();
      expect(parsed.endsWithNewline).toBe(true);
      const seqs = seqsOf(parsed.records);
      expect(isContiguousFromOne(seqs)).toEqual({ ok: true, firstBadIndex: -1 });
      // Everything the child reported as logged before the signal is there (and then some).
      expect(seqs.length).toBeGreaterThanOrEqual(reported);
    },
  );

  it('SIGTERM with a handler of the app (process.on after createLogger): the app keeps its behaviour, exits 0, its last record is in the file', async () => {
    const dir = join(tempDir(), 'logs');
    const child = startChild('hot-loop.mjs', [dir, 'default', 'handler']);
    await child.waitForLine(
      (l) => l.startsWith('logged ') && Number(l.slice(7)) >= 20_000,
      20_000,
      '"logged 20000"',
    );
    child.kill('SIGTERM');
    const result = await child.exited;
    expect(result.signal, explain(result)).toBeNull();
    expect(result.code, explain(result)).toBe(0);
    const parsed = readStream(dir);
    expect(parsed.broken).toEqual([]);
    expect(parsed.tornTail).toBeNull();
    const seqs = seqsOf(parsed.records);
    expect(isContiguousFromOne(seqs)).toEqual({ ok: true, firstBadIndex: -1 });
    expect(parsed.records.at(-1)?.message).toBe('shutting down');
  });

  it('SIGTERM with a process.once handler the app registered before createLogger: the app keeps its behaviour, exits 0', async () => {
    const dir = join(tempDir(), 'logs');
    const child = startChild('hot-loop.mjs', [dir, 'default', 'once-before']);
    await child.waitForLine(
      (l) => l.startsWith('logged ') && Number(l.slice(7)) >= 20_000,
      20_000,
      '"logged 20000"',
    );
    child.kill('SIGTERM');
    const result = await child.exited;
    // The library must not turn the app's graceful shutdown into death by SIGTERM.
    expect(result.signal, explain(result)).toBeNull();
    expect(result.code, explain(result)).toBe(0);
    const parsed = readStream(dir);
    expect(parsed.broken).toEqual([]);
    expect(isContiguousFromOne(seqsOf(parsed.records))).toEqual({ ok: true, firstBadIndex: -1 });
    expect(parsed.records.at(-1)?.message).toBe('shutting down');
  });
});

describe('crashes', () => {
  it('uncaught exception: CRITICAL record with the error after all earlier records; exit code 1 and the stack on stderr', async () => {
    const dir = join(tempDir(), 'logs');
    const result = await runChild('crash.mjs', [dir, 'throw']);
    expect(result.code, explain(result)).toBe(1);
    expect(result.signal).toBeNull();
    expect(result.stderr).toContain('Error: boom from the app');
    expect(result.stderr).toMatch(/\n\s+at .*crash\.mjs/);

    const parsed = readStream(dir);
    expect(parsed.broken).toEqual([]);
    expect(parsed.tornTail).toBeNull();
    const seqs = seqsOf(parsed.records);
    expect(isContiguousFromOne(seqs)).toEqual({ ok: true, firstBadIndex: -1 });
    expect(parsed.records.length).toBe(101);
    const crash = parsed.records[100];
    expect(crash.level).toBe('CRITICAL');
    expect(crash.message.startsWith('uncaught exception')).toBe(true);
    expect(crash.message).toContain('boom from the app');
    expect(crash.error?.message).toBe('boom from the app');
    expect(String(crash.error?.stack ?? '')).toContain('crash.mjs');
  });

  it('unhandled rejection: CRITICAL "unhandled rejection" record after all earlier records; non-zero exit', async () => {
    const dir = join(tempDir(), 'logs');
    const result = await runChild('crash.mjs', [dir, 'reject']);
    expect(result.signal, explain(result)).toBeNull();
    expect(result.code, explain(result)).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toContain('nope from a promise');

    const parsed = readStream(dir);
    expect(parsed.broken).toEqual([]);
    expect(isContiguousFromOne(seqsOf(parsed.records))).toEqual({ ok: true, firstBadIndex: -1 });
    expect(parsed.records.length).toBe(101);
    const crash = parsed.records[100];
    expect(crash.level).toBe('CRITICAL');
    expect(crash.message.startsWith('unhandled rejection')).toBe(true);
    expect(crash.error?.message).toBe('nope from a promise');
  });
});

describe('two loggers in one process both flush on process.exit()', () => {
  const COUNT = 20_000;

  it('different directories', async () => {
    const root = tempDir();
    const dirA = join(root, 'a');
    const dirB = join(root, 'b');
    const result = await runChild('two-loggers.mjs', [dirA, dirB, String(COUNT)]);
    expect(result.code, explain(result)).toBe(0);
    const a = readStream(dirA);
    const b = readStream(dirB);
    for (const [name, parsed] of [
      ['a', a],
      ['b', b],
    ] as const) {
      expect(parsed.broken, name).toEqual([]);
      expect(parsed.tornTail, name).toBeNull();
      expect(parsed.records.length, name).toBe(COUNT);
      expect(parsed.records.map((r) => r.data?.i)).toEqual(Array.from({ length: COUNT }, (_, k) => k + 1));
      expect(parsed.records.every((r) => r.logger === name)).toBe(true);
    }
    // seq is per process: a has the odd ones, b the even ones, together 1..2*COUNT.
    const all = [...seqsOf(a.records), ...seqsOf(b.records)].sort((x, y) => x - y);
    expect(isContiguousFromOne(all)).toEqual({ ok: true, firstBadIndex: -1 });
  });

  it('the same directory: one file, every record of both, in seq order', async () => {
    const dir = join(tempDir(), 'logs');
    const result = await runChild('two-loggers.mjs', [dir, dir, String(COUNT)]);
    expect(result.code, explain(result)).toBe(0);
    const parsed = readStream(dir);
    expect(parsed.broken).toEqual([]);
    expect(parsed.tornTail).toBeNull();
    expect(isContiguousFromOne(seqsOf(parsed.records))).toEqual({ ok: true, firstBadIndex: -1 });
    expect(parsed.records.filter((r) => r.logger === 'a').length).toBe(COUNT);
    expect(parsed.records.filter((r) => r.logger === 'b').length).toBe(COUNT);
  });

  it('the same directory, one logger closed half-way: the other still writes and flushes', async () => {
    const dir = join(tempDir(), 'logs');
    const result = await runChild('two-loggers.mjs', [dir, dir, String(COUNT), 'close-a']);
    expect(result.code, explain(result)).toBe(0);
    const parsed = readStream(dir);
    expect(parsed.broken).toEqual([]);
    expect(parsed.tornTail).toBeNull();
    const b = parsed.records.filter((r) => r.logger === 'b');
    expect(b.map((r) => r.data?.i)).toEqual(Array.from({ length: COUNT }, (_, k) => k + 1));
    // a logged COUNT/2 - 1 records before it was closed; later calls are ignored.
    expect(parsed.records.filter((r) => r.logger === 'a').length).toBe(COUNT / 2 - 1);
    const seqs = seqsOf(parsed.records).sort((x, y) => x - y);
    expect(new Set(seqs).size).toBe(seqs.length);
  });
});

describe('creating and closing many loggers does not leak process listeners', () => {
  interface Report {
    baseline: Record<string, number>;
    after: Record<string, number>;
    during: Record<string, number>;
    maxDuring: number;
    fdsBefore: number;
    fdsAfter: number;
  }

  it.each([
    ['same', 10_000],
    ['own', 1_000],
    ['concurrent', 5_000],
  ])(
    'mode %s, %i loggers: listener counts back to the baseline, no MaxListenersExceededWarning',
    async (mode, count) => {
      const dir = join(tempDir(), 'logs');
      const result = await runChild('many-loggers.mjs', [dir, String(count), mode]);
      expect(result.code, explain(result)).toBe(0);
      expect(result.stderr).not.toContain('MaxListenersExceededWarning');
      expect(result.stderr).not.toContain('memory leak');
      const line = result.stdout.split('\n').find((l) => l.startsWith('{'));
      expect(line, explain(result)).toBeDefined();
      const report = JSON.parse(line!) as Report;
      expect(report.after).toEqual(report.baseline);
      // Closed loggers closed their files too.
      expect(report.fdsAfter).toBeLessThanOrEqual(report.fdsBefore + 2);
      // One open logger adds at most one listener per event, however many there are.
      expect(report.maxDuring).toBeLessThanOrEqual(
        Math.max(report.baseline.exit, report.baseline.SIGTERM) + 1,
      );
      for (const event of ['exit', 'SIGINT', 'SIGTERM', 'SIGHUP', 'uncaughtExceptionMonitor']) {
        expect(report.during[event], event).toBe(report.baseline[event] + 1);
      }
      // Every logger's one record, and the last logger's record written by the exit hook.
      const records = readStream(dir).records;
      let ones = records.filter((r) => r.message === 'one').length;
      if (mode === 'own') {
        for (const name of readdirSync(dir)) {
          if (name.startsWith('l'))
            ones += readStream(join(dir, name)).records.filter((r) => r.message === 'one').length;
        }
      }
      expect(ones).toBe(count);
      expect(records.some((r) => r.message === 'final record')).toBe(true);
    },
  );
});
