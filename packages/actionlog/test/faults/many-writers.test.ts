/**
 * Several processes and threads logging into one directory at once, with tiny segments so they
 * claim thousands between them: every acknowledged record is on disk exactly once, every line
 * parses, and verify tells the truth.
 */
import { cpSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyStream } from '../../src/files/verify-chain.js';
import {
  cleanupTempDirs,
  explain,
  type LogRecord,
  readStream,
  runChild,
  startChild,
  tempDir,
} from './helpers.js';

// Thousands of tiny segments per directory: removing them takes a while on a loaded machine.
afterAll(cleanupTempDirs, 180_000);

interface Plan {
  count: number;
  auditEvery?: number;
  workers?: number;
  ending: 'close' | 'exit' | 'natural' | 'wait' | 'terminate';
  maxFileSize?: string;
  /** Chain the main stream too (the audit stream always is). */
  chainMain?: boolean;
}

function planFor(dir: string, plan: Plan, startAt: number): string {
  return JSON.stringify({
    ...plan,
    startAt,
    options: { dir, file: { maxFileSize: plan.maxFileSize ?? '4KB', integrity: plan.chainMain ?? false } },
  });
}

interface Tally {
  /** Records per writer (pid:thread). */
  writers: Map<string, number[]>;
  broken: string[];
  torn: string | null;
}

function tally(dir: string, filter: (r: LogRecord) => boolean = () => true): Tally {
  const stream = readStream(dir);
  const writers = new Map<string, number[]>();
  for (const record of stream.records) {
    if (!filter(record)) continue;
    const writer = record.data?.writer as string | undefined;
    if (writer === undefined) continue;
    let list = writers.get(writer);
    if (list === undefined) writers.set(writer, (list = []));
    list.push(record.data!.i as number);
  }
  return { writers, broken: stream.broken.map((b) => b.text), torn: stream.tornTail };
}

/** Each writer's numbers are exactly `expected` (1..count, or its audit subset), each once. */
function exactlyOnce(list: number[], expected: number[]): { missing: number; doubled: number } {
  const seen = new Map<number, number>();
  for (const i of list) seen.set(i, (seen.get(i) ?? 0) + 1);
  let missing = 0;
  let doubled = 0;
  for (const i of expected) {
    const n = seen.get(i) ?? 0;
    if (n === 0) missing++;
    if (n > 1) doubled += n - 1;
  }
  return { missing, doubled };
}

const range = (count: number, every = 1): number[] =>
  Array.from({ length: Math.floor(count / every) }, (_, k) => (k + 1) * every);

async function expectWholeDirectory(dir: string, writers: number, plan: Plan): Promise<void> {
  const main = tally(dir);
  expect(main.broken, 'lines that do not parse in the main stream').toEqual([]);
  expect(main.torn).toBeNull();
  expect(main.writers.size).toBe(writers);
  for (const [writer, list] of main.writers) {
    expect({ writer, ...exactlyOnce(list, range(plan.count)), total: list.length }).toEqual({
      writer,
      missing: 0,
      doubled: 0,
      total: plan.count,
    });
  }
  if (plan.auditEvery) {
    const audit = tally(join(dir, 'audit'));
    expect(audit.broken, 'lines that do not parse in the audit stream').toEqual([]);
    expect(audit.writers.size).toBe(writers);
    for (const [writer, list] of audit.writers) {
      expect({ writer, ...exactlyOnce(list, range(plan.count, plan.auditEvery)) }).toEqual({
        writer,
        missing: 0,
        doubled: 0,
      });
    }
    const report = await verifyStream(join(dir, 'audit'));
    expect(report.break, JSON.stringify(report.break)).toBeUndefined();
    expect(report.ok).toBe(true);
    expect(report.records).toBe(writers * Math.floor(plan.count / plan.auditEvery));
  }
  if (plan.chainMain) {
    const report = await verifyStream(dir);
    expect(report.break, JSON.stringify(report.break)).toBeUndefined();
    expect(report.records).toBe(writers * plan.count);
  }
}

async function runWriters(dir: string, processes: number, plan: Plan): Promise<void> {
  const startAt = Date.now() + 400;
  const results = await Promise.all(
    Array.from({ length: processes }, () =>
      runChild('many-writers.mjs', [planFor(dir, plan, startAt)], { timeoutMs: 90_000 }),
    ),
  );
  for (const result of results) expect(result.code, explain(result)).toBe(0);
}

