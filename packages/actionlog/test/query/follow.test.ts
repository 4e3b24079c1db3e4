import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, FileEngine, followLines } from '../../src/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('follow (tail -f)', () => {
  it('follows the live file across midnight and size rotation without missing or repeating a line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'actionlog-follow-'));
    dirs.push(dir);
    let now = Date.parse('2026-03-01T23:59:30.000Z');
    const log = createLogger({
      dir,
      clock: () => now,
      console: false,
      exitHooks: false,
      audit: { enabled: false },
      file: { maxFileSize: '4KB', flushIntervalMs: 5 },
    });
    const TOTAL = 600;
    let written = 0;
    const write = (n: number) => {
      for (let i = 0; i < n && written < TOTAL; i++, written++) {
        log.info(`record ${written}`, {
          action: 'step',
          data: { n: written, pad: 'x'.repeat(written % 7 === 0 ? 300 : 40) },
        });
        now += 250;
      }
    };
    write(40);
    await log.flush();

    // What `tail` shows first: the last lines up to the sizes seen now; following starts there.
    const engine = new FileEngine({ dir, workers: 0 });
    const sources = engine.sources();
    const shown = (await engine.run('limit 100000', { sources })).rows.map(
      (r) => (r.data as { n: number }).n,
    );
    const stop = new AbortController();
    const followed: number[] = [];
    const following = (async () => {
      for await (const line of followLines({ dir, start: sources, intervalMs: 15, signal: stop.signal })) {
        const n = (JSON.parse(line).data as { n: number }).n;
        followed.push(n);
        if (n === TOTAL - 1) stop.abort();
      }
    })();

    // Keep writing in bursts while the follower polls: the day changes at record ~120 and
    // segments roll over every 4 KB.
    while (written < TOTAL) {
      write(7 + (written % 13));
      if (written % 3 === 0) await log.flush();
      await sleep(3);
    }
    await log.close();
    await Promise.race([following, sleep(10_000).then(() => stop.abort())]);
    await following;

    const files = readdirSync(dir).filter((name) => name.endsWith('.jsonl'));
    expect(files.filter((f) => f.startsWith('2026-03-01')).length).toBeGreaterThan(1);
    expect(files.filter((f) => f.startsWith('2026-03-02')).length).toBeGreaterThan(5);
    const seen = [...shown.reverse(), ...followed];
    expect(seen).toEqual(Array.from({ length: TOTAL }, (_, i) => i));
  });

  it('holds a line being written until its newline arrives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'actionlog-follow-'));
    dirs.push(dir);
    const { appendFileSync, writeFileSync } = await import('node:fs');
    const path = join(dir, '2026-03-01.jsonl');
    writeFileSync(path, '{"timestamp":"2026-03-01T00:00:00.000Z","n":0}\n');
    const engine = new FileEngine({ dir, workers: 0 });
    const stop = new AbortController();
    const lines: string[] = [];
    const following = (async () => {
      for await (const line of followLines({
        dir,
        start: engine.sources(),
        intervalMs: 10,
        signal: stop.signal,
      })) {
        lines.push(line);
        if (lines.length === 2) stop.abort();
      }
    })();
    appendFileSync(path, '{"timestamp":"2026-03-01T00:00:01.000Z",');
    await sleep(60);
    expect(lines).toEqual([]);
    appendFileSync(path, '"n":1}\n{"timestamp":"2026-03-01T00:00:02.000Z","n":2}\n');
    await following;
    expect(lines.map((l) => JSON.parse(l).n)).toEqual([1, 2]);
  });
});
