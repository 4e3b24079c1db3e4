/**
 * Files on disk across processes: permissions, restarts continuing the newest segment of the
 * day, torn last lines left by a crash, and size segments.
 */
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanupTempDirs,
  explain,
  isContiguousFromOne,
  modeOf,
  readJsonl,
  readStream,
  runChild,
  segmentFiles,
  tempDir,
} from './helpers.js';

afterAll(cleanupTempDirs);

function write(options: Record<string, unknown>, count: number, extra: Record<string, unknown> = {}) {
  return runChild('write-records.mjs', [JSON.stringify({ options, count, ending: 'exit', ...extra })]);
}

/** Records grouped by the process that wrote them, each group's seqs in file order. */
function byPid(records: Array<{ pid: number; seq: number }>): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const r of records) {
    const list = out.get(r.pid) ?? [];
    list.push(r.seq);
    out.set(r.pid, list);
  }
  return out;
}

describe('permissions', () => {
  it('files are 0600 and directories 0700, audit/ included, even with umask 0', async () => {
    const dir = join(tempDir(), 'nested', 'logs');
    const result = await write({ dir }, 100, { auditEvery: 10, umask: 0 });
    expect(result.code, explain(result)).toBe(0);
    expect(modeOf(dir)).toBe('700');
    expect(modeOf(join(dir, '..'))).toBe('700');
    const [file] = segmentFiles(dir);
    expect(file).toBeDefined();
    expect(modeOf(file)).toBe('600');
    const auditDir = join(dir, 'audit');
    expect(modeOf(auditDir)).toBe('700');
    const [auditFile] = segmentFiles(auditDir);
    expect(auditFile).toBeDefined();
    expect(modeOf(auditFile)).toBe('600');
    expect(readJsonl(auditFile).records).toHaveLength(10);
  });
});

describe('a restarted process', () => {
  it('continues the newest segment of the day: one file, seqs 1..N twice, no broken lines', async () => {
    const dir = join(tempDir(), 'logs');
    const N = 500;
    for (let run = 0; run < 2; run++) {
      const result = await write({ dir }, N);
      expect(result.code, explain(result)).toBe(0);
    }
    const files = segmentFiles(dir);
    expect(files.map((f) => basename(f))).toHaveLength(1);
    const parsed = readJsonl(files[0]);
    expect(parsed.broken).toEqual([]);
    expect(parsed.tornTail).toBeNull();
    expect(parsed.records).toHaveLength(2 * N);
    const runs = [...byPid(parsed.records).values()];
    expect(runs).toHaveLength(2);
    for (const seqs of runs) expect(isContiguousFromOne(seqs)).toEqual({ ok: true, firstBadIndex: -1 });
    // The second run's records come after the first run's, not over them.
    expect(parsed.records[N - 1].pid).not.toBe(parsed.records[N].pid);
  });

  it('after a torn last line (a crash mid-write), the next run starts on a line of its own', async () => {
    const dir = join(tempDir(), 'logs');
    const first = await write({ dir }, 100);
    expect(first.code, explain(first)).toBe(0);
    const [file] = segmentFiles(dir);
    appendFileSync(file, '{"timestamp":"2026-01-01T00:00:00.000Z","seq":101,"lev');
    const second = await write({ dir }, 100);
    expect(second.code, explain(second)).toBe(0);
    const parsed = readJsonl(file);
    // Only the torn line itself does not parse; every record of both runs does.
    expect(parsed.broken).toHaveLength(1);
    expect(parsed.broken[0].line).toBe(101);
    expect(parsed.tornTail).toBeNull();
    expect(parsed.records).toHaveLength(200);
    for (const seqs of byPid(parsed.records).values()) {
      expect(isContiguousFromOne(seqs)).toEqual({ ok: true, firstBadIndex: -1 });
    }
  });

  it("with maxFileSize 4KB, a second run continues the last segment's numbering instead of overwriting .jsonl", async () => {
    const dir = join(tempDir(), 'logs');
    const options = { dir, file: { maxFileSize: '4KB' } };
    const first = await write(options, 100, { flushEvery: 5 });
    expect(first.code, explain(first)).toBe(0);
    const afterFirst = segmentFiles(dir);
    expect(afterFirst.length).toBeGreaterThan(1);
    const contents = new Map(afterFirst.map((f) => [f, readFileSync(f)]));
    const lastOfFirst = afterFirst.at(-1)!;

    const second = await write(options, 100, { flushEvery: 5 });
    expect(second.code, explain(second)).toBe(0);
    const afterSecond = segmentFiles(dir);
    // Earlier full segments are untouched (the last one may have been continued).
    for (const f of afterFirst.slice(0, -1))
      expect(readFileSync(f).equals(contents.get(f)!), basename(f)).toBe(true);
    expect(
      readFileSync(lastOfFirst)
        .subarray(0, contents.get(lastOfFirst)!.length)
        .equals(contents.get(lastOfFirst)!),
    ).toBe(true);

    const parsed = readStream(dir);
    expect(parsed.broken).toEqual([]);
    expect(parsed.tornTail).toBeNull();
    expect(parsed.records).toHaveLength(200);
    const runs = [...byPid(parsed.records).values()];
    expect(runs).toHaveLength(2);
    for (const seqs of runs) expect(isContiguousFromOne(seqs)).toEqual({ ok: true, firstBadIndex: -1 });
    // In segment order, all of run 1 comes before all of run 2.
    expect(parsed.records[99].pid).not.toBe(parsed.records[100].pid);
    expect(afterSecond.length).toBeGreaterThan(afterFirst.length);
    // The second run starts in the first run's last segment, or the next one if that was full.
    const secondPid = parsed.records[100].pid;
    const firstFileOfSecond = afterSecond.find((f) => readJsonl(f).records.some((r) => r.pid === secondPid))!;
    const lastSize = contents.get(lastOfFirst)!.length;
    // openForDay: the newest segment unless it is full (>= maxFileSize), then the next index.
    const expected = lastSize < 4096 ? lastOfFirst : afterSecond[afterFirst.length];
    expect(basename(firstFileOfSecond)).toBe(basename(expected));
  });

  it.each([
    ['paced (flush every 5 records)', 5],
    ['in one burst, then process.exit', 0],
  ])(
    'maxFileSize 4KB is honoured, %s: no segment past 4KB unless it holds a single record',
    async (_label, flushEvery) => {
      const dir = join(tempDir(), 'logs');
      const result = await write({ dir, file: { maxFileSize: '4KB' } }, 200, { flushEvery });
      expect(result.code, explain(result)).toBe(0);
      const files = segmentFiles(dir);
      const sizes = files.map((f) => ({
        name: basename(f),
        size: statSync(f).size,
        records: readJsonl(f).records.length,
      }));
      const over = sizes.filter((s) => s.size > 4096 && s.records > 1);
      expect(over, JSON.stringify(sizes)).toEqual([]);
      const parsed = readStream(dir);
      expect(parsed.records).toHaveLength(200);
      expect(isContiguousFromOne(parsed.records.map((r) => r.seq))).toEqual({ ok: true, firstBadIndex: -1 });
    },
  );
});