describe('many writers on one directory', () => {
  it('4 processes x 5,000 records, 4 KB segments, half audit: every record once, every line whole, verify OK (3 rounds)', async () => {
    const plan: Plan = { count: 5_000, auditEvery: 2, ending: 'close', chainMain: true };
    for (let round = 0; round < 3; round++) {
      const dir = tempDir();
      await runWriters(dir, 4, plan);
      await expectWholeDirectory(dir, 4, plan);
      // Hundreds of tiny segments each, none shared.
      expect(readdirSync(dir).filter((n) => n.endsWith('.jsonl')).length).toBeGreaterThan(100);
    }
  }, 240_000);

  it('the main thread and 3 worker threads x 5,000 records each: every record once, verify OK (2 rounds)', async () => {
    const plan: Plan = { count: 5_000, auditEvery: 2, workers: 3, ending: 'close' };
    for (let round = 0; round < 2; round++) {
      const dir = tempDir();
      await runWriters(dir, 1, plan);
      await expectWholeDirectory(dir, 4, plan);
    }
  }, 180_000);

  it('2 processes with a main thread and 2 workers each, together: every record once, verify OK', async () => {
    const plan: Plan = { count: 3_000, auditEvery: 2, workers: 2, ending: 'close' };
    const dir = tempDir();
    await runWriters(dir, 2, plan);
    await expectWholeDirectory(dir, 6, plan);
  }, 180_000);
});

describe("a worker thread's acknowledged records when the main thread ends the process", () => {
  // Large segments: the point here is the buffer, not the claims.
  const plan = (ending: Plan['ending']): Plan => ({
    count: 5_000,
    workers: 2,
    ending,
    maxFileSize: '50MB',
  });

  for (const ending of ['exit', 'natural'] as const) {
    it(`are on disk after ${ending === 'exit' ? 'process.exit(0) in the main thread' : 'the main thread runs dry'}`, async () => {
      const dir = tempDir();
      const result = await runChild('many-writers.mjs', [planFor(dir, plan(ending), 0)]);
      expect(result.code, explain(result)).toBe(0);
      await expectWholeDirectory(dir, 3, plan(ending));
    });
  }

  it('are on disk after SIGTERM', async () => {
    const dir = tempDir();
    const child = startChild('many-writers.mjs', [planFor(dir, plan('wait'), 0)]);
    await child.waitForLine((line) => line === 'logged');
    child.kill('SIGTERM');
    const result = await child.exited;
    expect(result.signal, explain(result)).toBe('SIGTERM');
    await expectWholeDirectory(dir, 3, plan('wait'));
  });
});

describe('worker.terminate()', () => {
  it('keeps every sync (audit) record of the terminated worker; only its unflushed buffered batch may be lost', async () => {
    const dir = tempDir();
    const plan: Plan = { count: 4_000, auditEvery: 2, workers: 2, ending: 'terminate', maxFileSize: '50MB' };
    const result = await runChild('many-writers.mjs', [planFor(dir, plan, 0)]);
    expect(result.code, explain(result)).toBe(0);
    const audit = tally(join(dir, 'audit'));
    expect(audit.writers.size).toBe(3);
    for (const [writer, list] of audit.writers) {
      expect({ writer, ...exactlyOnce(list, range(plan.count, 2)) }).toEqual({
        writer,
        missing: 0,
        doubled: 0,
      });
    }
    const main = tally(dir);
    expect(main.broken).toEqual([]);
    for (const [, list] of main.writers) {
      expect(exactlyOnce(list, range(plan.count)).doubled).toBe(0);
      const lost = range(plan.count).filter((i) => !list.includes(i));
      // Only from the tail: the batch that had not gone out yet.
      if (lost.length > 0) expect(lost[0]).toBeGreaterThan(plan.count - 1_000);
    }
    const report = await verifyStream(join(dir, 'audit'));
    expect(report.break, JSON.stringify(report.break)).toBeUndefined();
  });
});

