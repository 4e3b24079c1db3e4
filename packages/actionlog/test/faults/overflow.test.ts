/**
 * A full buffer with overflow "drop" (issue 2 §6): what is dropped is counted, and one WARNING
 * record says how many once the buffer drains; every seq is either in the file or counted.
 */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, explain, gaps, readStream, runChild, seqsOf, tempDir } from './helpers.js';

afterAll(cleanupTempDirs);

describe('overflow drop', () => {
  it.each(['flush', 'exit'])(
    'a burst past the bound, then %s: the dropped are counted and reported in one WARNING record',
    async (ending) => {
      const dir = join(tempDir(), 'logs');
      const COUNT = 20_000;
      const result = await runChild('overflow-drop.mjs', [dir, String(COUNT), ending]);
      expect(result.code, explain(result)).toBe(0);
      const line = result.stdout.split('\n').find((l) => l.startsWith('health '));
      const health = JSON.parse(line!.slice(7)) as { dropped: number };
      expect(health.dropped).toBeGreaterThan(0);

      const parsed = readStream(dir);
      expect(parsed.broken).toEqual([]);
      expect(parsed.tornTail).toBeNull();
      const warnings = parsed.records.filter(
        (r) => r.level === 'WARNING' && /^dropped \d+ records/.test(r.message),
      );
      expect(warnings).toHaveLength(1);
      expect(warnings[0].data?.dropped).toBe(health.dropped);
      const seqs = seqsOf(parsed.records);
      const max = Math.max(...seqs);
      // Seqs were handed out to every call; the ones not in the file are exactly the dropped ones.
      expect(gaps(seqs, max).missingCount).toBe(health.dropped);
      expect(parsed.records.filter((r) => r.message === 'burst').length + health.dropped).toBe(COUNT);
    },
  );
});
