/**
 * SIGKILL leaves no chance to flush: what is in the file is what the durability promised.
 * The child reports on stdout after a log call has returned; the parent kills it mid-loop.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cleanupTempDirs,
  explain,
  isContiguousFromOne,
  readStream,
  seqsOf,
  startChild,
  tempDir,
} from './helpers.js';

afterAll(cleanupTempDirs);

/** kill-writer.mjs runs with maxBufferBytes 256KB. */
const MAX_BUFFER_BYTES = 256 * 1024;

function reportedMax(lines: string[], prefix: string): number {
  let max = 0;
  for (const line of lines)
    if (line.startsWith(prefix)) max = Math.max(max, Number(line.slice(prefix.length)));
  return max;
}

async function killMidLoop(dir: string, durability: string, auditEvery = 0) {
  const child = startChild('kill-writer.mjs', [dir, durability, '100', String(auditEvery)]);
  await child.waitForLine((l) => l.startsWith('ok ') && Number(l.slice(3)) >= 30_000, 20_000, '"ok 30000"');
  child.kill('SIGKILL');
  const result = await child.exited;
  expect(result.signal, explain(result)).toBe('SIGKILL');
  return { child, result };
}

describe('SIGKILL', () => {
  it('durability sync: every record whose log call returned is in the file', async () => {
    const dir = join(tempDir(), 'logs');
    const { child } = await killMidLoop(dir, 'sync');
    const reported = reportedMax(child.lines(), 'ok ');
    expect(reported).toBeGreaterThanOrEqual(30_000);

    const parsed = readStream(dir);
    expect(parsed.broken, 'no broken line before the last').toEqual([]);
    const seqs = seqsOf(parsed.records);
    expect(isContiguousFromOne(seqs)).toEqual({ ok: true, firstBadIndex: -1 });
    expect(parsed.records.every((r) => r.data?.i === r.seq)).toBe(true);
    // Every call that returned (the child said so on stdout afterwards) is in the file.
    expect(seqs.length).toBeGreaterThanOrEqual(reported);
  });

  it('durability buffered: no broken line except possibly the last; seqs contiguous from 1; at most the unflushed buffer missing', async () => {
    const dir = join(tempDir(), 'logs');
    const { child } = await killMidLoop(dir, 'buffered');
    const reported = reportedMax(child.lines(), 'ok ');

    const parsed = readStream(dir);
    expect(parsed.broken, 'no broken line before the last').toEqual([]);
    const seqs = seqsOf(parsed.records);
    expect(seqs.length).toBeGreaterThan(0);
    expect(isContiguousFromOne(seqs)).toEqual({ ok: true, firstBadIndex: -1 });
    // What is missing fits in the buffer bound (buffered plus in flight never pass maxBufferBytes).
    const minLine = Math.min(...parsed.records.slice(0, 1000).map((r) => JSON.stringify(r).length + 1));
    const missing = Math.max(0, reported - seqs.length);
    expect(missing * minLine).toBeLessThanOrEqual(MAX_BUFFER_BYTES + 2 * minLine);
  });

  it('audit() survives SIGKILL with main durability buffered: in {dir}/audit/ and in the main file', async () => {
    const dir = join(tempDir(), 'logs');
    const { child } = await killMidLoop(dir, 'buffered', 97);
    const audits = child
      .lines()
      .filter((l) => l.startsWith('audit '))
      .map((l) => Number(l.slice(6)));
    expect(audits.length).toBeGreaterThan(100);

    const audit = readStream(join(dir, 'audit'));
    expect(audit.broken).toEqual([]);
    expect(audit.tornTail).toBeNull();
    expect(audit.records.every((r) => r.category === 'audit')).toBe(true);
    const inAudit = new Set(audit.records.map((r) => r.data?.i));
    const missingFromAudit = audits.filter((i) => !inAudit.has(i));
    expect(missingFromAudit, 'reported audit records missing from audit/').toEqual([]);

    const main = readStream(dir);
    expect(main.broken).toEqual([]);
    const inMain = new Set(main.records.filter((r) => r.category === 'audit').map((r) => r.data?.i));
    const missingFromMain = audits.filter((i) => !inMain.has(i));
    expect(missingFromMain, 'reported audit records missing from the main file').toEqual([]);
    // The sync audit write took everything buffered before it to the main file too.
    const seqs = seqsOf(main.records);
    expect(isContiguousFromOne(seqs)).toEqual({ ok: true, firstBadIndex: -1 });
    expect(seqs.length).toBeGreaterThanOrEqual(Math.max(...audits));
  });

  it('a sync logger sharing its directory with a buffered one (created first) keeps its promise: every returned call is in the file', async () => {
    const dir = join(tempDir(), 'logs');
    const child = startChild('shared-dir-sync.mjs', [dir]);
    await child.waitForLine((l) => l.startsWith('b ') && Number(l.slice(2)) >= 20_000, 20_000, '"b 20000"');
    child.kill('SIGKILL');
    const result = await child.exited;
    expect(result.signal, explain(result)).toBe('SIGKILL');
    const reported = child
      .lines()
      .filter((l) => l.startsWith('b '))
      .map((l) => Number(l.slice(2)));
    const parsed = readStream(dir);
    expect(parsed.broken).toEqual([]);
    const inFile = new Set(parsed.records.filter((r) => r.logger === 'b').map((r) => r.data?.i));
    const missing = reported.filter((i) => !inFile.has(i));
    expect(
      missing.length,
      `records of the sync logger missing after SIGKILL, e.g. ${missing.slice(0, 5)}`,
    ).toBe(0);
  });
});