describe('one of several writers killed with SIGKILL', () => {
  it('loses at most its own last batch (none of its audit records); the others lose nothing and verify stays OK', async () => {
    const dir = tempDir();
    const startAt = Date.now() + 400;
    const others: Plan = { count: 12_000, auditEvery: 2, ending: 'close' };
    const victimPlan: Plan = { count: 2_000, auditEvery: 2, ending: 'wait' };
    const running = [1, 2].map(() =>
      runChild('many-writers.mjs', [planFor(dir, others, startAt)], { timeoutMs: 90_000 }),
    );
    const victim = startChild('many-writers.mjs', [planFor(dir, victimPlan, startAt)]);
    await victim.waitForLine((line) => line === 'logged');
    victim.kill('SIGKILL');
    const killed = await victim.exited;
    expect(killed.signal).toBe('SIGKILL');
    for (const result of await Promise.all(running)) expect(result.code, explain(result)).toBe(0);

    const main = tally(dir);
    // At most one line cut short: the victim's last write, if the kill caught it.
    expect(main.broken.length + (main.torn === null ? 0 : 1)).toBeLessThanOrEqual(1);
    const victimWriter = `${victim.pid}:0`;
    for (const [writer, list] of main.writers) {
      if (writer === victimWriter) {
        const { doubled } = exactlyOnce(list, range(victimPlan.count));
        expect(doubled).toBe(0);
        // Audit records were in the kernel before each call returned.
        const audits = new Set(list.filter((i) => i % 2 === 0));
        expect(range(victimPlan.count, 2).filter((i) => !audits.has(i))).toEqual([]);
        // What it lost is its tail: the last batch, not records from the middle.
        const lost = range(victimPlan.count).filter((i) => !list.includes(i));
        if (lost.length > 0) expect(lost[0]).toBeGreaterThan(victimPlan.count - 1_000);
      } else {
        expect({ writer, ...exactlyOnce(list, range(others.count)) }).toMatchObject({
          missing: 0,
          doubled: 0,
        });
      }
    }
    expect(main.writers.size).toBe(3);
    const report = await verifyStream(join(dir, 'audit'));
    expect(report.break, JSON.stringify(report.break)).toBeUndefined();
  }, 120_000);
});

describe('verify on a directory written by several processes at once', () => {
  const plan: Plan = { count: 2_000, auditEvery: 1, ending: 'close' };
  let source = '';

  /** A copy of the audit stream with `tamper` applied to one of its segments (one in the middle). */
  async function tampered(
    tamper: (segment: string) => void,
  ): Promise<Awaited<ReturnType<typeof verifyStream>>> {
    if (source === '') {
      source = tempDir();
      await runWriters(source, 3, plan);
      const clean = await verifyStream(join(source, 'audit'));
      expect(clean.break, JSON.stringify(clean.break)).toBeUndefined();
    }
    const copy = tempDir();
    cpSync(source, copy, { recursive: true });
    const audit = join(copy, 'audit');
    const segments = readdirSync(audit)
      .filter((name) => name.endsWith('.jsonl'))
      .sort();
    tamper(join(audit, segments[Math.floor(segments.length / 2)]));
    return verifyStream(audit);
  }

  const edit = (segment: string, change: (lines: string[]) => void): void => {
    const lines = readFileSync(segment, 'utf8').split('\n');
    lines.pop();
    change(lines);
    writeFileSync(segment, lines.map((line) => `${line}\n`).join(''));
  };

  it('catches a record edited', async () => {
    const report = await tampered((s) =>
      edit(s, (l) => (l[3] = l[3].replace('config_change', 'config_chang3'))),
    );
    expect(report.break?.reason).toBe('edited');
  }, 120_000);

  it('catches a record deleted', async () => {
    const report = await tampered((s) => edit(s, (l) => l.splice(3, 1)));
    expect(report.break?.reason).toBe('deleted');
  }, 120_000);

  it('catches two records swapped', async () => {
    const report = await tampered((s) =>
      edit(s, (l) => {
        [l[2], l[3]] = [l[3], l[2]];
      }),
    );
    expect(report.ok).toBe(false);
  }, 120_000);

  it('catches a segment truncated after its checkpoint', async () => {
    const report = await tampered((s) => {
      const lines = readFileSync(s, 'utf8').split('\n');
      truncateSync(
        s,
        Buffer.byteLength(
          lines
            .slice(0, 2)
            .map((line) => `${line}\n`)
            .join(''),
        ),
      );
    });
    expect(report.break?.reason).toBe('truncated');
  }, 120_000);
});
