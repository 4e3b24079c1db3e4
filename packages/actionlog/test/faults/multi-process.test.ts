import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, explain, readStream, runChild, seqsOf, tempDir } from './helpers.js';

afterAll(cleanupTempDirs);

describe('several processes on one log directory', () => {
  it('cluster-style workers writing the same directory at once each get their own segment: nothing overwritten', async () => {
    const dir = tempDir();
    const plan = { options: { dir, file: { durability: 'buffered' } }, count: 30_000, ending: 'exit' };
    const results = await Promise.all(
      [1, 2, 3].map(() => runChild('write-records.mjs', [JSON.stringify(plan)])),
    );
    for (const result of results) expect(result.code, explain(result)).toBe(0);
    const stream = readStream(dir);
    expect(stream.broken).toEqual([]);
    const pids = [...new Set(stream.records.map((r) => r.pid))];
    expect(pids).toHaveLength(3);
    for (const pid of pids) {
      const seqs = seqsOf(stream.records, pid).sort((a, b) => a - b);
      expect(seqs.length).toBe(30_000);
      expect(seqs[0]).toBe(1);
      expect(seqs.at(-1)).toBe(30_000);
    }
    // One segment per writer (they overlapped in time), and no claim is left behind by a clean exit or a close.
    expect(readdirSync(dir).filter((n) => n.endsWith('.jsonl')).length).toBeGreaterThanOrEqual(2);
  });

  it('a claim left by a dead process is taken over: a restart continues the same segment', async () => {
    const dir = tempDir();
    const plan = { options: { dir }, count: 100, ending: 'exit' };
    for (let run = 0; run < 2; run++) {
      const result = await runChild('write-records.mjs', [JSON.stringify(plan)]);
      expect(result.code, explain(result)).toBe(0);
    }
    expect(readdirSync(dir).filter((n) => n.endsWith('.jsonl'))).toHaveLength(1);
    expect(readStream(dir).records).toHaveLength(200);
    expect(existsSync(join(dir, '.writers'))).toBe(true);
  });
});
